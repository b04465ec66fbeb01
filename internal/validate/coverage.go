package validate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// coverageLevel compares the statement coverage of the affected packages
// before and after the patch, from the profiles of the unit level's runs,
// which it receives through its requirement, and, when those seem to
// lose something, from more runs of each side (see steadyLosses).
var coverageLevel = &level{
	name:     "coverage",
	doc:      "no statement the base's tests cover on every run is lost, the lines changed in covered functions are covered, tests alone raise coverage, and the changed functions meet min_test_coverage",
	requires: []*level{unitLevel},
	run:      checkCoverage,
}

// checkCoverage compares the statement coverage of the affected packages
// before and after the patch, from the profiles the unit level's runs
// wrote. Coverage must not drop, in this sense: every statement covered
// on the base, on a line the patch left alone, is still covered. (The
// percentage alone would punish a refactor that deletes covered
// statements.) A patch that only adds tests (a test file, or a Test, Fuzz
// or Example function, and no change to non-test code) must also raise the
// percentage by Validator.MinCoverageGain points: tests alone must earn
// their place. Tests that come with a change of the code (a fix and its
// regression test) are judged with the change. And a function that the
// patch changes and that the tests ran on the base must have the lines
// the patch adds to it run too (see uncoveredChanges): a rewrite may not
// leave code that no test runs inside a tested function. Finally the
// functions the patch changes must be covered, as a whole, at least
// Validator.MinTestCoverage percent (see changedFuncCoverage).
//
// One run of each side decides only while it finds nothing lost. Tests
// that draw their input from the clock or at random cover other
// statements on every run, and a candidate judged on one run would lose
// some of the base's by chance, whatever it changed. So when something
// seems lost, the base's tests run again (Baseline.coverRuns: three more
// times, once per package set for every agent), and only the statements
// all four runs covered can be lost; the statements some of them covered
// and others did not are named in a note and not judged, nor are the
// lines the patch changed in a function that holds one (see
// steadyLosses). A statement the base covers only sometimes can still be
// covered in all four of its runs by chance; so, when the base's runs
// vary and something still seems lost, the candidate's tests run again
// too, up to twice, and a statement any of its runs covered counts as
// covered. A statement the tests reach in a fraction p of their runs is
// then held against a patch that does not touch it with probability
// p⁴(1-p)³: below 1 % at worst (p = 4/7), below 0.1 % for a branch they
// take in at most one run in five or miss in at most one in ten. When
// the base's four runs cover the same statements, its tests are taken
// for deterministic and one run of the candidate's decides, as before: a
// deterministic module pays the base's three runs once, when something
// first seems lost, and nothing while nothing does.
func checkCoverage(ctx context.Context, c *pass) (*outcome, error) {
	unit := c.resultOf[unitLevel].(*unitResult)
	pkgs, err := c.affected(ctx)
	if err != nil {
		return failed(err.Error()), nil
	}
	if len(pkgs) == 0 {
		return skipped("no Go package affected"), nil
	}
	tests := false
	built := map[string]bool{}
	for _, p := range pkgs {
		tests = tests || len(p.TestFiles) > 0
		for _, f := range p.GoFiles {
			built[f] = true
		}
	}
	switch {
	case !tests:
		funcs := c.changedFuncCoverage(nil, true, built).funcs
		if len(funcs) == 0 {
			return skipped("no tests in the affected packages; the patch changes no function built here"), nil
		}
		if c.v.MinTestCoverage > 0 {
			return failed(fmt.Sprintf("no tests in the affected packages: nothing runs the %s the patch changes, below min_test_coverage %g%% (add tests that pin down what they do, or lower min_test_coverage)", funcList(funcs), c.v.MinTestCoverage)), nil
		}
		return skipped(fmt.Sprintf("UNTESTED: no tests in the affected packages run the %s the patch changes (min_test_coverage is 0)", funcList(funcs))), nil
	case unit.profile == "":
		return skipped("the unit level wrote no coverage profile"), nil
	case c.v.Baseline == nil:
		return skipped("no base to compare with"), nil
	}
	if unit.baseProfile == "" {
		return skipped("the base's tests wrote no coverage profile"), nil
	}
	baseProf, err := readProfiles(unit.baseProfile)
	if err != nil {
		return nil, fmt.Errorf("base: coverage profile: %w", err)
	}
	candProf, err := readProfiles(unit.profile)
	if err != nil {
		return nil, fmt.Errorf("coverage profile: %w", err)
	}
	basePct, _ := percent(baseProf)
	candPct, nPkgs := percent(candProf)
	figures := fmt.Sprintf("coverage %.1f%% → %.1f%% of statements in %d packages", basePct, candPct, nPkgs)

	l, err := c.losses(ctx, baseProf, candProf)
	if err != nil {
		return nil, err
	}
	var unstable []string // what the runs of tests that vary leave unjudged
	if !l.none() {
		s, err := c.steadyLosses(ctx, unit, baseProf, candProf, l)
		if err != nil {
			return nil, err
		}
		l, candProf, unstable = s.losses, s.cand, s.notes
	}
	out := &outcome{status: Fail, summary: figures, notes: unstable}
	out.problems, out.findings = l.problems()
	if len(out.problems) > 0 {
		return out, nil
	}
	if c.addsTests() && len(c.changedLines(false)) == 0 && c.v.MinCoverageGain > 0 && candPct-basePct < c.v.MinCoverageGain {
		out.problems = []string{fmt.Sprintf("the patch only adds tests, so coverage must rise by at least %.1f points, but it rose by %.1f", c.v.MinCoverageGain, candPct-basePct)}
		return out, nil
	}
	out.status, out.notes = Pass, []string{"no covered statement lost"}
	if l.judged > 0 {
		out.notes = append(out.notes, fmt.Sprintf("the lines changed in the %d functions covered on the base are covered", l.judged))
	}
	cc := c.changedFuncCoverage(candProf, false, built)
	if funcs := cc.funcs; len(funcs) > 0 {
		pct := funcsPercent(funcs)
		switch {
		case pct < c.v.MinTestCoverage:
			out.status, out.notes = Fail, unstable
			out.problems = []string{fmt.Sprintf("the tests cover %.1f%% of the statements of the %s the patch changes, below min_test_coverage %g%% (add tests that pin down what they do, or lower min_test_coverage)", pct, funcList(funcs), c.v.MinTestCoverage)}
			return out, nil
		case pct == 0:
			out.notes = append(out.notes, fmt.Sprintf("UNTESTED: no test runs the %s the patch changes (min_test_coverage is 0)", funcList(funcs)))
		default:
			out.notes = append(out.notes, fmt.Sprintf("the tests cover %.1f%% of the statements of the %s the patch changes", pct, funcList(funcs)))
		}
	}
	if len(cc.unbuilt) > 0 {
		out.notes = append(out.notes, "not built on this platform, so not measured: "+strings.Join(cc.unbuilt, ", "))
	}
	if len(cc.unmeasured) > 0 {
		out.notes = append(out.notes, "not measured, as their package's tests did not run (on the base either): "+strings.Join(cc.unmeasured, ", "))
	}
	out.notes = append(out.notes, unstable...)
	return out, nil
}

// problems are the coverage level's problems for l, and their findings.
func (l losses) problems() (problems []string, findings []Finding) {
	if len(l.lost) > 0 {
		var where []string
		for i, f := range l.lost {
			findings = append(findings, f)
			if i < 5 {
				where = append(where, fmt.Sprintf("%s:%d", f.File, f.Line))
			}
		}
		more := ""
		if len(l.lost) > 5 {
			more = fmt.Sprintf(" and %d more", len(l.lost)-5)
		}
		problems = append(problems, fmt.Sprintf("covered on the base but not after the patch: %s%s", strings.Join(where, ", "), more))
	}
	for _, g := range l.gaps {
		for _, n := range g.lines {
			findings = append(findings, Finding{File: g.file, Line: n, Message: g.name + " was covered on the base; this line the patch changed in it is not covered"})
		}
		problems = append(problems, g.String())
	}
	return problems, findings
}

// addsTests reports whether the patch adds a test: a new _test.go file, or
// a new Test, Fuzz or Example function in one. A rewrite of existing tests
// (modernize's range-over-int in a benchmark, say) adds none and need not
// raise coverage.
func (c *candidate) addsTests() bool {
	for _, f := range c.files {
		if !strings.HasSuffix(f.NewPath, "_test.go") {
			continue
		}
		if f.OldPath == "" {
			return true
		}
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				if newTestFunc.MatchString(l.Text) {
					return true
				}
			}
		}
	}
	return false
}

// newTestFunc matches the declaration of a test, fuzz test or example.
var newTestFunc = regexp.MustCompile(`^func (Test|Fuzz|Example)\w*\(`)

// percent is the statement coverage of profiles, in percent, and the
// number of packages they cover.
func percent(profiles []*cover.Profile) (float64, int) {
	var covered, total int
	dirs := map[string]bool{}
	for _, p := range profiles {
		dirs[path.Dir(p.FileName)] = true
		for _, b := range p.Blocks {
			total += b.NumStmt
			if b.Count > 0 {
				covered += b.NumStmt
			}
		}
	}
	if total == 0 {
		return 0, len(dirs)
	}
	return 100 * float64(covered) / float64(total), len(dirs)
}

// lostCoverage returns, as findings at their lines in the patched tree,
// the blocks covered on the base, on lines the patch did not touch, that
// are not covered after it. A block is found again through its first
// statement line, moved by the hunks above it.
func (c *candidate) lostCoverage(ctx context.Context, base, cand []*cover.Profile) ([]Finding, error) {
	after := map[string][]cover.ProfileBlock{}
	for _, p := range cand {
		after[c.profileFile(p.FileName)] = p.Blocks
	}
	changed := map[string]diff.File{}
	for _, f := range c.files {
		if f.OldPath != "" {
			changed[f.OldPath] = f
		}
	}
	var lost []Finding
	seen := map[Finding]bool{}
	for _, p := range base {
		rel := c.profileFile(p.FileName)
		newRel, move := rel, func(line int) (int, bool) { return line, true }
		f, touched := changed[rel]
		if touched {
			if f.NewPath == "" {
				continue // deleted: nothing of it can be covered
			}
			newRel, move = f.NewPath, lineMover(f.Hunks)
		}
		src, err := c.baseFile(ctx, rel, touched)
		if err != nil {
			return nil, fmt.Errorf("coverage: source of %s: %w", rel, err)
		}
		lines := strings.Split(string(src), "\n")
		for _, b := range p.Blocks {
			if b.Count == 0 || b.NumStmt == 0 {
				continue
			}
			line, col, ok := firstStatement(lines, b, move)
			if !ok {
				continue // the patch touched it
			}
			if covered(after[newRel], line, col) {
				continue
			}
			f := Finding{File: newRel, Line: line, Message: "covered on the base, not covered after the patch"}
			if !seen[f] {
				seen[f] = true
				lost = append(lost, f)
			}
		}
	}
	return lost, nil
}

// profileFile turns a profile's file name (import path/file.go) into a
// repository-relative path.
func (c *candidate) profileFile(name string) string {
	if rel, ok := strings.CutPrefix(name, c.mod.Path+"/"); ok {
		return path.Join(c.v.ModuleDir, rel)
	}
	return name
}

// firstStatement returns where the first statement line of block b (in
// the base's source lines) is in the patched file: its line, moved by
// move, and its column. Lines that hold only braces or comments are not
// statement lines. ok is false when the patch removed or changed one of
// the block's statement lines, or the block has none.
func firstStatement(lines []string, b cover.ProfileBlock, move func(int) (int, bool)) (line, col int, ok bool) {
	for l := b.StartLine; l <= b.EndLine && l <= len(lines); l++ {
		text, offset := lines[l-1], 0
		if l == b.EndLine {
			text = text[:min(max(b.EndCol-1, 0), len(text))]
		}
		if l == b.StartLine {
			offset = min(max(b.StartCol-1, 0), len(text))
			text = text[offset:]
		}
		trimmed := strings.TrimLeft(text, " \t{}")
		if trimmed == "" || strings.HasPrefix(trimmed, "//") || strings.TrimRight(trimmed, " \t{}") == "" {
			continue
		}
		n, kept := move(l)
		if !kept {
			return 0, 0, false
		}
		if line == 0 {
			line, col = n, offset+len(text)-len(trimmed)+1
		}
	}
	return line, col, line != 0
}

// covered reports whether the block of blocks that holds line:col ran.
func covered(blocks []cover.ProfileBlock, line, col int) bool {
	for _, b := range blocks {
		startsBefore := b.StartLine < line || b.StartLine == line && b.StartCol <= col
		endsAfter := b.EndLine > line || b.EndLine == line && b.EndCol > col
		if startsBefore && endsAfter && b.Count > 0 {
			return true
		}
	}
	return false
}

// lineMover maps a line of the old file to its line in the new one
// through the hunks; ok is false for a line the hunks remove.
func lineMover(hunks []diff.Hunk) func(old int) (int, bool) {
	return func(old int) (int, bool) {
		delta := 0
		for _, h := range hunks {
			if h.OldLines == 0 { // a pure insertion after line OldStart
				if old <= h.OldStart {
					return old + delta, true
				}
				delta += h.NewLines
				continue
			}
			if old < h.OldStart {
				return old + delta, true
			}
			if old >= h.OldStart+h.OldLines {
				delta += h.NewLines - h.OldLines
				continue
			}
			// Inside the hunk: the k-th kept old line is the k-th new
			// line that the hunk does not add.
			k := 0
			for l := h.OldStart; l < old; l++ {
				if !hasLine(h.Removed, l) {
					k++
				}
			}
			if hasLine(h.Removed, old) {
				return 0, false
			}
			for n := h.NewStart; n < h.NewStart+h.NewLines; n++ {
				if hasLine(h.Added, n) {
					continue
				}
				if k == 0 {
					return n, true
				}
				k--
			}
			return 0, false // a malformed hunk: treat the line as touched
		}
		return old + delta, true
	}
}

func hasLine(lines []diff.Line, n int) bool {
	for _, l := range lines {
		if l.N == n {
			return true
		}
	}
	return false
}

// maxProfile bounds a coverage profile read back from a child: far above
// what any real module's profile needs.
const maxProfile = 256 << 20

// readProfiles parses a coverage profile that code under test wrote: read
// as a child's file (no links, regular files only, bounded), never opened
// by path as a trusted one.
func readProfiles(path string) ([]*cover.Profile, error) {
	data, err := sandbox.ReadFile(path, maxProfile)
	if err != nil {
		return nil, err
	}
	return cover.ParseProfilesFromReader(bytes.NewReader(data))
}

// baseFile is the base's content of the repository-relative file rel:
// from git when the patch touched it, else from the worktree, where it is
// the same.
func (c *candidate) baseFile(ctx context.Context, rel string, touched bool) ([]byte, error) {
	if !touched {
		return os.ReadFile(c.abs(rel))
	}
	s, err := c.wt.Git(ctx, "show", c.wt.Commit+":"+rel)
	return []byte(s), err
}
