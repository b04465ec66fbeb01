package action

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// InputWorkingDirectory is the one action input read outside
// internal/config: the directory of the Go module in the workspace, as
// --repo is for the CLI.
const InputWorkingDirectory = "working-directory"

// Inputs lists every action input the optimizer reads: one per
// configuration key (see config.Keys; options are the methods' own) and
// working-directory. action.yml declares exactly these.
func Inputs(options ...config.Option) []string {
	var names []string
	for _, k := range config.Keys(options...) {
		names = append(names, k.Input)
	}
	return append(names, InputWorkingDirectory)
}

// Input reads an action input as the runner sets it (INPUT_NAME with the
// hyphens kept) or in the underscore form a shell can set.
func Input(getenv func(string) string, name string) string {
	up := strings.ToUpper(name)
	if v := strings.TrimSpace(getenv("INPUT_" + up)); v != "" {
		return v
	}
	return strings.TrimSpace(getenv("INPUT_" + strings.ReplaceAll(up, "-", "_")))
}

// The step's outputs, as action.yml declares them.
const (
	OutputPatch        = "patch"         // the proposed patch (see report.Proposal)
	OutputReversePatch = "reverse-patch" // its reverse patch
	OutputCID          = "cid"           // its CID
	OutputPRURL        = "pr-url"
	OutputIssueURL     = "issue-url"
	OutputReport       = "report"   // path of report.json
	OutputAccepted     = "accepted" // number of accepted candidates
	OutputSummary      = "summary"  // the result in one line
)

// OutputNames lists the outputs in the order they are written.
func OutputNames() []string {
	return []string{OutputPatch, OutputReversePatch, OutputCID, OutputPRURL, OutputIssueURL, OutputReport, OutputAccepted, OutputSummary}
}

// Output is one step output.
type Output struct{ Name, Value string }

// Outputs computes the step's outputs. rep may be nil when the run failed
// before it had a report; runErr is then the reason. outDir is the output
// directory and reportPath where report.json was written ("" when it was
// not: a dry run). Paths are given as workspace-relative paths by rel, so
// that later steps, which see the workspace at another place than the
// container does, can use them.
func Outputs(rep *report.Report, runErr error, outDir, reportPath string, rel func(string) string) []Output {
	values := map[string]string{OutputAccepted: "0"}
	if rep != nil {
		// The proposal only: the one patch validated as a whole, which
		// applies by itself. The individual patches it combines are in
		// report.json and `optimizer patches list`.
		if p := rep.Proposed().Patch; p != nil {
			values[OutputPatch] = rel(filepath.Join(outDir, filepath.FromSlash(p.Path)))
			values[OutputReversePatch] = rel(filepath.Join(outDir, filepath.FromSlash(p.ReversePath)))
			values[OutputCID] = p.CID
		}
		values[OutputPRURL] = rep.ChangeControl.PRURL
		values[OutputIssueURL] = rep.ChangeControl.IssueURL
		values[OutputAccepted] = strconv.Itoa(rep.Stats.Accepted)
		values[OutputSummary] = rep.Totals()
		if reportPath != "" {
			values[OutputReport] = rel(reportPath)
		}
	}
	if runErr != nil {
		s := "failed: " + runErr.Error()
		if values[OutputSummary] != "" {
			s = values[OutputSummary] + "; " + s
		}
		values[OutputSummary] = oneLine(s, 1000)
	}
	var out []Output
	for _, name := range OutputNames() {
		out = append(out, Output{Name: name, Value: values[name]})
	}
	return out
}

// Annotations returns a notice on the lines each accepted patch changes
// (read from outDir) and a warning on each finding of the candidates that
// were rejected. Paths in the report are relative to the repository root;
// root is that directory relative to the workspace ("" or "." when they are
// the same), and outRel is outDir as the workspace sees it: the notices
// say where the patch is and how to apply it from the workspace.
func Annotations(rep *report.Report, outDir, root, outRel string) []Annotation {
	if rep == nil {
		return nil
	}
	at := func(p string) string {
		if root == "" || root == "." {
			return p
		}
		return path.Join(filepath.ToSlash(root), p)
	}
	var notices, warnings []Annotation
	for _, t := range rep.Tasks {
		for _, c := range t.Candidates {
			v := c.Validation
			switch {
			case v == nil:
			case v.Accepted && c.Patch != nil:
				notices = append(notices, acceptedAnnotations(t, c, outDir, applyHint(c.Patch.ID, root, outRel), at)...)
			case !v.Accepted && !v.Interrupted:
				for _, f := range v.Findings {
					warnings = append(warnings, Annotation{
						Level: Warning, File: at(f.File), Line: f.Line,
						Title:   fmt.Sprintf("optimizer: a candidate change was rejected by %s", v.RejectedBy),
						Message: fmt.Sprintf("%s (with candidate %s of %s: %s; your code is unchanged)", f.Message, c.ID, t.ID, c.Description),
					})
				}
			}
		}
	}
	return append(notices, warnings...)
}

// applyHint says where a stored patch is and the command that applies it
// from the workspace, which is where a maintainer who downloaded the
// artifact, or checked out the branch, stands.
func applyHint(id, root, outRel string) string {
	repo := ""
	if root != "" && root != "." {
		repo = "--repo " + root + " "
	}
	return fmt.Sprintf("it is stored in %s (the run's artifact, when the workflow uploads that directory); apply it from the workspace with: optimizer apply %s--out %s %s", outRel, repo, outRel, id)
}

func acceptedAnnotations(t report.Task, c report.Candidate, outDir, hint string, at func(string) string) []Annotation {
	data, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(c.Patch.Path)))
	if err != nil {
		return nil // a dry run stores no patch; the summary still lists the candidate
	}
	files, err := diff.Parse(data)
	if err != nil {
		return nil
	}
	msg := fmt.Sprintf("%s. Patch %s (CID %s): %s", c.Description, c.Patch.ID, c.Patch.CID, hint)
	var out []Annotation
	for _, f := range files {
		if f.NewPath == "" {
			continue
		}
		for _, h := range f.Hunks {
			a := Annotation{Level: Notice, File: at(f.NewPath), Line: max(h.NewStart, 1),
				Title: "optimizer: accepted change (" + t.Method + ")", Message: msg}
			if n := len(h.Added); n > 0 {
				a.Line, a.EndLine = h.Added[0].N, h.Added[n-1].N
			}
			out = append(out, a)
		}
	}
	return out
}
