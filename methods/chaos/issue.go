package chaos

import (
	"fmt"
	"github.com/agentic-optimizer/optimizer/methods"
	"regexp"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
)

// Caps of the issue: rows per list of findings, and runes per detail;
// the rest is in report.json.
const (
	maxIssueRows = 30
	maxDetail    = 200
)

// finding is the task's findings as one issue — mutants its tests let
// through, fuzz crashes with their reproducers, failures under injected
// I/O faults — keyed by the task's ID, so that a later run on the package
// updates the same issue. ok is false when there is nothing to report.
// base is the commit the method ran on.
func finding(taskID, target, base string, d *Details) (f methods.Finding, ok bool) {
	var b strings.Builder
	n := 0
	fmt.Fprintf(&b, "## Chaos findings in %s\n\n", codeSpan(target))
	fmt.Fprintf(&b, "The optimizer's chaos method (task %s) found these weaknesses on %s. A later run that finds weaknesses in this package again updates this issue.\n\n", codeSpan(taskID), codeSpan(clip.Bytes(base, 12, "")))

	if m := d.Mutation; m != nil {
		var survived, uncovered []MutantResult
		for _, r := range m.Mutants {
			switch r.Status {
			case StatusSurvived:
				survived = append(survived, r)
			case StatusUncovered:
				uncovered = append(uncovered, r)
			}
		}
		if len(survived)+len(uncovered) > 0 {
			n += len(survived) + len(uncovered)
			b.WriteString("### Mutants the tests let through\n\n")
			fmt.Fprintf(&b, "Mutation score %.0f %%, test strength %.0f %%: of %d mutants run, %d were killed, %d timed out, %d survived; %d are on lines no test runs.",
				100*m.Score, 100*m.Strength, m.Run, m.Killed, m.Timeout, m.Survived, m.Uncovered)
			if m.Sampled {
				b.WriteString(" The mutants were sampled.")
			}
			b.WriteString(" A surviving mutant is a change to the code that no test notices: a test that checks that line's result would.\n\n")
			mutantTable(&b, "Survived", survived)
			mutantTable(&b, "Not covered by any test", uncovered)
		}
	}

	var crashes []FuzzReport
	for _, f := range d.Fuzz {
		if f.Crashed && f.Reproducer != nil {
			crashes = append(crashes, f)
		}
	}
	if len(crashes) > 0 {
		n += len(crashes)
		b.WriteString("### Fuzzing crashes\n\n")
		for i, f := range crashes {
			if i == maxIssueRows {
				fmt.Fprintf(&b, "… %d more in report.json\n\n", len(crashes)-i)
				break
			}
			r := f.Reproducer
			fmt.Fprintf(&b, "#### %s (fuzz target %s)\n\n", codeSpan(f.Function), codeSpan(f.Target))
			fmt.Fprintf(&b, "Panic: %s", markdown.Escape(clip.Runes(r.Panic, 2*maxDetail)))
			if r.Location != "" {
				fmt.Fprintf(&b, " at %s", codeSpan(r.Location))
			}
			b.WriteString(".\n\n")
			switch {
			case r.File != "":
				fmt.Fprintf(&b, "Reproducer: save this as %s in the package directory, then `go test -run '%s/' .` replays it.\n\n", codeSpan(r.File), fuzzName(f.Target))
			case r.Seed != nil:
				fmt.Fprintf(&b, "Seed %d of the fuzz target's f.Add seeds crashes it.\n\n", *r.Seed)
			}
			if r.Input != "" {
				b.WriteString(markdown.Fence(clip.Runes(r.Input, 4000), ""))
				b.WriteString("\n")
			}
		}
	}

	var faults []FaultReport
	for _, f := range d.Faults {
		if f.Finding != "" {
			faults = append(faults, f)
		}
	}
	if len(faults) > 0 {
		n += len(faults)
		b.WriteString("### Failures under injected I/O faults\n\n| function | fault | finding | where | detail |\n| --- | --- | --- | --- | --- |\n")
		for i, f := range faults {
			if i == maxIssueRows {
				fmt.Fprintf(&b, "| … | %d more in report.json | | | |\n", len(faults)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", codeSpan(f.Function), markdown.Escape(f.Fault), markdown.Escape(f.Finding), codeSpan(f.Location), markdown.Escape(clip.Runes(f.Detail, maxDetail)))
		}
		b.WriteString("\n")
	}
	if n == 0 {
		return methods.Finding{}, false
	}
	return methods.Finding{
		Key:   taskID,
		Title: clip.Runes(clip.OneLine("optimizer: chaos findings in "+target), 200),
		Body:  b.String(),
	}, true
}

func mutantTable(b *strings.Builder, title string, ms []MutantResult) {
	if len(ms) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n\n| where | function | operator | original | mutated |\n| --- | --- | --- | --- | --- |\n", title)
	for i, m := range ms {
		if i == maxIssueRows {
			fmt.Fprintf(b, "| … | %d more in report.json | | | |\n", len(ms)-i)
			break
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", codeSpan(fmt.Sprintf("%s:%d", m.File, m.Line)), codeSpan(m.Func), markdown.Escape(m.Operator), markdown.Escape(clip.Runes(m.Original, 80)), markdown.Escape(clip.Runes(m.Mutated, 80)))
	}
	b.WriteString("\n")
}

// codeSpan is a name, a path or a position as a code span, cut to a table
// cell's width.
func codeSpan(s string) string { return markdown.Code(clip.Runes(s, maxDetail)) }

var fuzzIdent = regexp.MustCompile(`^Fuzz[A-Za-z0-9_]*$`)

// fuzzName is the fuzz target's name for a -run pattern, or a placeholder
// when it is not an identifier.
func fuzzName(target string) string {
	if fuzzIdent.MatchString(target) {
		return target
	}
	return "FuzzX"
}
