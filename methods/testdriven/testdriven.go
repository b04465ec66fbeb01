// Package testdriven is the test-driven method: before a model may touch a
// function, it must pin the function's behaviour down with tests that the
// validation accepts — they build, pass several times in a row on the code
// as it is, and raise coverage — unless the existing tests already cover
// it at min_test_coverage. Then it asks for an optimization, judged on
// top of those tests (and of a benchmark the model wrote, when the function
// had none). The accepted patch holds the tests and the optimization; when
// no optimization survives, it holds the tests alone, which still have value.
//
// Every answer that is not a usable edit — no edit at all, a SEARCH that
// matches nothing, a file outside the task — is a rejected candidate whose
// reason becomes the model's next prompt, as is every validation failure.
package testdriven

import (
	"context"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/internal/ask"
)

// Name is the method's name in the registry and on the command line.
const Name = "test-driven"

// Defaults of the method's settings.
const (
	DefaultAttempts = 3 // model answers per step: the first and two after feedback
	DefaultRepeat   = 5 // runs in a row new tests must pass on the unchanged code
)

// Method is the test-driven method.
var Method = &methods.Method{
	Name:  Name,
	Doc:   "model writes characterization tests (kept only if they pass 5 times and raise coverage; none for code already covered at min_test_coverage), then an optimization judged by them",
	Model: methods.ModelRequired,
	Run: func(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
		return (&method{Attempts: DefaultAttempts, Repeat: DefaultRepeat}).run(ctx, pass)
	},
}

// method is the state of the method for one task.
type method struct {
	// Attempts is how many answers the model may give per step, each
	// after the feedback on the one before.
	Attempts int
	// Repeat is how many times in a row the new tests must pass on the
	// code as it is.
	Repeat int
	// Budget is the token budget of the code context in each prompt; 0
	// means prompt.DefaultBudget.
	Budget int
}

// task is one Optimize call's state.
type task struct {
	m       *method
	t       *methods.Task
	pass    *methods.Pass
	res     *methods.Result
	target  string
	tg      *ask.Target
	pkgRel  string // the package directory, relative to the module root: paths in prompts and edits are
	context *prompt.Context
	stop    error // the model can no longer be asked (router exhausted, budget spent)
}

// run runs the two steps for the package's most promising function.
func (m *method) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	tg, res, err := ask.Start(Name, t, pass, m.Budget)
	if tg == nil {
		return res, err
	}
	s := &task{m: m, t: t, pass: pass, res: res, target: tg.Name, tg: tg, pkgRel: tg.PkgRel, context: tg.Context}

	// Code the existing tests already pin down at min_test_coverage or
	// above needs no characterization tests: only a benchmark, when the
	// objective is speed or allocations and none covers it.
	pct, tested, err := tg.Coverage(ctx, pass)
	if err != nil {
		return res, err
	}
	covered := tested && pct > 0 && pct >= pass.MinTestCoverage
	var tests *methods.Candidate
	switch {
	case covered && (len(s.context.Benchmarks) > 0 || t.Objective == "quality"):
		res.Notes = append(res.Notes, fmt.Sprintf("the existing tests cover %.1f%% of %s (min_test_coverage %g%%): no characterization tests written; the optimization is judged by them", pct, s.target, pass.MinTestCoverage))
	case covered:
		res.Notes = append(res.Notes, fmt.Sprintf("the existing tests cover %.1f%% of %s (min_test_coverage %g%%): no characterization tests written, only the benchmark it lacks", pct, s.target, pass.MinTestCoverage))
		if tests = s.pinDown(ctx, false); tests == nil {
			s.noteStop()
			if s.stop == nil {
				res.Notes = append(res.Notes, fmt.Sprintf("no benchmark of %s survived validation in %d attempts: nothing could measure an optimization", s.target, m.attempts()))
			}
			return res, nil
		}
	default:
		if tests = s.pinDown(ctx, true); tests == nil {
			s.noteStop()
			if s.stop == nil {
				res.Notes = append(res.Notes, fmt.Sprintf("no characterization test for %s survived validation in %d attempts; the method does not optimize code it cannot pin down", s.target, m.attempts()))
			}
			return res, nil
		}
	}
	opt := s.optimize(ctx, tests)
	if opt == nil {
		s.noteStop()
		switch {
		case tests == nil:
			res.Notes = append(res.Notes, fmt.Sprintf("no optimization of %s survived validation", s.target))
		case covered:
			res.Notes = append(res.Notes, fmt.Sprintf("no optimization of %s survived validation; the benchmark is proposed alone: it measures %s", s.target, s.target))
		default:
			res.Notes = append(res.Notes, fmt.Sprintf("no optimization of %s survived validation; the characterization tests are proposed alone: they pin its behaviour and raise coverage", s.target))
		}
		return res, nil
	}
	if tests != nil {
		if err := s.combine(ctx, tests, opt); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (m *method) attempts() int { return max(m.Attempts, 1) }

func (s *task) noteStop() {
	if s.stop != nil {
		s.res.Notes = append(s.res.Notes, "the model could not be asked any more: "+s.stop.Error())
	}
}

// testFile is the file the characterization tests go in, repository-relative:
// "Writer.Write" → writer_write_optimizer_test.go, "parseHTTPLine" →
// parse_http_line_optimizer_test.go.
func (s *task) testFile() string {
	return path.Join(s.pkgRel, snake(strings.ReplaceAll(s.target, ".", "_"))+"_optimizer_test.go")
}

// newTestFile moves a new test file the model names otherwise, in the
// target's package, to file: a test file of its own harms nothing, and the
// canonical name keeps the tests of one target together. A test file the
// package already has stays the package's: it is not for this step.
func (s *task) newTestFile(file string) func(string) (string, bool) {
	return func(p string) (string, bool) {
		p = path.Clean(filepath.ToSlash(p))
		if p == file || path.Dir(p) != path.Dir(file) || !strings.HasSuffix(p, "_test.go") {
			return "", false
		}
		if _, err := os.Lstat(filepath.Join(s.pass.ModuleDir, filepath.FromSlash(p))); !errors.Is(err, fs.ErrNotExist) {
			return "", false
		}
		return file, true
	}
}

// snake turns a Go name into lower-case words joined by underscores,
// keeping acronyms whole.
func snake(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && rs[i-1] != '_' {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			acronymEnd := unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || acronymEnd {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// pinDown asks for tests that pin the target's behaviour (and a benchmark
// when none covers it), or with characterize false for the benchmark
// alone, and returns the accepted candidate, or nil. Tests must raise
// coverage; a benchmark alone need not.
func (s *task) pinDown(ctx context.Context, characterize bool) *methods.Candidate {
	file := s.testFile()
	bench := ""
	if len(s.context.Benchmarks) == 0 {
		loop := "for range b.N { … }"
		if v := s.t.Module.GoVersion; v != "" && version.Compare("go"+v, "go1.24") >= 0 {
			loop = "for b.Loop() { … }"
		}
		bench = fmt.Sprintf("\nThe function has no benchmark: add one, named Benchmark%s, that exercises it on a realistic input large enough to take at least a microsecond per call, with the setup before the loop and the loop written %s. ", benchName(s.target), loop)
	}
	if !characterize {
		question := fmt.Sprintf(`%s
## Task
The existing tests pin down what %s does.%s
Put it in the new file %s (package %s, the package's own test package). Do not change any other file.
`, s.context.Text, s.target, bench, file, s.t.Package.Name)
		return s.converse(ctx, step{
			kind: "benchmark", ask: question, allowed: []string{file}, rename: s.newTestFile(file),
			describe: func(files []string) string {
				return "a benchmark of " + s.target + " (" + strings.Join(files, ", ") + ")"
			},
			validate: func(ctx context.Context, p []byte, _ ...methods.ValidateOption) (*validate.Report, error) {
				return s.pass.Validate(ctx, p, methods.Proven(s.m.Repeat))
			},
		})
	}
	question := fmt.Sprintf(`%s
## Task
Write characterization tests for %s: tests that pin down what it does today, including edge cases (empty and nil inputs, boundaries, ties, unusual values) that the existing tests miss, so that any change of behaviour fails them. Test the code as it is, even where its behaviour looks odd.%s
Put everything in the new file %s (package %s, the package's own test package). Do not change any other file. The tests must be deterministic: no sleeps, no randomness without a fixed seed, no dependence on map order or the clock.
`, s.context.Text, s.target, bench, file, s.t.Package.Name)
	return s.converse(ctx, step{
		kind: "tests", ask: question, allowed: []string{file}, rename: s.newTestFile(file),
		describe: func(files []string) string {
			d := "characterization tests for " + s.target
			if bench != "" {
				d += " and a benchmark"
			}
			return d + " (" + strings.Join(files, ", ") + ")"
		},
		validate: func(ctx context.Context, p []byte, _ ...methods.ValidateOption) (*validate.Report, error) {
			return s.pass.Validate(ctx, p, methods.Tests(s.m.Repeat))
		},
	})
}

// optimize stages the accepted tests (when there are some: code the
// existing tests cover needs none) and asks for an optimization judged on
// top of them. It returns the accepted candidate, or nil.
func (s *task) optimize(ctx context.Context, tests *methods.Candidate) *methods.Candidate {
	staged, pinned := s.pass, "The existing tests, quoted above where they exercise it, pin its behaviour down.\n"
	if tests != nil {
		var release func()
		var err error
		staged, release, err = s.pass.Stage(ctx, tests.Patch)
		if err != nil {
			s.res.Notes = append(s.res.Notes, "could not stage the accepted tests: "+err.Error())
			return nil
		}
		defer release()
		pinned = ask.QuoteFiles(staged.Worktree.Dir, staged.ModuleDir, tests.Files)
	}
	allowed := s.tg.SourceFiles()
	goal := ask.Goal(s.t.Objective)
	question := fmt.Sprintf(`%s
## Tests that now pin its behaviour
%s
## Task
Change %s. %s
Its behaviour must stay exactly the same: the tests above and the existing ones must pass unchanged. Edit only these files: %s. Do not edit any test.
`, s.context.Text, pinned, s.target, goal, strings.Join(allowed, ", "))
	s2 := *s
	s2.pass = staged
	c := s2.converse(ctx, step{
		kind: "optimization", ask: question, allowed: allowed,
		describe: func(files []string) string {
			return fmt.Sprintf("%s of %s (%s)", ask.Change(s.t.Objective), s.target, strings.Join(files, ", "))
		},
		validate: staged.Validate,
	})
	s.stop = s2.stop
	if c != nil && tests != nil {
		c.Parent = staged.Worktree.Commit
	}
	return c
}

// combine makes opt's patch the tests and the optimization together,
// against the run's base, and marks tests as included in it.
func (s *task) combine(ctx context.Context, tests, opt *methods.Candidate) error {
	both, err := s.pass.Propose(ctx, "", func(dir string) error {
		for _, p := range [][]byte{tests.Patch, opt.Patch} {
			if err := gitx.Apply(ctx, dir, p, gitx.ApplyOptions{}); err != nil {
				return fmt.Errorf("test-driven: combine tests and optimization: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if both == nil {
		return errors.New("test-driven: the tests and the optimization together change nothing")
	}
	opt.Patch, opt.Reverse, opt.Files = both.Patch, both.Reverse, both.Files
	opt.Description += " with " + tests.Description
	opt.Parent = ""
	tests.IncludedIn = opt.ID
	s.res.Notes = append(s.res.Notes, fmt.Sprintf("candidate %s holds the tests of %s and the optimization validated on top of them", opt.ID, tests.ID))
	return nil
}

// step is one conversation: a first prompt, the files the answers may
// change, and the judge.
type step struct {
	kind     string
	ask      string
	allowed  []string
	rename   func(path string) (string, bool)
	describe func(files []string) string
	validate func(ctx context.Context, patch []byte, opts ...methods.ValidateOption) (*validate.Report, error)
}

// converse asks the model, turns each answer into a candidate, validates
// it, and feeds the reason of every rejection back, until a candidate is
// accepted or the attempts are used up. It returns the accepted
// candidate, or nil.
func (s *task) converse(ctx context.Context, st step) *methods.Candidate {
	// Everything sent is redacted once more: validation output and the
	// model's own tests quote code and logs the context did not vet.
	redact := func(text string) string { return prompt.Redact(text, s.pass.Secrets) }
	msgs := []llm.Message{{Role: llm.RoleUser, Content: redact(st.ask)}}
	temperature := 0.2
	for attempt := 1; attempt <= s.m.attempts(); attempt++ {
		resp, err := s.pass.LLM.Complete(ctx, llm.Request{
			Task: s.t.ID, System: ask.System, Messages: msgs, Temperature: &temperature,
		})
		if err != nil {
			if ctx.Err() == nil {
				s.stop = err
			}
			return nil
		}
		msgs = append(msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Text})
		c, feedback := ask.Candidate(ctx, s.pass, s.t.Objective, ask.Step{
			Task: s.t.ID, Kind: st.kind, Allowed: st.allowed, Rename: st.rename, Describe: st.describe, Validate: st.validate,
		}, attempt, resp.Text)
		s.res.Candidates = append(s.res.Candidates, c)
		if c.Accepted() {
			s.pass.Logf("%s %s accepted", st.kind, c.ID)
			return c
		}
		s.pass.Logf("%s %s rejected: %s", st.kind, c.ID, ask.Why(c))
		msgs = append(msgs, llm.Message{Role: llm.RoleUser, Content: redact(feedback)})
	}
	return nil
}

// benchName is the Benchmark name suffix for a target: "Top" or "Set_Add".
func benchName(target string) string { return strings.ReplaceAll(target, ".", "_") }
