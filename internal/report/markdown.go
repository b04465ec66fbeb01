package report

import (
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// SummaryLimit is the largest job summary GitHub accepts for one step
// (1 MiB); Markdown always stays under it.
const SummaryLimit = 1 << 20

// Caps that keep one task's part of the summary small, so that a run of any
// size fits: what is cut stays in report.json.
const (
	maxCellRunes     = 160 // a description or a detail in a table cell
	maxDetailRunes   = 600 // a level's detail, an error, a note
	maxListItems     = 10  // findings per candidate, notes per task
	maxCandidateRows = 50  // candidates in a task's table
	maxCellItems     = 5   // patches or benchmarks in one overview cell
	maxTaskBlock     = 48 << 10
	reserve          = 2 << 10 // room kept for the closing note
)

// Markdown renders the report as a GitHub job summary: the totals, an
// overview table with one row per task (method, verdict, the levels that
// decided, accepted patches with their CIDs, pull request, benchmark
// deltas), then each task's candidates in a collapsed section. The result
// is shorter than limit bytes (SummaryLimit when limit <= 0): task
// sections, and if need be overview rows, are left out with a note saying
// how many, rather than letting GitHub refuse the whole summary.
//
// Every text that can come from a model, a pull request or the code under
// test (descriptions, errors, findings, notes, paths) is escaped, so it
// renders as text and cannot add links, images or HTML.
func (r *Report) Markdown(limit int) string {
	if limit <= 0 || limit > SummaryLimit {
		limit = SummaryLimit
	}
	var b strings.Builder
	r.mdHeader(&b)
	budget := limit - 1 - reserve

	withBench := r.hasBenchmarks()
	head := "| task | method | verdict | decided by | accepted patches (CID) | PR |"
	rule := "| --- | --- | --- | --- | --- | --- |"
	if withBench {
		head += " benchmarks |"
		rule += " --- |"
	}
	rowsLeft := 0
	if len(r.Tasks) > 0 && b.Len()+len(head)+len(rule)+2 < budget {
		b.WriteString(head + "\n" + rule + "\n")
		for i, t := range r.Tasks {
			row := r.mdTaskRow(t, withBench)
			if b.Len()+len(row)+1 > budget {
				rowsLeft = len(r.Tasks) - i
				break
			}
			b.WriteString(row + "\n")
		}
		b.WriteString("\n")
	}

	blocksLeft := 0
	for _, t := range r.Tasks {
		if len(t.Candidates) == 0 && t.Error == "" && len(t.Notes) == 0 {
			continue // the overview row says everything
		}
		if budget-b.Len() < 256 {
			blocksLeft++ // no section fits any more: do not render them
			continue
		}
		block := mdTaskBlock(t)
		if b.Len()+len(block) > budget {
			blocksLeft++
			continue // a smaller section further on may still fit
		}
		b.WriteString(block)
	}
	if rowsLeft > 0 || blocksLeft > 0 {
		fmt.Fprintf(&b, "_The summary is limited to %d KiB: %d more tasks and %d task sections are in report.json._\n", limit>>10, rowsLeft, blocksLeft)
	}
	if b.Len() >= limit {
		return "## optimizer\n\nThe summary does not fit in the space GitHub allows; report.json has it all.\n"
	}
	return b.String()
}

// FailedMarkdown is the job summary of a run that ended before it had a
// report, e.g. on a configuration error.
func FailedMarkdown(err string) string {
	return "## optimizer: the run failed\n\n" + markdown.Escape(clip.Runes(err, 4*maxDetailRunes)) + "\n"
}

func (r *Report) mdHeader(b *strings.Builder) {
	fmt.Fprintf(b, "## optimizer: %d of %d candidates accepted in %d tasks\n\n", r.Stats.Accepted, r.Stats.Candidates, r.Stats.Tasks)
	fmt.Fprintf(b, "Module %s at %s, objective %s, methods %s, %.1f s.\n",
		code(r.Module), code(shortSHA(r.Base)), markdown.Escape(r.Objective), markdown.Escape(strings.Join(r.Methods, ", ")), float64(r.Stats.DurationMS)/1000)
	if len(r.Stats.RejectedByLevel) > 0 {
		fmt.Fprintf(b, "Rejections by level: %s.\n", markdown.Escape(levelCounts(r.Stats.RejectedByLevel, r.Levels)))
	}
	if iso := r.Isolation; iso != nil {
		if len(iso.Weaker) > 0 {
			// Prominent: the maintainer must see that the code under test
			// ran with less isolation than the platform allows.
			fmt.Fprintf(b, "\n> [!WARNING]\n> **Sandbox weaker than this platform allows** (isolation: %s): %s.\n\n",
				markdown.Escape(iso.Mode), markdown.Escape(strings.Join(iso.Weaker, "; ")))
		}
		fmt.Fprintf(b, "Sandbox: code under test ran as %s (uid %s), Landlock %s, network %s, reaper %v.\n",
			markdown.Escape(iso.Identity), markdown.Escape(iso.UID), markdown.Escape(iso.Landlock), markdown.Escape(iso.Network), iso.Reaper)
	}
	if u := r.ModelUsage(); u != "" {
		fmt.Fprintf(b, "Model use: %s.\n", markdown.Escape(u))
	}
	if p := r.Proposed(); p.Patch != nil {
		fmt.Fprintf(b, "\n**Proposed:** %s (CID %s), %s.", code(p.Patch.ID), code(p.Patch.CID), markdown.Escape(p.What()))
		for i, l := range p.Left {
			if i == maxListItems {
				fmt.Fprintf(b, " … %d more not included, in report.json.", len(p.Left)-i)
				break
			}
			fmt.Fprintf(b, " Not included: %s (%s).", code(l.ID), markdown.Escape(clip.Runes(l.Why, maxCellRunes)))
		}
		b.WriteString("\n\n")
	} else if p.Note != "" {
		fmt.Fprintf(b, "\n**Nothing proposed:** %s.\n\n", markdown.Escape(p.Note))
	}
	cc := r.ChangeControl
	if nothing := cc.nothing(); nothing != "" {
		// A constant of this package: nothing in it to escape.
		fmt.Fprintf(b, "%s.\n", strings.ToUpper(nothing[:1])+nothing[1:])
	} else if cc.Mode != "" {
		fmt.Fprintf(b, "Published as %s", code(cc.Mode))
		if cc.FallbackReason != "" {
			fmt.Fprintf(b, " (fallback: %s)", markdown.Escape(clip.Runes(cc.FallbackReason, maxDetailRunes)))
		}
		b.WriteString(".\n")
	}
	if cc.PRURL != "" && !slices.ContainsFunc(cc.PullRequests, func(p PullRequest) bool { return p.FollowUp && p.URL == cc.PRURL }) {
		fmt.Fprintf(b, "Pull request: %s.\n", link(cc.PRURL, cc.PRURL))
	}
	for _, p := range cc.PullRequests {
		if p.FollowUp {
			fmt.Fprintf(b, "Follow-up pull request with the hunks outside the pull request's diff: %s.\n", link(p.URL, p.URL))
		}
	}
	if rv := cc.Review; rv != nil {
		fmt.Fprintf(b, "Review of pull request #%d: %d suggestions", rv.PullRequest, rv.Suggestions)
		if rv.URL != "" {
			fmt.Fprintf(b, " (%s)", link("review", rv.URL))
		}
		if n := len(rv.Outside); n > 0 {
			fmt.Fprintf(b, "; %d hunk(s) outside its diff", n)
		}
		b.WriteString(".\n")
	}
	switch {
	case len(cc.Issues) > 1:
		var links []string
		for _, is := range cc.Issues {
			links = append(links, link(fmt.Sprintf("#%d", is.Number), is.URL))
		}
		fmt.Fprintf(b, "Issues: %s.\n", strings.Join(links, ", "))
	case cc.IssueURL != "":
		fmt.Fprintf(b, "Issue: %s.\n", link(cc.IssueURL, cc.IssueURL))
	}
	for _, p := range cc.Closed {
		fmt.Fprintf(b, "Closed pull request #%d: its change is no longer proposed.\n", p.Number)
	}
	reviewsSummary(b, cc.Reviews)
	if r.LLM != nil {
		modelsSummary(b, r.LLM)
	}
	if g := cc.GitHub; g != nil && g.Requests+g.CacheHits > 0 {
		fmt.Fprintf(b, "GitHub API: %d requests (%d writes), cache hit rate %.0f %% (%d hits, %d not modified, %d misses)",
			g.Requests, g.Writes, 100*g.CacheHitRate, g.CacheHits, g.CacheRevalidated, g.CacheMisses)
		if g.RequestsPerDraftPR > 0 {
			fmt.Fprintf(b, ", %.1f requests per draft pull request", g.RequestsPerDraftPR)
		}
		b.WriteString(".\n")
	}
	for i, n := range cc.Notes {
		if i == maxListItems {
			fmt.Fprintf(b, "\n> … %d more change control notes in report.json\n", len(cc.Notes)-i)
			break
		}
		fmt.Fprintf(b, "\n> %s\n", markdown.Escape(clip.Runes(n, maxDetailRunes)))
	}
	for i, n := range r.Notes {
		if i == maxListItems {
			fmt.Fprintf(b, "\n> … %d more notes in report.json\n", len(r.Notes)-i)
			break
		}
		fmt.Fprintf(b, "\n> %s\n", markdown.Escape(clip.Runes(n, maxDetailRunes)))
	}
	b.WriteString("\n")
}

// mdTaskRow is the task's line of the overview table.
func (r *Report) mdTaskRow(t Task, withBench bool) string {
	accepted, rejected := 0, map[string]int{}
	var patches, benches []string
	for _, c := range t.Candidates {
		switch v := c.Validation; {
		case v == nil, v.Interrupted:
		case v.Accepted:
			accepted++
			if c.Patch != nil {
				patches = append(patches, code(c.Patch.ID)+" "+code(c.Patch.CID))
			}
			for _, bm := range v.Benchmarks {
				benches = append(benches, benchText(bm))
			}
		default:
			rejected[v.RejectedBy]++
		}
	}
	verdict := markdown.Escape(t.Status)
	if len(t.Candidates) > 0 {
		verdict = fmt.Sprintf("%s, %d of %d", verdict, accepted, len(t.Candidates))
	}
	if t.Error != "" {
		verdict += ": " + markdown.Escape(clip.Runes(t.Error, maxCellRunes))
	}
	pr := ""
	if t.PRURL != "" {
		pr = link("PR", t.PRURL)
	}
	cells := []string{code(t.Target), markdown.Escape(t.Method), verdict, markdown.Escape(levelCounts(rejected, r.Levels)), cellList(patches), pr}
	if withBench {
		cells = append(cells, cellList(benches))
	}
	return "| " + strings.Join(cells, " | ") + " |"
}

// mdTaskBlock is the task's collapsed section: a table of its candidates,
// then what the user may want to read (why candidates were rejected,
// findings, notes).
func mdTaskBlock(t Task) string {
	var b strings.Builder
	accepted := 0
	for _, c := range t.Candidates {
		if c.Validation != nil && c.Validation.Accepted {
			accepted++
		}
	}
	// The summary line is raw HTML: escape it as HTML, not as markdown.
	fmt.Fprintf(&b, "<details><summary>%s: %s, %d of %d candidates accepted</summary>\n\n",
		html.EscapeString(clip.Runes(t.ID, maxCellRunes)), html.EscapeString(t.Status), accepted, len(t.Candidates))
	if t.Error != "" {
		fmt.Fprintf(&b, "Error: %s\n\n", markdown.Escape(clip.Runes(t.Error, maxDetailRunes)))
	}
	if len(t.Candidates) > 0 {
		b.WriteString("| candidate | change | verdict | decided by | patch | CID | benchmarks |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		for i, c := range t.Candidates {
			if i == maxCandidateRows {
				fmt.Fprintf(&b, "| … | %d more candidates in report.json | | | | | |\n", len(t.Candidates)-i)
				break
			}
			b.WriteString(mdCandidateRow(c) + "\n")
		}
		b.WriteString("\n")
	}
	var why []string
	more := 0
	for _, c := range t.Candidates {
		if len(why) >= 4*maxListItems {
			if c.Validation == nil || !c.Validation.Accepted {
				more++
			}
			continue
		}
		why = append(why, candidateWhy(c)...)
	}
	for _, w := range why {
		b.WriteString(w + "\n")
	}
	if more > 0 {
		fmt.Fprintf(&b, "- … %d more candidates not accepted, in report.json\n", more)
	}
	if len(why) > 0 {
		b.WriteString("\n")
	}
	for i, n := range t.Notes {
		if i == maxListItems {
			fmt.Fprintf(&b, "- … %d more notes in report.json\n", len(t.Notes)-i)
			break
		}
		fmt.Fprintf(&b, "- Note: %s\n", markdown.Escape(clip.Runes(n, maxDetailRunes)))
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
	if b.Len() > maxTaskBlock {
		return fmt.Sprintf("<details><summary>%s: %s</summary>\n\nThis task's details are too long for the summary; they are in report.json.\n\n</details>\n\n",
			html.EscapeString(clip.Runes(t.ID, maxCellRunes)), html.EscapeString(t.Status))
	}
	return b.String()
}

func mdCandidateRow(c Candidate) string {
	verdict, decided, patch, cid := "error", "", "", ""
	var benches []string
	if v := c.Validation; v != nil {
		switch {
		case v.Interrupted:
			verdict, decided = "interrupted", v.InterruptedAt()
		case v.Accepted:
			verdict, decided = "accepted", acceptedBecause(v)
		default:
			verdict, decided = "rejected", v.RejectedBy
		}
		for _, bm := range v.Benchmarks {
			benches = append(benches, benchText(bm))
		}
	}
	if c.Patch != nil {
		patch, cid = code(c.Patch.Path), code(c.Patch.CID)
	}
	if c.IncludedIn != "" {
		patch = "in " + code(c.IncludedIn)
	}
	if c.SupersededBy != "" {
		patch = "lost to " + code(c.SupersededBy)
	}
	cells := []string{code(c.ID), markdown.Escape(clip.Runes(c.Description, maxCellRunes)), verdict, markdown.Escape(decided), patch, cid, cellList(benches)}
	return "| " + strings.Join(cells, " | ") + " |"
}

// candidateWhy lists, for a candidate that was not accepted, why: the
// deciding level's detail, its findings, or the error.
func candidateWhy(c Candidate) []string {
	v := c.Validation
	switch {
	case v == nil && c.Error != "":
		return []string{fmt.Sprintf("- %s could not be validated: %s", code(c.ID), markdown.Escape(clip.Runes(c.Error, maxDetailRunes)))}
	case v == nil || v.Accepted:
		return nil
	case v.Interrupted:
		return []string{fmt.Sprintf("- %s was being validated when the run stopped (at %s): %s", code(c.ID), markdown.Escape(v.InterruptedAt()), markdown.Escape(clip.Runes(c.Error, maxDetailRunes)))}
	}
	detail := ""
	if l := v.Level(v.RejectedBy); l != nil {
		detail = l.Detail
	}
	out := []string{fmt.Sprintf("- %s rejected by %s: %s", code(c.ID), markdown.Escape(v.RejectedBy), markdown.Escape(clip.Runes(detail, maxDetailRunes)))}
	for i, f := range v.Findings {
		if i == maxListItems {
			out = append(out, fmt.Sprintf("  - … %d more findings in report.json", len(v.Findings)-i))
			break
		}
		out = append(out, fmt.Sprintf("  - %s %s", code(fmt.Sprintf("%s:%d", f.File, f.Line)), markdown.Escape(clip.Runes(f.Message, maxCellRunes))))
	}
	return out
}

// acceptedBecause says what accepted a patch: every level passed, and
// under a speed or allocation objective, what the benchmarks measured.
func acceptedBecause(v *validate.Report) string {
	s := "all levels passed"
	if l := v.Level("performance"); l != nil && l.Status == validate.Pass && len(v.Benchmarks) > 0 {
		s += "; " + clip.Runes(l.Detail, maxCellRunes)
	}
	return s
}

func (r *Report) hasBenchmarks() bool {
	for _, t := range r.Tasks {
		for _, c := range t.Candidates {
			if c.Validation != nil && len(c.Validation.Benchmarks) > 0 {
				return true
			}
		}
	}
	return false
}

func benchText(bm validate.Benchmark) string {
	s := fmt.Sprintf("%s %s %s (p=%.3g)", bm.Name, bm.Delta(), bm.Unit, bm.P)
	switch {
	case !bm.Significant:
		s += " n.s."
	case bm.Unreplicated():
		s += " unreplicated"
	}
	return markdown.Escape(clip.Runes(s, maxCellRunes))
}

// levelCounts renders {"unit": 2, "types": 1} as "types 1, unit 2" in the
// order the levels run.
func levelCounts(counts map[string]int, order []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, l := range order {
		if n := counts[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l, n))
			seen[l] = true
		}
	}
	var rest []string
	for l, n := range counts {
		if !seen[l] && n > 0 {
			rest = append(rest, fmt.Sprintf("%s %d", l, n))
		}
	}
	slices.Sort(rest)
	return strings.Join(append(parts, rest...), ", ")
}

func cellList(items []string) string {
	if len(items) > maxCellItems {
		items = append(items[:maxCellItems:maxCellItems], fmt.Sprintf("+%d more", len(items)-maxCellItems))
	}
	return strings.Join(items, "<br>")
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// reviewsSummary says where each of the optimizer's pull requests stands
// with its reviewers, and what the run did about their requests.
func reviewsSummary(b *strings.Builder, reviews []PRReviews) {
	for _, pr := range reviews {
		if len(pr.Approvals)+len(pr.ChangesRequested) == 0 {
			continue
		}
		fmt.Fprintf(b, "\nReviews of %s:\n\n", link(fmt.Sprintf("pull request #%d", pr.Number), pr.URL))
		for _, v := range pr.Approvals {
			fmt.Fprintf(b, "- approved by %s, of %s", markdown.Escape(v.Reviewer), code(shortSHA(v.Commit)))
			if v.Stale {
				fmt.Fprintf(b, ": **stale**, %s", markdown.Escape(v.StaleWhy))
			}
			b.WriteString("\n")
		}
		for _, v := range pr.ChangesRequested {
			fmt.Fprintf(b, "- changes requested by %s, of %s", markdown.Escape(v.Reviewer), code(shortSHA(v.Commit)))
			switch {
			case v.Answer != "":
				fmt.Fprintf(b, ": **%s**, %s", v.Answer, markdown.Escape(clip.Runes(v.AnswerWhy, maxDetailRunes)))
			case len(v.FedTo) > 0:
				fmt.Fprintf(b, ": given to %s", markdown.Escape(strings.Join(v.FedTo, ", ")))
			case v.NotFed != "":
				fmt.Fprintf(b, ": not given to a model, %s", markdown.Escape(clip.Runes(v.NotFed, maxDetailRunes)))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
}

// modelsSummary says which models answered and how many requests each
// took, which were set aside for a request limit, and which tasks got no
// answer for lack of budget.
func modelsSummary(b *strings.Builder, u *llm.Summary) {
	for _, name := range u.Models {
		t, ok := u.ByModel[name]
		if !ok {
			continue
		}
		fmt.Fprintf(b, "Model %s: %d of %d calls answered, %d HTTP requests, %d tokens", code(name), t.Requests-t.Failed, t.Requests, t.Attempts, t.PromptTokens+t.CompletionTokens)
		if why := u.SetAside[name]; why != "" {
			fmt.Fprintf(b, "; **not asked again in the run**: %s", markdown.Escape(clip.Runes(why, maxDetailRunes)))
		}
		b.WriteString(".\n")
	}
	if len(u.Unasked) > 0 {
		var tasks []string
		for i, id := range u.Unasked {
			if i == maxListItems {
				tasks = append(tasks, fmt.Sprintf("… %d more in report.json", len(u.Unasked)-i))
				break
			}
			tasks = append(tasks, code(id))
		}
		fmt.Fprintf(b, "Left unasked for lack of budget or requests: %s.\n", strings.Join(tasks, ", "))
	}
}

// code renders s as a code span when it can be one safely (ids, CIDs,
// package paths), at most a cell long; anything else is escaped text.
func code(s string) string {
	return markdown.Code(clip.Runes(s, maxCellRunes))
}

// link renders a markdown link to an http(s) URL; anything that is not a
// plain URL is shown as escaped text instead.
func link(text, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsAny(raw, " <>()[]`|\"'\\") || strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) >= 0 {
		return markdown.Escape(raw)
	}
	return "[" + markdown.Escape(text) + "](" + raw + ")"
}
