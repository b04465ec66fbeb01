// Package chaos is the method that looks for weaknesses instead of speed:
// mutation testing of a package (a mutant its tests let through points at
// code they run but do not check), fuzz targets made from a template and
// run with go test -fuzz (a crash is a bug with a reproducer), and faults
// injected into the package's I/O functions (a failing or dribbling reader,
// a failing writer: a panic, a hang, a swallowed error or a result that
// depends on how the input was cut is a bug too).
//
// The findings go into the task's report, and as one issue (rendered in
// issue.go) to change control. Without a model the method
// proposes the fuzz targets that found nothing as a candidate; with one it
// also asks for tests that kill the surviving mutants (kept only if they
// kill at least one) and for a fix of each crash with a regression test.
// Every candidate is validated like any other.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Name is the method's name in the registry and on the command line.
const Name = "chaos"

// Defaults of the method's settings.
const (
	DefaultFuzzTime   = 10 * time.Second
	DefaultMaxMutants = 60
)

// Method is the chaos method.
var Method = &methods.Method{
	Name:  Name,
	Doc:   "find weaknesses: mutation testing, fuzz targets run with go test -fuzz, I/O fault injection; a model (optional) writes tests and fixes",
	Model: methods.ModelOptional,
	Options: []config.Option{
		{
			Name: "fuzz_time", Default: DefaultFuzzTime.String(),
			Help: "how long the chaos method fuzzes each fuzz target, a Go duration",
			Want: "a duration > 0 such as 30s or 2m", Example: "30s", Parse: config.Duration(),
		},
		{
			Name: "max_mutants", Default: strconv.Itoa(DefaultMaxMutants),
			Help: "most mutants the chaos method runs the tests against per package (a spread sample when there are more); 0 for all",
			Want: "an integer 0..100000", Example: "200", Parse: config.Int(0, 100_000),
		},
	},
	Run: func(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
		m := &method{FuzzTime: pass.Option("fuzz_time").(time.Duration), MaxMutants: pass.Option("max_mutants").(int), Attempts: DefaultAttempts}
		return m.run(ctx, pass)
	},
}

// method is the state of the method for one task. The zero value fuzzes
// nothing and runs every mutant.
type method struct {
	// FuzzTime is how long each fuzz target runs; 0 turns fuzzing off.
	FuzzTime time.Duration
	// MaxMutants is the most mutants run against the tests (a spread
	// sample of the covered ones when there are more); 0 runs them all.
	MaxMutants int
	// Attempts is how many answers the model may give per request for
	// hardening, each after the feedback on the one before; 0 means
	// DefaultAttempts.
	Attempts int
}

// DefaultAttempts bounds the model's answers per hardening request.
const DefaultAttempts = 2

// Details is what the method found, for the task's report.
type Details struct {
	Mutation *MutationReport `json:"mutation,omitempty"`
	Fuzz     []FuzzReport    `json:"fuzz,omitempty"`
	Faults   []FaultReport   `json:"faults,omitempty"`
}

// task is one Optimize call's state.
type task struct {
	m       *method
	t       *methods.Task
	pass    *methods.Pass
	res     *methods.Result
	det     *Details
	mod     *source.Module  // the module, read from the agent's worktree
	pkg     *source.Package // the task's package in mod
	pkgRel  string          // the package directory relative to the module root, slash-separated
	pattern string          // the package as go test takes it: "./textutil", "."
	funcs   []*function
	names   map[string]bool // every package-level name of the package, tests included

	fuzzTargets []*fuzzTarget
	mutantLimit time.Duration // go test's -timeout for a mutant
}

// Optimize mutates, fuzzes and injects faults into the task's package,
// then proposes what hardens it.
func (m *method) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	if t == nil || t.Package == nil || t.Module == nil {
		return nil, errors.New("chaos: the task names no package (the caller must fill Task.Package and Task.Module)")
	}
	if pass.Worktree == nil || pass.Sandbox == nil || pass.ModuleDir == "" {
		return nil, fmt.Errorf("chaos: %s: the environment lacks a worktree, a module directory or a sandbox (the caller must fill them)", t.Package.ImportPath)
	}
	res := &methods.Result{}
	if len(t.Package.GoFiles) == 0 {
		res.Notes = append(res.Notes, "the package has no non-test Go files")
		return res, nil
	}
	mod := t.Module.Rebase(pass.ModuleDir)
	pkg := mod.Package(t.Package.ImportPath)
	if pkg == nil {
		return nil, fmt.Errorf("chaos: package %s is not in the module at %s", t.Package.ImportPath, pass.ModuleDir)
	}
	pkgRel := filepath.ToSlash(pkg.RelDir)
	pattern := "./" + pkgRel
	if pkgRel == "." || pkgRel == "" {
		pkgRel, pattern = ".", "."
	}
	s := &task{
		m: m, t: t, pass: pass, res: res, det: &Details{}, mod: mod, pkg: pkg, pkgRel: pkgRel, pattern: pattern,
		funcs: packageFunctions(pkg.GoFiles, pkg.TestFiles), names: declaredNames(append(append([]string{}, pkg.GoFiles...), pkg.TestFiles...)),
	}
	s.funcs = slices.DeleteFunc(s.funcs, func(f *function) bool { return !aimedAt(t, mod.Dir, f) })
	res.Details = s.det
	defer pass.Worktree.Reset(context.WithoutCancel(ctx))

	for _, phase := range []struct {
		name string
		run  func(context.Context)
	}{{"mutation testing", s.mutation}, {"fuzzing", s.fuzz}, {"fault injection", s.faults}, {"hardening", s.harden}} {
		start := time.Now()
		phase.run(ctx)
		s.logf("%s done in %v", phase.name, time.Since(start).Round(100*time.Millisecond))
	}
	if f, ok := finding(t.ID, t.Package.Pattern(), pass.Worktree.Commit, s.det); ok {
		res.Findings = append(res.Findings, f)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("chaos: %s: %w", pkg.ImportPath, context.Cause(ctx))
	}
	return res, nil
}

// aimedAt reports whether the task aims at f: it names f, or a file of
// f's, or nothing (the whole package).
func aimedAt(t *methods.Task, modDir string, f *function) bool {
	if len(t.Funcs) > 0 {
		return slices.Contains(t.Funcs, f.Name)
	}
	rel, _ := filepath.Rel(modDir, f.File)
	return len(t.Files) == 0 || slices.Contains(t.Files, filepath.ToSlash(rel))
}

// declaredNames are the package-level names the files declare.
func declaredNames(files []string) map[string]bool {
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						names[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
	}
	return names
}

func (s *task) note(format string, args ...any) {
	s.res.Notes = append(s.res.Notes, fmt.Sprintf(format, args...))
}

func (s *task) logf(format string, args ...any) {
	if s.pass.Logf != nil {
		s.pass.Logf(format, args...)
	}
}
