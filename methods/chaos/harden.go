package chaos

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/edit"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/internal/ask"
)

// RejectedByMutants is the RejectedBy of tests that validation accepted
// but that kill none of the surviving mutants they were written for.
const RejectedByMutants = "mutants"

// harden proposes the changes that make the package stronger: the fuzz
// targets that found nothing, and, with a model, tests for the surviving
// mutants and fixes of the crashes.
func (s *task) harden(ctx context.Context) {
	s.fuzzCandidate(ctx)
	if ctx.Err() != nil {
		return
	}
	if s.pass.LLM == nil {
		if s.hasWeaknesses() {
			s.note("no model is available: with one, the method would also propose tests for the surviving mutants and fixes of the crashes")
		}
		return
	}
	s.killSurvivors(ctx)
	s.fixCrashes(ctx)
}

func (s *task) hasWeaknesses() bool {
	return len(s.survivors()) > 0 || len(s.crashes()) > 0
}

// fuzzCandidate proposes the fuzz targets that ran without a crash, as
// tests: their seeds run on every go test, and go test -fuzz can go on
// from them.
func (s *task) fuzzCandidate(ctx context.Context) {
	var keep []*fuzzTarget
	var fns []string
	for _, t := range s.fuzzTargets {
		i := slices.IndexFunc(s.det.Fuzz, func(r FuzzReport) bool { return r.Target == t.name })
		if i >= 0 && !s.det.Fuzz[i].Crashed && s.det.Fuzz[i].Error == "" {
			keep = append(keep, t)
			fns = append(fns, t.fn.Name)
		}
	}
	if len(keep) == 0 {
		return
	}
	// testing.F came with Go 1.18: a module that declares an older go
	// promises to build with toolchains that lack it.
	if v := s.t.Module.GoVersion; v != "" && version.Compare("go"+v, "go1.18") < 0 {
		s.note("fuzz targets for %s not proposed: the module declares go %s and fuzz tests need go 1.18 (the fuzzing above ran with this toolchain)", strings.Join(fns, ", "), v)
		return
	}
	src, err := fuzzFile(s.pkg.Name, keep)
	if err != nil {
		s.note("fuzz targets not proposed: %v", err)
		return
	}
	file := filepath.Join(s.pkg.Dir, fuzzFileName)
	c, err := s.pass.Propose(ctx, "fuzz targets for "+strings.Join(fns, ", "), func(string) error { return os.WriteFile(file, src, 0o644) })
	if err != nil || c == nil {
		s.note("fuzz targets not proposed: %v", cmp.Or(err, errors.New("the file changed nothing")))
		return
	}
	c.ID = ask.ID(s.t.ID, "fuzz targets", 0, string(c.Patch))
	s.logf("validate %s (%s)", c.ID, c.Description)
	rep, err := s.pass.Validate(ctx, c.Patch, methods.Tests(1))
	if err != nil {
		c.Error = "could not be validated: " + err.Error()
	}
	c.Validation = rep
	s.res.Candidates = append(s.res.Candidates, c)
}

// apply applies a patch made against the worktree's commit.
func (s *task) apply(ctx context.Context, patch []byte) error {
	return gitx.Apply(ctx, s.pass.Worktree.Dir, patch, gitx.ApplyOptions{})
}

// survivors are the mutants the tests let through, surviving ones first.
func (s *task) survivors() []MutantResult {
	if s.det.Mutation == nil {
		return nil
	}
	var out []MutantResult
	for _, status := range []string{StatusSurvived, StatusUncovered} {
		for _, m := range s.det.Mutation.Mutants {
			if m.Status == status {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *task) crashes() []FuzzReport {
	var out []FuzzReport
	for _, r := range s.det.Fuzz {
		if r.Crashed {
			out = append(out, r)
		}
	}
	return out
}

// maxTargeted caps the mutants one request for tests names.
const maxTargeted = 8

// maxFixes caps the crashes the model is asked to fix.
const maxFixes = 2

const system = `You are a senior Go engineer making a Go package more robust. ` +
	`You are shown only the code that matters and what testing found. ` +
	`Answer with edits only, in this format, and nothing the task does not ask for.

`

// killSurvivors asks for tests that fail on the surviving mutants and
// pass on the code as it is; validation judges them, then they must kill
// at least one of the mutants.
func (s *task) killSurvivors(ctx context.Context) {
	targeted := s.survivors()
	if len(targeted) == 0 {
		return
	}
	if len(targeted) > maxTargeted {
		targeted = targeted[:maxTargeted]
	}
	var fns []string
	for _, m := range targeted {
		if m.Func != "" && !slices.Contains(fns, m.Func) {
			fns = append(fns, m.Func)
		}
	}
	code, err := s.context(fns)
	if err != nil {
		s.note("tests for the surviving mutants not asked for: %v", err)
		return
	}
	file := inModule(s.pkgRel, "chaos_optimizer_test.go")
	var list strings.Builder
	for i, m := range targeted {
		mutated := cmp.Or(m.Mutated, "(removed)")
		fmt.Fprintf(&list, "%d. %s:%d: %s: %s → %s (%s)\n```diff\n%s```\n", i+1, m.mutant.File, m.Line, m.Operator, m.Original, mutated,
			strings.Replace(m.Status, StatusUncovered, "no test runs this line", 1), m.mutant.Patch)
	}
	question := fmt.Sprintf(`%s
## Surviving mutants
Each of these small changes to the code leaves every test of the package passing:
%s
## Task
Write tests that fail on each of these mutants and pass on the code as it is. Test the behaviour the mutated line decides (a boundary, a branch, an error path), with inputs the existing tests do not use.
Put everything in the new file %s (package %s). Do not change any other file. The tests must be deterministic: no sleeps, no randomness without a fixed seed, no dependence on map order or the clock.
`, code, list.String(), file, s.pkg.Name)
	limit := s.mutantLimit
	var kills int
	s.converse(ctx, question, ask.Step{
		Task: s.t.ID, Kind: "tests", Allowed: []string{file},
		Describe: func(files []string) string {
			d := fmt.Sprintf("tests for %d surviving mutants", len(targeted))
			if kills > 0 {
				d += fmt.Sprintf(" (they kill %d of them)", kills)
			}
			return d + " (" + strings.Join(files, ", ") + ")"
		},
		Validate: func(ctx context.Context, patch []byte, _ ...methods.ValidateOption) (*validate.Report, error) {
			kills = 0
			// Their worth is the mutants they kill, checked below, not
			// the coverage they add: a survivor sits on a covered line.
			rep, err := s.pass.Validate(ctx, patch, methods.Proven(modelRepeat))
			if err != nil || !rep.Accepted {
				return rep, err
			}
			for _, m := range targeted {
				if r := s.runMutant(ctx, m.mutant, patch, limit); r.detected() {
					kills++
				}
			}
			detail := fmt.Sprintf("the tests kill %d of the %d mutants they were written for", kills, len(targeted))
			if kills == 0 {
				rep.Accepted, rep.RejectedBy = false, RejectedByMutants
				rep.Levels = append(rep.Levels, validate.Level{Name: RejectedByMutants, Status: validate.Fail, Detail: detail})
				return rep, nil
			}
			rep.Levels = append(rep.Levels, validate.Level{Name: RejectedByMutants, Status: validate.Pass, Detail: detail})
			s.note("candidate tests kill %d of the %d surviving mutants they were written for", kills, len(targeted))
			return rep, nil
		},
	})
}

// modelRepeat is how many times in a row a model's tests must pass on
// the unchanged code.
const modelRepeat = 3

// fixCrashes asks, for each crash, for a fix of the package's code and a
// regression test that replays the crashing input.
func (s *task) fixCrashes(ctx context.Context) {
	var allowed []string
	for _, f := range s.pkg.SourceFiles() {
		if rel, err := filepath.Rel(s.mod.Dir, f); err == nil {
			allowed = append(allowed, filepath.ToSlash(rel))
		}
	}
	for i, c := range s.crashes() {
		if i == maxFixes {
			s.note("%d more crashes not sent to the model", len(s.crashes())-maxFixes)
			return
		}
		if ctx.Err() != nil {
			return
		}
		code, err := s.context([]string{c.Function})
		if err != nil {
			s.note("no fix asked for the crash of %s: %v", c.Function, err)
			continue
		}
		test := inModule(s.pkgRel, snake(c.Function)+"_crash_optimizer_test.go")
		where := "a line outside the package"
		if loc := c.Reproducer.Location; loc != "" {
			// The prompt's paths are module-relative; the report's are not.
			where = loc
			if rel, err := filepath.Rel(s.mod.Dir, filepath.Join(s.pass.Worktree.Dir, filepath.FromSlash(loc))); err == nil {
				where = filepath.ToSlash(rel)
			}
		}
		question := fmt.Sprintf(`%s
## Crash
Fuzzing %s with go test -fuzz made it fail at %s:
    %s
on this input (go test's corpus format: one line per argument):
%s## Task
Fix %s so that no input makes it panic, keeping its behaviour on every input that did not crash: the existing tests must pass unchanged. Then add a regression test, in the new file %s (package %s), that calls %s with exactly this input and checks the result you expect.
You may edit only these files: %s.
`, code, c.Function, where, c.Reproducer.Panic, markdown.Fence(c.Reproducer.Input, ""), c.Function, test, s.pkg.Name, c.Function, strings.Join(append(slices.Clone(allowed), test), ", "))
		fn := c.Function
		s.converse(ctx, question, ask.Step{
			Task: s.t.ID, Kind: "fix " + fn, Allowed: append(slices.Clone(allowed), test),
			Describe: func(files []string) string {
				return fmt.Sprintf("fix of the crash of %s (%s) with a regression test (%s)", fn, c.Reproducer.Panic, strings.Join(files, ", "))
			},
			Validate: s.pass.Validate,
		})
	}
}

// context renders the code context of the named functions, or of the
// package's top target when none is named or known.
func (s *task) context(fns []string) (string, error) {
	opt := prompt.Options{Objective: "quality", Secrets: s.pass.Secrets, Feedback: s.t.Feedback}
	c, err := prompt.Build(s.mod, s.pkg, fns, opt)
	if err != nil && len(fns) > 0 {
		c, err = prompt.Build(s.mod, s.pkg, nil, opt)
	}
	if err != nil {
		return "", err
	}
	return withoutObjective(c.Text), nil
}

// withoutObjective drops the objective statement from a code context,
// keeping its constraints: the prompt package words it for rewrites, and
// chaos asks for tests and fixes.
func withoutObjective(text string) string {
	const head, list = "## Objective: quality\n\n", "\n\nConstraints:\n"
	i := strings.Index(text, head)
	if i < 0 {
		return text
	}
	j := strings.Index(text[i:], list)
	if j < 0 {
		return text
	}
	return text[:i] + "## Constraints\n\n" + text[i+j+len(list):]
}

// converse asks the model, turns each answer into a candidate, validates
// it, and feeds the reason of every rejection back, until a candidate is
// accepted or the attempts are used up.
func (s *task) converse(ctx context.Context, question string, st ask.Step) *methods.Candidate {
	redact := func(text string) string { return prompt.Redact(text, s.pass.Secrets) }
	msgs := []llm.Message{{Role: llm.RoleUser, Content: redact(question)}}
	temperature := 0.2
	attempts := s.m.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for attempt := 1; attempt <= attempts; attempt++ {
		resp, err := s.pass.LLM.Complete(ctx, llm.Request{
			Task: s.t.ID, System: system + edit.Instructions, Messages: msgs, Temperature: &temperature,
		})
		if err != nil {
			if ctx.Err() == nil {
				s.note("the model could not be asked (%s): %v", st.Kind, err)
			}
			return nil
		}
		msgs = append(msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Text})
		c, feedback := ask.Candidate(ctx, s.pass, s.t.Objective, st, attempt, resp.Text)
		if len(c.Files) > 0 {
			c.Description = st.Describe(c.Files) // what validation learnt
		}
		s.res.Candidates = append(s.res.Candidates, c)
		if c.Accepted() {
			s.logf("%s %s accepted", st.Kind, c.ID)
			return c
		}
		s.logf("%s %s rejected: %s", st.Kind, c.ID, ask.Why(c))
		msgs = append(msgs, llm.Message{Role: llm.RoleUser, Content: redact(feedback)})
	}
	return nil
}

// inModule is the module-relative path of a file of the package.
func inModule(pkgRel, name string) string {
	if pkgRel == "." || pkgRel == "" {
		return name
	}
	return pkgRel + "/" + name
}

// snake turns a Go name into lower-case words joined by underscores.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}
