// Package methods defines what an optimization method is and what it
// receives. A method turns one task — a package to improve — into
// candidate patches, each validated before it is handed back.
//
// Adding a method is writing one subpackage with a value that satisfies
// Method and adding it to the list in internal/pipeline.
package methods

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/analysis"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// Method proposes and validates changes for one task.
type Method interface {
	Name() string
	// Doc is a one-line description for --help.
	Doc() string
	Optimize(ctx context.Context, t *Task, env Env) (*Result, error)
}

// Task is one unit of work: a package of the module to improve.
type Task struct {
	ID        string
	Method    string // the name of the method the task is for
	Package   *analysis.Package
	Module    *analysis.Module
	Objective string
	// Feedback are the requests for changes that maintainers made in
	// reviews of the optimizer's open pull requests touching the package:
	// a method that asks a model passes them on in its prompt.
	Feedback []prompt.Feedback
}

// Env is everything a method may use, and nothing else.
type Env struct {
	// Worktree is the agent's own worktree, clean at the base commit. A
	// method may change it; Validate and the caller reset it.
	Worktree *gitx.Worktree
	// Validate judges a patch made against the worktree's commit, under
	// the run's objective.
	Validate func(ctx context.Context, patch []byte) (*validate.Report, error)
	// ValidateAs is Validate under another objective ("speed", "allocs",
	// "quality"), for methods whose change only makes sense for one (a
	// profile for profile-guided optimization is worth keeping only if it
	// makes the code faster).
	ValidateAs func(ctx context.Context, patch []byte, objective string) (*validate.Report, error)
	// ModuleDir is the module's directory inside Worktree.
	ModuleDir string
	// GoEnv is the environment for go commands and go/packages loads
	// (no network, read-only modules).
	GoEnv []string
	// Logf reports progress.
	Logf func(format string, args ...any)

	// ValidateTests judges a patch that only adds tests: every level with
	// the quality objective, the affected tests run repeat times in a row
	// (a test that fails once is not a characterization of the code), and
	// the coverage level asking the tests to raise coverage.
	ValidateTests func(ctx context.Context, patch []byte, repeat int) (*validate.Report, error)
	// ValidateProven is ValidateTests without the coverage gain, for tests
	// whose worth the method proves itself — tests that kill mutants the
	// method ran them against.
	ValidateProven func(ctx context.Context, patch []byte, repeat int) (*validate.Report, error)
	// Stage records patch as a commit on top of the worktree's and returns
	// an Env that works from it: its own worktree at that commit, and
	// validation whose base is that commit (its tests and benchmarks
	// included). release removes what Stage made. Methods that build on an
	// accepted step (tests first, then an optimization judged by them) use it.
	Stage func(ctx context.Context, patch []byte) (staged Env, release func(), err error)
	// Fork returns an Env like this one with its own worktree at the same
	// commit, for validating candidates side by side. It takes one of the
	// run's max_agents slots and fails with ErrNoSlot when every slot is
	// busy: the method then works on in the Env it has. release gives the
	// slot back and removes the worktree.
	Fork func(ctx context.Context) (forked Env, release func(), err error)

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
}

// ErrNoSlot is returned by Env.Fork when every agent slot of the run is busy.
var ErrNoSlot = errors.New("no agent slot is free")

// Rel returns a worktree path relative to the repository root, for
// messages and reports.
func (e Env) Rel(abs string) string {
	if r, err := filepath.Rel(e.Worktree.Dir, abs); err == nil {
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
	Findings []report.Finding `json:"findings,omitempty"`
}
