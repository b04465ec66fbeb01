package validate

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// typesLevel builds and vets the affected packages and refuses standard
// library API newer than the module's go directive. A changed file that
// the host's build configuration excludes is vetted under one that
// includes it (see vetConfigs): otherwise a patch could break GOOS=js or
// -tags appengine unseen. go vet and go build run no code of the patch,
// but the compiler reads what it says (cgo, assembly, a profile): the
// policy must have passed.
var typesLevel = &level{
	name:     "types",
	doc:      "the affected packages type-check, build and vet clean (beyond the base's findings), also under a build configuration that includes each changed file the host's excludes, using no standard-library API newer than the module's go version",
	requires: []*level{policyLevel, syntaxLevel},
	run:      checkTypes,
}

// typesResult is what the types level hands the levels that require it.
type typesResult struct {
	// warm: the base compiles what the candidate's -race test binaries
	// link before they run (see Baseline.warm and startBase).
	warm bool
}

// checkTypes builds and vets the affected packages and refuses standard
// library API newer than the module's go directive. It also starts the
// base's runs that the unit level will need (startBase), beside its vet.
func checkTypes(ctx context.Context, c *pass) (*outcome, error) {
	pkgs, err := c.affected(ctx)
	if err != nil {
		return failed(err.Error()), nil
	}
	res := &typesResult{}
	if len(pkgs) == 0 {
		return c.noHostPackage(ctx, res)
	}
	patterns := patternsOf(pkgs)
	res.warm = c.startBase(patterns)
	// go vet type-checks every package with its tests, and go test
	// compiles them in the unit level: go build adds only the link of a
	// main package. It runs for all of them when vet finds a type error,
	// to report every error the compiler sees (see vet).
	var mains []string
	for _, p := range pkgs {
		if p.Name == "main" {
			mains = append(mains, p.Pattern())
		}
	}
	if len(mains) > 0 {
		if problem, err := c.build(ctx, mains); err != nil || problem != "" {
			return failed(problem), err
		}
	}
	vetNote, problem, err := c.vet(ctx, nil, patterns)
	if err != nil || problem != "" {
		return failed(problem), err
	}
	summary := fmt.Sprintf("type-check and vet pass for %d packages%s", len(pkgs), vetNote)
	configNotes, problems, err := c.vetConfigs(ctx, pkgs)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &outcome{status: Fail, problems: problems, notes: configNotes}, nil
	}
	if breaks := c.plusBuildBreaks(ctx); len(breaks) > 0 {
		return failed(breaks...), nil
	}
	var note string
	switch {
	case c.v.Manifest == nil:
		note = "standard-library API versions not checked (no API manifest in this toolchain)"
	case !c.mayUseStdAPI():
		note = "no changed line names standard-library API"
	default:
		uses, err := c.newerAPI(ctx)
		if err != nil {
			return nil, err
		}
		if len(uses) > 0 {
			return failed(uses...), nil
		}
		note = "no standard-library API newer than go " + c.mod.GoVersion
	}
	return &outcome{status: Pass, summary: summary, notes: append(configNotes, note), result: res}, nil
}

// noHostPackage is checkTypes when the patch affects no package that the
// host's configuration builds: a package that only other configurations
// build (its files all _windows.go) is still vetted, under one of them.
func (c *pass) noHostPackage(ctx context.Context, res *typesResult) (*outcome, error) {
	notes, problems, err := c.vetConfigs(ctx, nil)
	switch {
	case err != nil:
		return nil, err
	case len(problems) > 0:
		return &outcome{status: Fail, problems: problems, notes: notes}, nil
	case len(notes) > 0:
		return &outcome{status: Pass, summary: "no Go package of the host's build configuration affected", notes: notes, result: res}, nil
	}
	return &outcome{status: Pass, summary: "no Go package affected", result: res}, nil
}

// goStep runs one go command and turns its failure into a problem that
// quotes the command's output; "" when it succeeds.
func (c *pass) goStep(ctx context.Context, what string, args []string) (string, error) {
	res, err := c.goCmd(ctx, args...)
	if err != nil {
		return "", fmt.Errorf("go %s: %w", what, err)
	}
	if res.TimedOut {
		return fmt.Sprintf("go %s did not finish within %v", what, c.v.Timeout), nil
	}
	if res.ExitCode != 0 {
		c.addFindings(res.Stderr, nil)
		return fmt.Sprintf("go %s failed: %s", what, trimOutput(res.Stderr, res.Stdout)), nil
	}
	return "", nil
}

// addFindings reports the positioned lines of a go command's output
// (path:line:col: message, paths relative to the module directory) as
// findings, each once. With keep, only keep[key] lines of each vetFindings
// key are reported, those the base does not have: the lines the patch
// changed first, then the last ones; a message the base has five times
// and the candidate six is one finding, not six.
func (c *pass) addFindings(out []byte, keep map[string]int) {
	c.addFindingsIn(nil, out, keep)
}

// addFindingsIn is addFindings for the output of a command run under cfg,
// whose findings say so ("with GOOS=js GOARCH=wasm CGO_ENABLED=0: ...").
func (c *pass) addFindingsIn(cfg *source.Config, out []byte, keep map[string]int) {
	prefix := ""
	if cfg != nil {
		prefix = strings.TrimPrefix(with(cfg), " ") + ": "
	}
	changed := diff.ChangedLines(c.files)
	byKey := map[string][]Finding{}
	var keys []string
	for _, line := range strings.Split(string(out), "\n") {
		m := vetPos.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		file := m[1]
		if !filepath.IsAbs(file) {
			file = filepath.Join(c.modDir, file)
		}
		key := filepath.Base(m[1]) + ": " + m[3]
		f := Finding{File: c.rel(file), Line: n, Message: prefix + strings.TrimSpace(line)}
		if slices.Contains(byKey[key], f) {
			continue
		}
		if byKey[key] == nil {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], f)
	}
	for _, key := range keys {
		fs := byKey[key]
		if keep != nil {
			// On changed lines first, then the last ones (a finding the
			// patch adds on an unchanged line comes after the base's).
			slices.Reverse(fs)
			slices.SortStableFunc(fs, func(a, b Finding) int {
				ca, cb := changed[a.File][a.Line], changed[b.File][b.Line]
				switch {
				case ca == cb:
					return 0
				case ca:
					return -1
				}
				return 1
			})
			fs = fs[:min(keep[key], len(fs))]
			slices.SortFunc(fs, func(a, b Finding) int { return a.Line - b.Line })
		}
		for _, f := range fs {
			if !slices.Contains(c.findings, f) {
				c.report(f)
			}
		}
	}
}

// vet runs go vet under cfg (nil: the host's configuration) and returns
// the problem with what it found that the base does not have; "" when
// there is none. On the host the base's vet runs only when the
// candidate's finds something: a clean vet needs no excuse. Under another
// configuration it runs first, once per run (Baseline.Vet remembers), so
// that the standard library it compiles for that platform lands in the
// shared build cache, where every candidate finds it.
func (c *pass) vet(ctx context.Context, cfg *source.Config, patterns []string) (note, problem string, err error) {
	if cfg != nil && c.v.Baseline != nil {
		if _, err := c.v.Baseline.Vet(ctx, cfg, patterns); err != nil {
			return "", "", fmt.Errorf("base: go vet%s: %w", with(cfg), err)
		}
	}
	res, err := c.goCmdIn(ctx, cfg, append([]string{"vet", "-trimpath"}, patterns...)...)
	if err != nil {
		return "", "", fmt.Errorf("go vet%s: %w", with(cfg), err)
	}
	if res.TimedOut {
		return "", fmt.Sprintf("go vet%s did not finish within %v", with(cfg), c.timeout()), nil
	}
	if res.ExitCode == 0 {
		return "", "", nil
	}
	if cfg == nil && (bytes.Contains(res.Stderr, []byte("\nvet: ")) || bytes.HasPrefix(res.Stderr, []byte("vet: "))) {
		// A package that does not type-check: vet stops at its first
		// error, the compiler lists them all. (Not under another
		// configuration: its build could need to link.)
		if problem, err := c.build(ctx, patterns); err != nil || problem != "" {
			return "", problem, err
		}
	}
	got := vetFindings(res.Stderr)
	if c.v.Baseline == nil {
		if cfg != nil {
			c.addFindingsIn(cfg, res.Stderr, nil)
		}
		return "", "go vet" + with(cfg) + " failed: " + trimOutput(res.Stderr), nil
	}
	base, err := c.v.Baseline.Vet(ctx, cfg, patterns)
	if err != nil {
		return "", "", fmt.Errorf("base: go vet%s: %w", with(cfg), err)
	}
	added := newFindings(got, base)
	if len(added) > 0 {
		keep := map[string]int{}
		for _, k := range added {
			keep[k]++
		}
		c.addFindingsIn(cfg, res.Stderr, keep)
		return "", "go vet" + with(cfg) + " failed: " + strings.Join(added, "; "), nil
	}
	n := 0
	for _, v := range got {
		n += v
	}
	return fmt.Sprintf(" (%d vet findings are on the base too)", n), "", nil
}

// newerAPI type-checks the changed packages and lists the uses, on changed
// lines, of standard-library API that the module's go version lacks.
func (c *pass) newerAPI(ctx context.Context) ([]string, error) {
	if c.mod.GoVersion == "" {
		return nil, nil
	}
	lines := map[string]map[int]bool{}
	var dirs []string
	for rel, set := range diff.ChangedLines(c.files) {
		if !strings.HasSuffix(rel, ".go") {
			continue
		}
		abs := c.abs(rel)
		lines[abs] = set
		if d := filepath.Dir(abs); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, nil
	}
	var patterns []string
	for _, d := range dirs {
		rel, err := filepath.Rel(c.modDir, d)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		patterns = append(patterns, "./"+filepath.ToSlash(rel))
	}
	cfg := &packages.Config{
		Context: ctx,
		Dir:     c.modDir,
		Env:     c.v.Runner.Env(),
		// go list compiles the dependencies' export data: trimmed, it is
		// the same in every worktree.
		BuildFlags: []string{"-trimpath"},
		Tests:      true,
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
	}
	loaded, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("type-check %s: %w", strings.Join(patterns, " "), err)
	}
	var out []string
	for _, p := range loaded {
		if p.TypesInfo == nil {
			continue
		}
		for _, u := range c.v.Manifest.Check(p.Fset, p.Syntax, p.TypesInfo, c.mod.GoVersion, lines) {
			u.Pos.Filename = c.rel(u.Pos.Filename)
			if s := u.String(); !slices.Contains(out, s) {
				out = append(out, s)
				c.report(Finding{File: u.Pos.Filename, Line: u.Pos.Line, Message: s})
			}
		}
	}
	return out, nil
}

// mayUseStdAPI reports whether a line the patch adds names something that
// could be standard-library API, which is all the API check looks at: the
// selected name of x.f (pkg.Name, a method, a field), a composite
// literal's key, or any name in a file that dot-imports. A patch that
// only rewrites loops and conditions needs no type-checking for it.
func (c *candidate) mayUseStdAPI() bool {
	for rel, lines := range diff.ChangedLines(c.files) {
		if !strings.HasSuffix(rel, ".go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, c.abs(rel), nil, parser.SkipObjectResolution)
		if err != nil || namesAPI(fset, f, lines) {
			return true
		}
	}
	return false
}

// namesAPI is mayUseStdAPI for one parsed file and its added lines.
func namesAPI(fset *token.FileSet, f *ast.File, lines map[int]bool) bool {
	dotImport := slices.ContainsFunc(f.Imports, func(s *ast.ImportSpec) bool { return s.Name != nil && s.Name.Name == "." })
	found := false
	on := func(n ast.Node) bool { return lines[fset.Position(n.Pos()).Line] }
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			found = found || on(n.Sel)
		case *ast.KeyValueExpr:
			found = found || on(n.Key)
		case *ast.Ident:
			found = found || dotImport && on(n)
		}
		return !found
	})
	return found
}

// rel turns a worktree path back into a repository-relative one for messages.
func (c *candidate) rel(abs string) string {
	if r, err := filepath.Rel(c.wt.Dir, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return abs
}

func patternsOf(pkgs []*source.Package) []string {
	out := make([]string, len(pkgs))
	for i, p := range pkgs {
		out[i] = p.Pattern()
	}
	return out
}

// trimOutput keeps the useful end of a command's output for a report.
func trimOutput(streams ...[]byte) string {
	var b strings.Builder
	for _, s := range streams {
		b.Write(s)
	}
	return clip.Tail(strings.TrimSpace(b.String()), 2000, "…")
}

// build runs go build on patterns, discarding what it builds (-o
// /dev/null): go build of one main package writes its binary into the
// module directory by default, and fails when a directory of that name is
// there (golang.org/x/perf: ./cmd/benchstat beside the package directory
// benchstat). The go command accepts the null device for any set of
// packages, main or not.
func (c *pass) build(ctx context.Context, patterns []string) (problem string, err error) {
	return c.goStep(ctx, "build", append([]string{"build", "-trimpath", "-o", os.DevNull}, patterns...))
}
