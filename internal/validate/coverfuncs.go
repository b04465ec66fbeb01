package validate

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/coverage"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// funcGap is a function the patch changed that the tests ran on the base,
// with the lines the patch added to it that no test runs now.
type funcGap struct {
	name  string // "Abs", "Counter.Inc"
	file  string // repository-relative, in the patched tree
	lines []int
}

func (g funcGap) String() string {
	lines := make([]string, len(g.lines))
	for i, l := range g.lines {
		lines[i] = fmt.Sprint(l)
	}
	return fmt.Sprintf("%s (%s) was covered on the base, but lines the patch changed in it are not covered after the patch: %s:%s (add a test that runs them)", g.name, g.file, g.file, strings.Join(lines, ","))
}

// funcKey identifies a function across the base and the patched tree: by
// package directory, receiver type and name, so that a function that moves
// to another file of its package is still found.
type funcKey struct{ dir, name string }

// uncoveredChanges returns the functions whose body the patch changes,
// that had covered statements on the base, and in which a line the patch
// added holds a statement that cand does not cover. lostCoverage leaves
// the lines the patch touched to the patch; without this a rewrite could
// leave a covered function with code that no test runs (a new branch, a
// new loop body) while the rest of it stays covered. The second result
// counts the changed functions that were covered on the base.
func (c *candidate) uncoveredChanges(ctx context.Context, base, cand []*cover.Profile) ([]funcGap, int, error) {
	after := map[string][]cover.ProfileBlock{}
	for _, p := range cand {
		rel := c.profileFile(p.FileName)
		after[rel] = append(after[rel], p.Blocks...)
	}
	var covered map[funcKey]bool // the base's, built on first need
	var gaps []funcGap
	judged := 0
	for _, f := range c.files {
		if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") || strings.HasSuffix(f.NewPath, "_test.go") {
			continue
		}
		var added []int
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				added = append(added, l.N)
			}
		}
		blocks := after[f.NewPath]
		if len(added) == 0 || len(blocks) == 0 {
			continue // nothing added, or nothing measured in this file
		}
		src, err := os.ReadFile(c.abs(f.NewPath))
		if err != nil {
			return nil, 0, fmt.Errorf("coverage: %w", err)
		}
		funcs, err := declaredFuncs(f.NewPath, src)
		if err != nil {
			continue // a file that does not parse is the syntax level's to report
		}
		lines := strings.Split(string(src), "\n")
		for _, fn := range funcs {
			var mine []int
			for _, l := range added {
				if l >= fn.from && l <= fn.to {
					mine = append(mine, l)
				}
			}
			if len(mine) == 0 {
				continue
			}
			if covered == nil {
				if covered, err = c.coveredFuncs(ctx, base); err != nil {
					return nil, 0, err
				}
			}
			if !covered[fn.key] {
				continue // new, or no test ran it before either
			}
			judged++
			var missed []int
			for _, l := range mine {
				if statementLine(lines, l) && !lineCovered(blocks, l) {
					missed = append(missed, l)
				}
			}
			if len(missed) > 0 {
				gaps = append(gaps, funcGap{name: fn.key.name, file: f.NewPath, lines: missed})
			}
		}
	}
	return gaps, judged, nil
}

// coveredFuncs returns the base's functions, in the packages the patch
// changes, that had a covered statement in the base profile.
func (c *candidate) coveredFuncs(ctx context.Context, base []*cover.Profile) (map[funcKey]bool, error) {
	dirs := map[string]bool{}
	touched := map[string]bool{}
	for _, f := range c.files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p != "" {
				dirs[path.Dir(p)] = true
				touched[p] = true
			}
		}
	}
	out := map[funcKey]bool{}
	for _, p := range base {
		rel := c.profileFile(p.FileName)
		if !dirs[path.Dir(rel)] {
			continue
		}
		src, err := c.baseFile(ctx, rel, touched[rel])
		if err != nil {
			return nil, fmt.Errorf("coverage: source of %s on the base: %w", rel, err)
		}
		funcs, err := declaredFuncs(rel, src)
		if err != nil {
			continue
		}
		for _, fn := range funcs {
			if covered, _ := coverage.Statements(p.Blocks, fn.from, fn.to); covered > 0 {
				out[fn.key] = true
			}
		}
	}
	return out, nil
}

// declaredFunc is a function with a body: its key and the lines of its
// body, braces included.
type declaredFunc struct {
	key      funcKey
	from, to int
}

// declaredFuncs parses a file (rel names it: repository-relative) and
// returns its functions and methods.
func declaredFuncs(rel string, src []byte) ([]declaredFunc, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []declaredFunc
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		out = append(out, declaredFunc{
			key:  funcKey{dir: path.Dir(rel), name: source.FuncName(fd)},
			from: fset.Position(fd.Body.Lbrace).Line,
			to:   fset.Position(fd.Body.Rbrace).Line,
		})
	}
	return out, nil
}

// statementLine reports whether line n (1-based) of lines holds more than
// braces, blanks and a comment: a line that can hold a statement.
func statementLine(lines []string, n int) bool {
	if n < 1 || n > len(lines) {
		return false
	}
	text := strings.Trim(lines[n-1], " \t{}()")
	return text != "" && !strings.HasPrefix(text, "//") && !strings.HasPrefix(text, "/*")
}

// lineCovered reports whether line n is run, as far as blocks tell: true
// when a block with statements that spans it ran, or when no block with
// statements spans it (a declaration, a case label). A line two blocks
// share (an if's condition and the start of its body) counts as run when
// either ran: its statements are judged on the lines that follow.
func lineCovered(blocks []cover.ProfileBlock, n int) bool {
	spanned := false
	for _, b := range blocks {
		if b.NumStmt == 0 || b.StartLine > n || b.EndLine < n {
			continue
		}
		if b.Count > 0 {
			return true
		}
		spanned = true
	}
	return !spanned
}

// funcCover is a function the patch changes and how many of its
// statements the tests ran.
type funcCover struct {
	name           string
	covered, total int
}

// changedCoverage is what changedFuncCoverage found.
type changedCoverage struct {
	funcs []funcCover
	// unbuilt are changed files the affected packages do not build here:
	// for another platform or build tag, no test's to run.
	unbuilt []string
	// unmeasured are changed files the profiles do not hold at all: their
	// package's tests did not build or run (on the base too, or the unit
	// level would have failed).
	unmeasured []string
}

// changedFuncCoverage returns the functions of non-test Go files whose
// body the patch changes (adds a line to, or removes one from) and, from
// the profiles of the tests that judged the candidate, how many of their
// statements ran. Only the files the affected packages build here count
// (built holds their absolute paths). Untested (the packages have no
// tests), every function counts as not run, total being its number of
// statement lines.
func (c *candidate) changedFuncCoverage(profiles []*cover.Profile, untested bool, built map[string]bool) changedCoverage {
	var out changedCoverage
	blocks := map[string][]cover.ProfileBlock{}
	for _, p := range profiles {
		rel := c.profileFile(p.FileName)
		blocks[rel] = append(blocks[rel], p.Blocks...)
	}
	for _, f := range c.files {
		if !strings.HasSuffix(f.NewPath, ".go") || strings.HasSuffix(f.NewPath, "_test.go") {
			continue
		}
		if !built[c.abs(f.NewPath)] {
			out.unbuilt = append(out.unbuilt, f.NewPath)
			continue
		}
		changed := changedNewLines(f.Hunks)
		if len(changed) == 0 {
			continue
		}
		bs, measured := blocks[f.NewPath]
		if !untested && !measured {
			out.unmeasured = append(out.unmeasured, f.NewPath)
			continue
		}
		src, err := os.ReadFile(c.abs(f.NewPath))
		if err != nil {
			continue
		}
		funcs, err := declaredFuncs(f.NewPath, src)
		if err != nil {
			continue // a file that does not parse is the syntax level's to report
		}
		lines := strings.Split(string(src), "\n")
		for _, fn := range funcs {
			if !slices.ContainsFunc(changed, func(l int) bool { return l >= fn.from && l <= fn.to }) {
				continue
			}
			fc := funcCover{name: fn.key.name}
			if measured {
				fc.covered, fc.total = coverage.Statements(bs, fn.from, fn.to)
			} else {
				for l := fn.from; l <= fn.to; l++ {
					if statementLine(lines, l) {
						fc.total++
					}
				}
			}
			if fc.total > 0 {
				out.funcs = append(out.funcs, fc)
			}
		}
	}
	return out
}

// changedNewLines returns the lines of the new file that the hunks add,
// and where in it the lines they remove were.
func changedNewLines(hunks []diff.Hunk) []int {
	var out []int
	for _, h := range hunks {
		for _, l := range h.Added {
			out = append(out, l.N)
		}
		for _, r := range h.Removed {
			// Lines of the hunk before the removed one, on the new side:
			// those it keeps, then those it adds before it.
			kept := r.N - h.OldStart - countBefore(h.Removed, r.N)
			at := h.NewStart + kept
			at += countBefore(h.Added, at+1)
			out = append(out, at)
		}
	}
	return out
}

func countBefore(lines []diff.Line, n int) int {
	k := 0
	for _, l := range lines {
		if l.N < n {
			k++
		}
	}
	return k
}

// funcsPercent is the statement coverage of funcs, in percent.
func funcsPercent(funcs []funcCover) float64 {
	var covered, total int
	for _, f := range funcs {
		covered += f.covered
		total += f.total
	}
	if total == 0 {
		return 0
	}
	return 100 * float64(covered) / float64(total)
}

// funcList names funcs for a detail: "function Sum" or "3 functions
// (Sum, Join, Counter.Inc)", at most five by name.
func funcList(funcs []funcCover) string {
	if len(funcs) == 1 {
		return "function " + funcs[0].name
	}
	var names []string
	for i, f := range funcs {
		if i == 5 {
			names = append(names, "…")
			break
		}
		names = append(names, f.name)
	}
	return fmt.Sprintf("%d functions (%s)", len(funcs), strings.Join(names, ", "))
}
