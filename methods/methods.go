// Package methods defines what an optimization method is and what it
// receives. A method turns one task — a package to improve — into
// candidate patches, each validated before it is handed back.
//
// A method is a value, as an analyzer of golang.org/x/tools/go/analysis
// is: a name, a doc line, whether it needs a model, its own options, and a
// Run function that receives a *Pass. Adding a method is writing one
// package that declares its Method and adding it to the list in
// methods/all; the pipeline, the configuration and the docs learn of it
// from there.
package methods

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// A Method proposes and validates changes for one task at a time.
type Method struct {
	// Name is the method's name on the command line and in reports:
	// lower-case words joined by hyphens.
	Name string
	// Doc is a one-line description for --help and the docs.
	Doc string
	// Model says whether the method asks a language model.
	Model ModelUse
	// Options are the method's own settings. Each is named here without
	// the method ("candidates"); the configuration knows it as
	// "<Name>.<option>" (see config.Option), and Run reads it with
	// Pass.Option.
	Options []config.Option
	// Run works on pass.Task and returns its candidates, each validated
	// with pass.Validate. An error means the task failed as a whole.
	Run func(ctx context.Context, pass *Pass) (*Result, error)
}

// ModelUse is whether a method asks a language model.
type ModelUse int

const (
	// NoModel methods are deterministic.
	NoModel ModelUse = iota
	// ModelOptional methods work without a model and do more with one.
	ModelOptional
	// ModelRequired methods propose nothing without a model.
	ModelRequired
)

// String is how the docs' methods table says it: "no", "optional" or
// "yes".
func (u ModelUse) String() string {
	switch u {
	case NoModel:
		return "no"
	case ModelOptional:
		return "optional"
	case ModelRequired:
		return "yes"
	}
	return fmt.Sprintf("ModelUse(%d)", int(u))
}

// Table is the methods table of docs/methods.md for ms: each method's
// name, whether it needs a model, its doc line and its options'
// configuration keys (docs/configuration.md describes them).
func Table(ms []*Method) string {
	var b strings.Builder
	b.WriteString("| method | needs a model | what it does | options |\n|---|---|---|---|\n")
	for _, m := range ms {
		var keys []string
		for _, k := range m.Keys() {
			keys = append(keys, "`"+k.Name+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.Name, m.Model, markdown.Cell(m.Doc), strings.Join(keys, ", "))
	}
	return b.String()
}

// Keys returns the method's options as the configuration knows them:
// named "<method>.<option>".
func (m *Method) Keys() []config.Option {
	keys := make([]config.Option, len(m.Options))
	for i, o := range m.Options {
		o.Name = m.Name + "." + o.Name
		keys[i] = o
	}
	return keys
}

// Task is one unit of work: a package of the module to improve.
type Task struct {
	ID        string
	Method    string // the name of the method the task is for
	Package   *source.Package
	Module    *source.Module
	Objective string
	// Files and Funcs narrow the task to what the user aimed at with
	// --paths FILE or FILE:FUNC: files of the package, relative to the
	// module root and slash-separated, and functions declared in them ("F",
	// "T.M"). Both empty: the whole package. A method that picks functions
	// picks among these; one that rewrites files rewrites only these.
	Files []string
	Funcs []string
	// Feedback are the requests for changes that maintainers made in
	// reviews of the optimizer's open pull requests touching the package:
	// a method that asks a model passes them on in its prompt.
	Feedback []prompt.Feedback
}

// A Pass is what a method's Run receives for one task: the task, the
// agent's worktree and the tools of the run, and, through its methods,
// validation. Methods read its fields and never change them.
type Pass struct {
	Method *Method
	Task   *Task
	// Config is the run's configuration; Option reads the method's
	// settings from it.
	Config *config.Config

	// Worktree is the agent's own worktree, clean at the commit the
	// pass's patches are made against. A method may change it: Propose
	// and Validate leave it clean again.
	Worktree *gitx.Worktree
	// ModuleDir is the module's directory inside Worktree.
	ModuleDir string
	// GoEnv is the environment for go commands and go/packages loads
	// (no network, read-only modules).
	GoEnv []string
	// Logf reports progress.
	Logf func(format string, args ...any)

	// Sandbox runs the module's code for methods that run it themselves
	// (mutants under the tests, fuzzing, profiling): confined like
	// validation's commands, with GoEnv's environment.
	Sandbox *sandbox.Runner
	// Timeout bounds one command a method runs in the sandbox.
	Timeout time.Duration
	// MinTestCoverage is the run's min_test_coverage, in percent: the
	// coverage of a changed function below which validation rejects the
	// change. Code the tests already cover that much needs no tests
	// written before it is changed.
	MinTestCoverage float64

	// LLM is the run's model router; nil when no model is configured, and
	// then LLMUnavailable says why.
	LLM            *llm.Router
	LLMUnavailable string
	// Secrets are values that must never reach a prompt (tokens and keys
	// of the run's environment).
	Secrets []string

	// Driver is the pipeline's side of the pass. Methods call the Pass's
	// methods (Validate, Stage, Fork), which call it.
	Driver Driver
}

// A Driver validates patches for a pass and makes the passes that Stage
// and Fork return. The pipeline implements it; a method's tests may too.
type Driver interface {
	// Validate judges patch, made against the pass's worktree commit,
	// under v.
	Validate(ctx context.Context, pass *Pass, patch []byte, v Validation) (*validate.Report, error)
	// Stage records patch as a commit on top of the pass's and returns a
	// pass that works from it; release removes what Stage made.
	Stage(ctx context.Context, pass *Pass, patch []byte) (staged *Pass, release func(), err error)
	// Fork returns a pass like this one in a worktree of its own, or
	// ErrNoSlot; release gives its slot back.
	Fork(ctx context.Context, pass *Pass) (forked *Pass, release func(), err error)
}

// Validation is how a patch is judged: the run's objective and levels,
// unless a ValidateOption says otherwise.
type Validation struct {
	// Objective replaces the run's ("speed", "allocs", "quality") when set.
	Objective string
	// Repeat is how many times in a row the affected tests run (go test
	// -count); 0 and 1 mean once.
	Repeat int
	// NoCoverageGain drops the coverage level's demand that added tests
	// raise coverage.
	NoCoverageGain bool
}

// A ValidateOption changes how Pass.Validate judges a patch.
type ValidateOption func(*Validation)

// Objective judges the patch under another objective, for methods whose
// change only makes sense for one (a profile for profile-guided
// optimization is worth keeping only if it makes the code faster).
func Objective(objective string) ValidateOption {
	return func(v *Validation) { v.Objective = objective }
}

// Tests judges a patch that only adds tests: every level with the quality
// objective, the affected tests run repeat times in a row (a test that
// fails once is not a characterization of the code), and the coverage
// level asking the tests to raise coverage.
func Tests(repeat int) ValidateOption {
	return func(v *Validation) { v.Objective, v.Repeat = "quality", repeat }
}

// Proven is Tests without the coverage gain, for tests whose worth the
// method proves itself — tests that kill mutants the method ran them against.
func Proven(repeat int) ValidateOption {
	return func(v *Validation) { v.Objective, v.Repeat, v.NoCoverageGain = "quality", repeat, true }
}

// Validate judges patch, made against the pass's worktree commit: every
// validation level, in a copy of the tree of its own. The worktree is
// clean afterwards.
func (p *Pass) Validate(ctx context.Context, patch []byte, opts ...ValidateOption) (*validate.Report, error) {
	var v Validation
	for _, o := range opts {
		o(&v)
	}
	return p.Driver.Validate(ctx, p, patch, v)
}

// Stage records patch as a commit on top of the worktree's and returns a
// pass that works from it: its own worktree at that commit, and validation
// whose base is that commit (its tests and benchmarks included). release
// removes what Stage made. Methods that build on an accepted step (tests
// first, then an optimization judged by them) use it.
func (p *Pass) Stage(ctx context.Context, patch []byte) (staged *Pass, release func(), err error) {
	return p.Driver.Stage(ctx, p, patch)
}

// Fork returns a pass like this one with its own worktree at the same
// commit, for validating candidates side by side. It takes one of the
// run's max_agents slots and fails with ErrNoSlot when every slot is busy:
// the method then works on in the pass it has. release gives the slot back
// and removes the worktree.
func (p *Pass) Fork(ctx context.Context) (forked *Pass, release func(), err error) {
	return p.Driver.Fork(ctx, p)
}

// ErrNoSlot is returned by Pass.Fork when every agent slot of the run is busy.
var ErrNoSlot = errors.New("no agent slot is free")

// Option returns the value of the method's option name (as its Parse
// returns it: an int, a time.Duration) in the run's configuration, or its
// default. It panics on a name the method does not declare.
func (p *Pass) Option(name string) any {
	for _, o := range p.Method.Options {
		if o.Name != name {
			continue
		}
		o.Name = p.Method.Name + "." + name // the key the configuration holds it under
		cfg := p.Config
		if cfg == nil {
			cfg = &config.Config{}
		}
		v, err := o.Value(cfg)
		if err != nil {
			panic(fmt.Sprintf("methods: option %s: %v (config.Load checks every option)", o.Name, err))
		}
		return v
	}
	panic("methods: " + p.Method.Name + " has no option " + name)
}

// Propose lets edit change the files of the pass's worktree (dir is the
// worktree's root) and returns what it changed as a candidate: its patch
// and reverse patch, the changed files (repository-relative), an ID that
// is a hash of the patch, and desc. The worktree is clean afterwards; an
// error of edit, of making the patch or of cleaning the tree is returned.
// An edit that changes nothing returns a nil candidate.
func (p *Pass) Propose(ctx context.Context, desc string, edit func(dir string) error) (c *Candidate, err error) {
	wt := p.Worktree
	defer func() {
		if rerr := wt.Reset(context.WithoutCancel(ctx)); rerr != nil {
			c, err = nil, errors.Join(err, rerr)
		}
	}()
	if err := edit(wt.Dir); err != nil {
		return nil, err
	}
	forward, err := wt.Diff(ctx, false)
	if err != nil || len(forward) == 0 {
		return nil, err
	}
	reverse, err := wt.Diff(ctx, true)
	if err != nil {
		return nil, err
	}
	names, err := wt.Git(ctx, "diff", "--cached", "--name-only", "--no-renames", "-z", wt.Commit)
	if err != nil {
		return nil, err
	}
	files := strings.FieldsFunc(names, func(r rune) bool { return r == 0 })
	slices.Sort(files)
	sum := sha256.Sum256(forward)
	return &Candidate{ID: hex.EncodeToString(sum[:])[:12], Description: desc, Files: files, Patch: forward, Reverse: reverse}, nil
}

// Rel returns a worktree path relative to the repository root, for
// messages and reports.
func (p *Pass) Rel(abs string) string {
	if r, err := filepath.Rel(p.Worktree.Dir, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return abs
}

// Candidate is one proposed change and its verdict.
type Candidate struct {
	ID          string           `json:"id"`
	Description string           `json:"description"`
	Analyzer    string           `json:"analyzer,omitempty"`
	Files       []string         `json:"files"`
	Fixes       int              `json:"fixes,omitempty"`
	SplitFrom   string           `json:"split_from,omitempty"` // the candidate this one was split from after a rejection
	Patch       []byte           `json:"-"`
	Reverse     []byte           `json:"-"`
	Validation  *validate.Report `json:"validation,omitempty"`
	Error       string           `json:"error,omitempty"` // why it could not be validated at all
	// IncludedIn names the accepted candidate whose patch contains this
	// one's: it is not stored on its own.
	IncludedIn string `json:"included_in,omitempty"`
	// Parent is the commit the candidate was validated against when it is
	// not the run's base (a step built on an earlier accepted one).
	Parent string `json:"parent,omitempty"`
	// SupersededBy names the accepted candidate that won over this one,
	// also accepted, for the same code (a tournament's winner, a later
	// round's revision): it is reported, not stored.
	SupersededBy string `json:"superseded_by,omitempty"`
}

// Accepted reports whether validation accepted the candidate.
func (c *Candidate) Accepted() bool { return c.Validation != nil && c.Validation.Accepted }

// Stored reports whether the candidate's patch is stored on its own: it
// is accepted, no other candidate's patch includes it and none won over it.
func (c *Candidate) Stored() bool { return c.Accepted() && c.IncludedIn == "" && c.SupersededBy == "" }

// Result is what a method returns for a task.
type Result struct {
	Candidates []*Candidate `json:"candidates"`
	// Notes are things the user should know: dropped conflicting fixes,
	// exhausted budgets, analyzer errors.
	Notes []string `json:"notes,omitempty"`
	// Details is what the method has to say beyond its candidates — a
	// tournament's leaderboard, a reward history, a mutation table — as a
	// value that encodes to JSON. It goes into the task's report as is.
	Details any `json:"details,omitempty"`
	// Findings are what the method found that is not a change — weaknesses,
	// crashes — each rendered by the method as an issue for a person to act
	// on. Change control publishes them as they are.
	Findings []Finding `json:"findings,omitempty"`
}
