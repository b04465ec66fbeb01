package control

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods/chaos"
)

// IssueLabel is the label of the optimizer's issues; it also finds an
// issue again on the next run.
const IssueLabel = "optimizer"

// maxFindings caps each list of findings in an issue.
const maxFindings = 30

// finding is one task's findings, as an issue.
type finding struct {
	task  report.Task
	key   string
	title string
	body  string
}

// findingsOf are the issues a run's findings make: one per chaos task that
// found something — mutants its tests let through, fuzz crashes with their
// reproducers, failures under injected I/O faults.
func findingsOf(rep *report.Report) ([]finding, error) {
	var out []finding
	for _, t := range rep.Tasks {
		if t.Method != chaos.Name || len(t.Details) == 0 {
			continue
		}
		var d chaos.Details
		if err := json.Unmarshal(t.Details, &d); err != nil {
			return nil, fmt.Errorf("task %s: the chaos details: %w", t.ID, err)
		}
		body, n := chaosBody(rep, t, d)
		if n == 0 {
			continue
		}
		out = append(out, finding{
			task:  t,
			key:   issueKey(t.ID),
			title: oneLine(fmt.Sprintf("optimizer: chaos findings in %s", t.Target), 200),
			body:  body,
		})
	}
	return out, nil
}

var keySafe = regexp.MustCompile(`^[A-Za-z0-9._/:-]{1,200}$`)

// issueKey is the marker key of a task's issue: the task ID when it is a
// valid key, else a hash of it.
func issueKey(taskID string) string {
	if keySafe.MatchString(taskID) && !strings.Contains(taskID, "--") {
		return taskID
	}
	sum := sha256.Sum256([]byte(taskID))
	return "task:" + hex.EncodeToString(sum[:8])
}

// chaosBody is the issue of one chaos task and the number of findings in it.
func chaosBody(rep *report.Report, t report.Task, d chaos.Details) (string, int) {
	var b strings.Builder
	n := 0
	fmt.Fprintf(&b, "## Chaos findings in %s\n\n", code(t.Target))
	fmt.Fprintf(&b, "The optimizer's chaos method (task %s) found these weaknesses on %s. A later run that finds weaknesses in this package again updates this issue.\n\n", code(t.ID), code(short(rep.Base)))

	if m := d.Mutation; m != nil {
		var survived, uncovered []chaos.MutantResult
		for _, r := range m.Mutants {
			switch r.Status {
			case chaos.StatusSurvived:
				survived = append(survived, r)
			case chaos.StatusUncovered:
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

	var crashes []chaos.FuzzReport
	for _, f := range d.Fuzz {
		if f.Crashed && f.Reproducer != nil {
			crashes = append(crashes, f)
		}
	}
	if len(crashes) > 0 {
		n += len(crashes)
		b.WriteString("### Fuzzing crashes\n\n")
		for i, f := range crashes {
			if i == maxFindings {
				fmt.Fprintf(&b, "… %d more in report.json\n\n", len(crashes)-i)
				break
			}
			r := f.Reproducer
			fmt.Fprintf(&b, "#### %s (fuzz target %s)\n\n", code(f.Function), code(f.Target))
			fmt.Fprintf(&b, "Panic: %s", esc(cut(r.Panic, 2*maxDetail)))
			if r.Location != "" {
				fmt.Fprintf(&b, " at %s", code(r.Location))
			}
			b.WriteString(".\n\n")
			switch {
			case r.File != "":
				fmt.Fprintf(&b, "Reproducer: save this as %s in the package directory, then `go test -run '%s/' .` replays it.\n\n", code(r.File), fuzzName(f.Target))
			case r.Seed != nil:
				fmt.Fprintf(&b, "Seed %d of the fuzz target's f.Add seeds crashes it.\n\n", *r.Seed)
			}
			if r.Input != "" {
				b.WriteString(fence(cut(r.Input, 4000)))
				b.WriteString("\n")
			}
		}
	}

	var faults []chaos.FaultReport
	for _, f := range d.Faults {
		if f.Finding != "" {
			faults = append(faults, f)
		}
	}
	if len(faults) > 0 {
		n += len(faults)
		b.WriteString("### Failures under injected I/O faults\n\n| function | fault | finding | where | detail |\n| --- | --- | --- | --- | --- |\n")
		for i, f := range faults {
			if i == maxFindings {
				fmt.Fprintf(&b, "| … | %d more in report.json | | | |\n", len(faults)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", code(f.Function), esc(f.Fault), esc(f.Finding), code(f.Location), esc(cut(f.Detail, maxDetail)))
		}
		b.WriteString("\n")
	}
	return capBody(b.String()), n
}

func mutantTable(b *strings.Builder, title string, ms []chaos.MutantResult) {
	if len(ms) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n\n| where | function | operator | original | mutated |\n| --- | --- | --- | --- | --- |\n", title)
	for i, m := range ms {
		if i == maxFindings {
			fmt.Fprintf(b, "| … | %d more in report.json | | | |\n", len(ms)-i)
			break
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", code(fmt.Sprintf("%s:%d", m.File, m.Line)), code(m.Func), esc(m.Operator), esc(cut(m.Original, 80)), esc(cut(m.Mutated, 80)))
	}
	b.WriteString("\n")
}

var fuzzIdent = regexp.MustCompile(`^Fuzz[A-Za-z0-9_]*$`)

// fuzzName is the fuzz target's name for a -run pattern, or a placeholder
// when it is not an identifier.
func fuzzName(target string) string {
	if fuzzIdent.MatchString(target) {
		return target
	}
	return "FuzzX"
}

// fence puts text in a code block whose fence is longer than any run of
// backticks in it, so the text cannot end the block.
func fence(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + "\n" + strings.TrimRight(text, "\n") + "\n" + f + "\n"
}
