// Package modernize is the deterministic method: it runs the analyzers of
// golang.org/x/tools/go/analysis/passes/modernize on a package and turns
// their suggested fixes into candidates, one per analyzer.
//
// Applying every fix blindly is not safe on real code (a rewrite can use an
// API newer than the module's go directive, or break the build), so a
// rejected candidate is split — per file, then into halves down to single
// fixes — and the parts are validated again: one bad rewrite never sinks
// the good ones beside it.
package modernize

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"go/ast"
	"go/format"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/passes/inline"
	modernizepass "golang.org/x/tools/go/analysis/passes/modernize"
	"golang.org/x/tools/go/packages"

	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Method is the modernize method with the analyzers that `go fix`
// applies: the modernize suite and the inliner of //go:fix inline
// directives.
var Method = New(append(slices.Clone(modernizepass.Suite), inline.Analyzer), 40)

// New returns the method running analyzers on each package and spending
// at most maxValidations validations on one task, splits included, so
// that a package with hundreds of bad fixes cannot stall a run.
func New(analyzers []*analysis.Analyzer, maxValidations int) *methods.Method {
	m := &modernizer{analyzers: analyzers, maxValidations: maxValidations}
	return &methods.Method{
		Name:  "modernize",
		Doc:   "apply the x/tools modernize analyzers' fixes, per package and analyzer, splitting rejected ones (no LLM)",
		Model: methods.NoModel,
		Run:   m.run,
	}
}

// modernizer is the method's state, the same for every task.
type modernizer struct {
	analyzers      []*analysis.Analyzer
	maxValidations int
}

// edit replaces file[start:end] with text.
type edit struct {
	file       string // absolute path in the worktree
	start, end int
	text       string
}

// fix is one suggested fix: its edits go in together or not at all.
type fix struct {
	analyzer string
	message  string
	line     int
	edits    []edit
}

func (f fix) key() string {
	var b strings.Builder
	b.WriteString(f.analyzer)
	for _, e := range f.edits {
		fmt.Fprintf(&b, "|%s:%d:%d:%q", e.file, e.start, e.end, e.text)
	}
	return b.String()
}

func (f fix) files() []string {
	var out []string
	for _, e := range f.edits {
		if !slices.Contains(out, e.file) {
			out = append(out, e.file)
		}
	}
	return out
}

func (m *modernizer) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	pkgDir := filepath.Join(pass.ModuleDir, filepath.FromSlash(t.Package.RelDir))
	fixes, notes, err := m.suggest(ctx, pass, pkgDir)
	if err != nil {
		return nil, err
	}
	res := &methods.Result{Notes: notes}
	fixes = m.admissible(pass, fixes, res)
	if len(fixes) == 0 {
		return res, nil
	}
	byAnalyzer := map[string][]fix{}
	var names []string
	for _, f := range fixes {
		if byAnalyzer[f.analyzer] == nil {
			names = append(names, f.analyzer)
		}
		byAnalyzer[f.analyzer] = append(byAnalyzer[f.analyzer], f)
	}
	sort.Strings(names)
	budget := m.maxValidations
	if budget <= 0 {
		budget = 40
	}
	type work struct {
		fixes     []fix
		splitFrom string
	}
	var queue []work
	for _, name := range names {
		queue = append(queue, work{fixes: byAnalyzer[name]})
	}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		if budget == 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: validation budget of %d spent; %d fixes not tried", w.fixes[0].analyzer, m.maxValidations, len(w.fixes)))
			continue
		}
		c, dropped, spans, err := m.candidate(ctx, pass, w.fixes)
		if err != nil {
			return res, err
		}
		for _, d := range dropped {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: dropped a fix at %s:%d that overlaps another fix (%s)", d.analyzer, pass.Rel(d.edits[0].file), d.line, d.message))
		}
		if c == nil {
			continue // every fix was a no-op after formatting
		}
		c.SplitFrom = w.splitFrom
		pass.Logf("validate %s (%s)", c.ID, c.Description)
		budget--
		rep, err := pass.Validate(ctx, c.Patch)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			c.Error = err.Error()
		}
		c.Validation = rep
		res.Candidates = append(res.Candidates, c)
		if err != nil || c.Accepted() {
			continue
		}
		if rep.RejectedBy == "performance" && len(regressions(rep)) == 0 {
			// No win to show: no part of the set can show one either.
			continue
		}
		// When the rejection points at lines, the fixes on those lines
		// are the suspects: try the others together, and the suspects
		// apart. When every fix is a suspect, no part can pass: stop.
		// Otherwise split blindly.
		kept := without(w.fixes, dropped)
		bad := culprits(spans, rep.Findings)
		if len(bad) > 0 && len(bad) == len(kept) {
			if len(kept) > 1 {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: the %d fixes of %s are each named by its rejection's findings; not split further", kept[0].analyzer, len(kept), c.ID))
			}
			continue
		}
		if len(bad) > 0 {
			var rest, suspects []fix
			for i, f := range kept {
				if slices.Contains(bad, i) {
					suspects = append(suspects, f)
				} else {
					rest = append(rest, f)
				}
			}
			queue = append(queue, work{fixes: rest, splitFrom: c.ID}, work{fixes: suspects, splitFrom: c.ID})
			continue
		}
		for _, part := range split(kept) {
			queue = append(queue, work{fixes: part, splitFrom: c.ID})
		}
	}
	return res, nil
}

// admissible drops the fixes outside the files the task aims at, and
// those the policy level refuses whatever they change (validate.Refuses:
// under speed and allocs, the base's test files), with a note, so that no
// validation is spent on them.
func (m *modernizer) admissible(pass *methods.Pass, fixes []fix, res *methods.Result) []fix {
	if files := pass.Task.Files; len(files) > 0 {
		fixes = slices.DeleteFunc(fixes, func(f fix) bool {
			for _, file := range f.files() {
				if rel, _ := filepath.Rel(pass.ModuleDir, file); !slices.Contains(files, filepath.ToSlash(rel)) {
					return true
				}
			}
			return false
		})
	}
	var out []fix
	refused := map[string]int{} // by analyzer
	why := map[string]string{}  // by analyzer: the first reason
	for _, f := range fixes {
		var w string
		for _, file := range f.files() {
			w = cmp.Or(w, validate.Refuses(pass.Task.Objective, pass.Rel(file), true))
		}
		if w == "" {
			out = append(out, f)
			continue
		}
		refused[f.analyzer]++
		why[f.analyzer] = cmp.Or(why[f.analyzer], w)
	}
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		res.Notes = append(res.Notes, fmt.Sprintf("%s: %s not tried under %s: %s", name, plural(refused[name], "fix", "fixes"), pass.Task.Objective, why[name]))
	}
	return out
}

// regressions are the benchmark rows a rejection holds against the patch:
// significantly worse.
func regressions(rep *validate.Report) []validate.Benchmark {
	var out []validate.Benchmark
	for _, b := range rep.Benchmarks {
		if b.Significant && !b.Better() {
			out = append(out, b)
		}
	}
	return out
}

// without returns fixes less those in drop.
func without(fixes, drop []fix) []fix {
	var out []fix
	for _, f := range fixes {
		if !slices.ContainsFunc(drop, func(d fix) bool { return d.key() == f.key() }) {
			out = append(out, f)
		}
	}
	return out
}

// split divides a rejected set of fixes: by file first, then into halves,
// until single fixes remain. A single fix is not split.
func split(fixes []fix) [][]fix {
	var files []string
	for _, f := range fixes {
		for _, name := range f.files() {
			if !slices.Contains(files, name) {
				files = append(files, name)
			}
		}
	}
	if len(files) > 1 {
		var parts [][]fix
		for _, name := range files {
			var part []fix
			for _, f := range fixes {
				// A fix that spans files goes with its first file.
				if f.files()[0] == name {
					part = append(part, f)
				}
			}
			if len(part) > 0 {
				parts = append(parts, part)
			}
		}
		if len(parts) > 1 {
			return parts
		}
	}
	if len(fixes) < 2 {
		return nil
	}
	mid := len(fixes) / 2
	return [][]fix{fixes[:mid], fixes[mid:]}
}

// suggest loads the package with its tests in the worktree and runs the
// analyzers, returning their fixes, deduplicated, in file order.
func (m *modernizer) suggest(ctx context.Context, pass *methods.Pass, pkgDir string) ([]fix, []string, error) {
	cfg := &packages.Config{Context: ctx, Dir: pkgDir, Env: pass.GoEnv, Tests: true, Mode: packages.LoadAllSyntax}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, nil, fmt.Errorf("modernize: load %s: %w", pass.Rel(pkgDir), err)
	}
	var notes []string
	var roots []*packages.Package
	for _, p := range pkgs {
		if len(p.Errors) > 0 || len(p.TypeErrors) > 0 {
			notes = append(notes, fmt.Sprintf("package %s has errors and was not analyzed: %v", p.ID, firstError(p)))
			continue
		}
		if strings.HasSuffix(p.ID, ".test") {
			continue // the synthesized test main
		}
		roots = append(roots, p)
	}
	if len(roots) == 0 {
		return nil, notes, nil
	}
	graph, err := checker.Analyze(m.analyzers, roots, nil)
	if err != nil {
		return nil, notes, fmt.Errorf("modernize: analyze %s: %w", pass.Rel(pkgDir), err)
	}
	seen := map[string]bool{}
	var fixes []fix
	for _, act := range graph.Roots {
		if act.Err != nil {
			notes = append(notes, fmt.Sprintf("analyzer %s failed on %s: %v", act.Analyzer.Name, act.Package.ID, act.Err))
			continue
		}
		generated := map[string]bool{}
		for _, f := range act.Package.Syntax {
			if ast.IsGenerated(f) {
				generated[act.Package.Fset.File(f.Pos()).Name()] = true
			}
		}
		for _, d := range act.Diagnostics {
			if len(d.SuggestedFixes) == 0 {
				continue
			}
			// Several suggested fixes are alternatives: take the first.
			f, ok := toFix(act, d, d.SuggestedFixes[0], pkgDir, generated)
			if !ok || seen[f.key()] {
				continue
			}
			seen[f.key()] = true
			fixes = append(fixes, f)
		}
	}
	sort.SliceStable(fixes, func(i, j int) bool {
		a, b := fixes[i].edits[0], fixes[j].edits[0]
		if a.file != b.file {
			return a.file < b.file
		}
		return a.start < b.start
	})
	return fixes, notes, nil
}

func firstError(p *packages.Package) string {
	if len(p.Errors) > 0 {
		return p.Errors[0].Error()
	}
	return p.TypeErrors[0].Error()
}

// toFix converts a suggested fix to file offsets. Fixes that touch files
// outside the package directory (cgo output, the build cache) or generated
// files are left out.
func toFix(act *checker.Action, d analysis.Diagnostic, sf analysis.SuggestedFix, pkgDir string, generated map[string]bool) (fix, bool) {
	fset := act.Package.Fset
	f := fix{analyzer: act.Analyzer.Name, message: d.Message, line: fset.Position(d.Pos).Line}
	for _, te := range sf.TextEdits {
		start := fset.Position(te.Pos)
		end := start
		if te.End.IsValid() {
			end = fset.Position(te.End)
		}
		if filepath.Dir(start.Filename) != pkgDir || generated[start.Filename] || end.Filename != start.Filename || end.Offset < start.Offset {
			return fix{}, false
		}
		f.edits = append(f.edits, edit{file: start.Filename, start: start.Offset, end: end.Offset, text: string(te.NewText)})
	}
	return f, len(f.edits) > 0
}

// candidate applies fixes to the worktree's files, formats them, and
// returns the resulting patch and its reverse; the worktree is reset
// afterwards. Fixes whose edits overlap an earlier fix are dropped and
// returned. It returns a nil candidate when the fixes change nothing.
func (m *modernizer) candidate(ctx context.Context, pass *methods.Pass, fixes []fix) (*methods.Candidate, []fix, map[int][]span, error) {
	var kept, dropped []fix
	var accepted []edit
	for _, f := range fixes {
		if overlapsAny(f.edits, accepted) {
			dropped = append(dropped, f)
			continue
		}
		kept = append(kept, f)
		for _, e := range f.edits {
			if !slices.Contains(accepted, e) {
				accepted = append(accepted, e)
			}
		}
	}
	byFile := map[string][]edit{}
	for _, e := range accepted {
		byFile[e.file] = append(byFile[e.file], e)
	}
	srcs := map[string][]byte{}
	c, err := pass.Propose(ctx, "", func(string) error {
		for name, edits := range byFile {
			src, err := os.ReadFile(name)
			if err != nil {
				return fmt.Errorf("modernize: %w", err)
			}
			srcs[name] = src
			out, err := applyEdits(src, edits)
			if err != nil {
				return fmt.Errorf("modernize: %s: %w", pass.Rel(name), err)
			}
			// Format only files that were formatted: gofmt must not smuggle
			// unrelated layout changes into the patch.
			if formatted, err := format.Source(src); err == nil && bytes.Equal(formatted, src) {
				if f, err := format.Source(out); err == nil {
					out = f
				}
			}
			if !bytes.Equal(out, src) {
				if err := os.WriteFile(name, out, 0o644); err != nil {
					return fmt.Errorf("modernize: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil || c == nil {
		return nil, dropped, nil, err
	}
	analyzer := kept[0].analyzer
	c.Description = fmt.Sprintf("%s: %s in %s: %s", analyzer, plural(len(kept), "fix", "fixes"), strings.Join(c.Files, ", "), kept[0].message)
	c.Analyzer, c.Fixes = analyzer, len(kept)
	return c, dropped, spansOf(kept, byFile, srcs, pass), nil
}

// span is the lines, in the patched file, that one fix's edit occupies.
type span struct {
	file     string // relative to the repository root
	from, to int    // 1-based, inclusive
}

// spansOf maps each kept fix (by index) to the lines its edits occupy in
// the patched files. gofmt runs afterwards and can shift lines near the
// imports, so a span is a hint for finding culprits, not a proof.
func spansOf(kept []fix, byFile map[string][]edit, srcs map[string][]byte, pass *methods.Pass) map[int][]span {
	out := map[int][]span{}
	for name, edits := range byFile {
		src := srcs[name]
		sorted := slices.Clone(edits)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].start < sorted[j].start })
		// Lines of each edit in the output: its start line in the
		// source, shifted by the newlines earlier edits added or removed.
		shift := 0
		where := map[edit]span{}
		for _, e := range sorted {
			from := bytes.Count(src[:e.start], []byte("\n")) + 1 + shift
			to := from + strings.Count(e.text, "\n")
			if strings.Count(e.text, "\n") < bytes.Count(src[e.start:e.end], []byte("\n")) && from > 1 {
				// An edit that removes lines is blamed by findings on
				// either side of the cut (the //go:build line above a
				// removed // +build line).
				from--
			}
			where[e] = span{file: pass.Rel(name), from: from, to: to}
			shift += strings.Count(e.text, "\n") - bytes.Count(src[e.start:e.end], []byte("\n"))
		}
		for i, f := range kept {
			for _, e := range f.edits {
				if sp, ok := where[e]; ok {
					out[i] = append(out[i], sp)
				}
			}
		}
	}
	return out
}

// culprits returns the indexes of the fixes whose lines hold a finding of
// the rejecting level.
func culprits(spans map[int][]span, findings []validate.Finding) []int {
	var out []int
	for i, sps := range spans {
		for _, sp := range sps {
			if slices.ContainsFunc(findings, func(f validate.Finding) bool {
				return f.File == sp.file && f.Line >= sp.from && f.Line <= sp.to
			}) && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	sort.Ints(out)
	return out
}

// overlapsAny reports whether any of edits overlaps one of accepted. Two
// identical edits (two fixes adding the same import) do not conflict, and
// neither do two insertions at the same point.
func overlapsAny(edits, accepted []edit) bool {
	for _, e := range edits {
		for _, a := range accepted {
			if e == a || e.file != a.file {
				continue
			}
			if e.start < a.end && a.start < e.end {
				return true
			}
			// An insertion strictly inside a replaced range conflicts too.
			if (e.start == e.end && a.start < e.start && e.start < a.end) || (a.start == a.end && e.start < a.start && a.start < e.end) {
				return true
			}
		}
	}
	return false
}

// applyEdits applies non-overlapping edits to src. Insertions at the same
// point keep their order.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	sorted := slices.Clone(edits)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].start < sorted[j].start })
	var out bytes.Buffer
	pos := 0
	for _, e := range sorted {
		if e.start < pos || e.end > len(src) || e.start > e.end {
			return nil, fmt.Errorf("edit %d:%d out of order or out of range", e.start, e.end)
		}
		out.Write(src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(src[pos:])
	return out.Bytes(), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
