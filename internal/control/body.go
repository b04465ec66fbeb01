package control

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// maxBody keeps a body under GitHub's 65536 characters, with room for the
// issue marker UpsertIssue appends.
const maxBody = 60000

// Caps on the rows of a body's tables; the rest is in report.json.
const (
	maxRows   = 50
	maxDetail = 200
)

// code renders an identifier, a CID or a path as a code span when it is
// one safely, else as escaped text.
func code(s string) string { return markdown.Code(clip.Runes(s, maxDetail)) }

// nof is "1 hunk", "2 hunks".
func nof(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// titleLine is s as a title: one line, at most 200 runes.
func titleLine(s string) string { return clip.Runes(clip.OneLine(s), 200) }

// prTitle is the draft pull request's title; it names no measurement, so
// that the same change keeps the same title.
func prTitle(rep *report.Report, c *change, whole bool) string {
	n := len(c.members)
	what := "change"
	if n != 1 {
		what = "changes"
	}
	where := rep.Module
	if !whole {
		where = strings.Join(c.tasksTargets(), ", ")
	}
	return titleLine(fmt.Sprintf("optimizer (%s): %d validated %s in %s", strings.Join(rep.Methods, ", "), n, what, where))
}

func (c *change) tasksTargets() []string {
	var out []string
	for _, m := range c.members {
		if !slices.Contains(out, m.task.Target) {
			out = append(out, m.task.Target)
		}
	}
	return out
}

// commitMessage is the message of the pull request's commit.
func commitMessage(title string, c *change) string {
	return fmt.Sprintf("%s\n\nValidated by the optimizer: patch %s, CID %s.\nUndo with: optimizer rollback %s\n", title, c.patch.ID, c.patch.CID, c.patch.ID)
}

// prBody is the draft pull request's description: what it holds, the
// validation table, the benchmark deltas, the CIDs and how to roll back.
// Every text that came from a model, the code or a reviewer is escaped.
func prBody(rep *report.Report, c *change, head string, reviews *report.PRReviews) string {
	var b strings.Builder
	what := "change"
	if len(c.members) != 1 {
		what = "changes"
	}
	fmt.Fprintf(&b, "## optimizer: %d validated %s\n\n", len(c.members), what)
	fmt.Fprintf(&b, "The optimizer (methods %s, objective %s) made this change on %s. Every candidate in it was applied in its own git worktree and passed validation",
		markdown.Escape(strings.Join(rep.Methods, ", ")), markdown.Escape(rep.Objective), code(head))
	if len(c.members) > 1 {
		b.WriteString(", and the patch as a whole was validated again")
	}
	b.WriteString(". The optimizer never merges: review the change and merge it yourself if you agree.\n\n")
	patchTable(&b, c)
	fmt.Fprintf(&b, "To undo it after merging: `optimizer rollback %s` in the run's output directory (the report artifact), which applies the reverse patch after checking its CID, or revert the merge commit.\n\n", c.patch.ID)
	requestsSection(&b, reviews)
	validationSection(&b, c.validation)
	benchmarkSection(&b, c)
	changesSection(&b, c)
	leftSection(&b, c)
	b.WriteString("<sub>Pull requests opened with the workflow's GITHUB_TOKEN do not start other workflows, so CI may not have run on this one: see the optimizer's README, \"CI on the optimizer's pull requests\".</sub>\n")
	return capBody(b.String())
}

// reviewBody is the text of the review that carries the suggestions; stay
// says why the hunks outside the diff cannot go to a follow-up pull
// request on branch, "" when they go there.
func reviewBody(rep *report.Report, c *change, suggested, outside int, stay, branch string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### optimizer: %s\n\n", nof(suggested, "suggestion"))
	fmt.Fprintf(&b, "The optimizer (methods %s, objective %s) validated a change to this pull request's code: each suggestion below is one of its hunks. ",
		markdown.Escape(strings.Join(rep.Methods, ", ")), markdown.Escape(rep.Objective))
	switch {
	case outside > 0 && stay == "":
		fmt.Fprintf(&b, "%s outside this pull request's diff: proposed as a follow-up draft pull request against its branch, from %s. ", nof(outside, "hunk"), code(branch))
	case outside > 0:
		fmt.Fprintf(&b, "%s outside this pull request's diff: only in the patch, as %s. ", nof(outside, "hunk"), markdown.Escape(stay))
	}
	b.WriteString("Nothing is merged or pushed to your branch.\n\n")
	patchTable(&b, c)
	validationSection(&b, c.validation)
	benchmarkSection(&b, c)
	changesSection(&b, c)
	return capBody(b.String())
}

// requestsSection quotes the reviews that requested changes to an earlier
// commit of the pull request, and says whether this change answers each.
func requestsSection(b *strings.Builder, pr *report.PRReviews) {
	if pr == nil || len(pr.ChangesRequested) == 0 {
		return
	}
	b.WriteString("### Requested changes\n\nPeople asked for changes to an earlier commit of this pull request; this is what the change below does about each request.\n\n")
	for _, v := range pr.ChangesRequested {
		fmt.Fprintf(b, "- %s requested changes on %s: **%s**: %s.\n", markdown.Escape(v.Reviewer), code(short(v.Commit)), markdown.Escape(v.Answer), markdown.Escape(clip.Runes(v.AnswerWhy, maxDetail)))
		if body := strings.TrimSpace(v.Body); body != "" {
			fmt.Fprintf(b, "  > %s\n", markdown.Escape(clip.Runes(body, 2*maxDetail)))
		}
		for i, l := range v.Comments {
			if i == 5 {
				fmt.Fprintf(b, "  - … %d more comments on lines in report.json\n", len(v.Comments)-i)
				break
			}
			fmt.Fprintf(b, "  - %s line %d: %s\n", code(l.Path), l.Line, markdown.Escape(clip.Runes(l.Body, maxDetail)))
		}
	}
	b.WriteString("\n")
}

func patchTable(b *strings.Builder, c *change) {
	b.WriteString("| patch | CID | reverse patch CID |\n| --- | --- | --- |\n")
	fmt.Fprintf(b, "| %s | %s | %s |\n\n", code(c.patch.ID), code(c.patch.CID), code(c.patch.ReverseCID))
}

func validationSection(b *strings.Builder, v *validate.Report) {
	if v == nil {
		return
	}
	b.WriteString("### Validation\n\n| level | status | detail |\n| --- | --- | --- |\n")
	for _, l := range v.Levels {
		fmt.Fprintf(b, "| %s | %s | %s |\n", markdown.Escape(l.Name), markdown.Escape(string(l.Status)), markdown.Escape(clip.Runes(l.Detail, maxDetail)))
	}
	b.WriteString("\n")
}

func benchmarkSection(b *strings.Builder, c *change) {
	type row struct {
		who string
		bm  validate.Benchmark
	}
	var rows []row
	if c.validation != nil {
		for _, bm := range c.validation.Benchmarks {
			rows = append(rows, row{"the whole patch", bm})
		}
	}
	for _, m := range c.members {
		if m.cand.Validation == nil || len(c.members) == 1 && len(rows) > 0 {
			continue
		}
		for _, bm := range m.cand.Validation.Benchmarks {
			rows = append(rows, row{m.cand.ID, bm})
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("### Benchmarks\n\nMedians of interleaved runs; p is the Mann-Whitney U test's, Holm-adjusted; lower is better; \"unreplicated\": significant in one batch of measurements, not confirmed by a second.\n\n")
	b.WriteString("| measured with | benchmark | unit | base | candidate | delta | p | significant |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, r := range rows {
		if i == maxRows {
			fmt.Fprintf(b, "| … | %d more in report.json | | | | | | |\n", len(rows)-i)
			break
		}
		sig := "no"
		switch {
		case r.bm.Unreplicated():
			sig = "yes, unreplicated"
		case r.bm.Significant:
			sig = "yes"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.4g | %.4g | %s | %.3g | %s |\n",
			code(r.who), markdown.Escape(r.bm.Name), markdown.Escape(r.bm.Unit), r.bm.Base, r.bm.Candidate, r.bm.Delta(), r.bm.P, sig)
	}
	b.WriteString("\n")
}

func changesSection(b *strings.Builder, c *change) {
	b.WriteString("### Changes\n\n| task | candidate | change | its own patch (CID) |\n| --- | --- | --- | --- |\n")
	for i, m := range c.members {
		if i == maxRows {
			fmt.Fprintf(b, "| … | %d more in report.json | | |\n", len(c.members)-i)
			break
		}
		own := ""
		if p := m.cand.Patch; p != nil {
			own = code(p.ID) + " " + code(p.CID)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", code(m.task.ID), code(m.cand.ID), markdown.Escape(clip.Runes(m.cand.Description, maxDetail)), own)
	}
	b.WriteString("\n")
}

func leftSection(b *strings.Builder, c *change) {
	if len(c.left) == 0 {
		return
	}
	b.WriteString("### Accepted, but not in this pull request\n\n")
	for i, l := range c.left {
		if i == maxRows {
			fmt.Fprintf(b, "- … %d more in report.json\n", len(c.left)-i)
			break
		}
		fmt.Fprintf(b, "- %s (%s, %s): %s. It stays as patch %s (CID %s) in the output directory.\n",
			code(l.cand.ID), code(l.task.ID), markdown.Escape(clip.Runes(l.cand.Description, maxDetail)), markdown.Escape(clip.Runes(l.why, 2*maxDetail)), code(l.cand.Patch.ID), code(l.cand.Patch.CID))
	}
	b.WriteString("\n")
}

// capBody cuts a body that would be too long for GitHub at a line.
func capBody(s string) string {
	if len(s) <= maxBody {
		return s
	}
	cutAt := strings.LastIndexByte(s[:maxBody-200], '\n')
	if cutAt < 0 {
		cutAt = maxBody - 200
	}
	return s[:cutAt] + "\n\n_Cut here: the rest is in the run's report.json._\n"
}
