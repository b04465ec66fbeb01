package chaos

import (
	"cmp"
	"context"
	"fmt"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/mutate"
	"github.com/agentic-optimizer/optimizer/internal/testjson"
)

// Mutant statuses. A timeout counts as detected, as in PIT: a mutant
// that makes the tests hang is noticed by them.
const (
	StatusKilled    = "killed"
	StatusTimeout   = "timeout"
	StatusSurvived  = "survived"
	StatusUncovered = "uncovered"  // on a line no test runs: not run, counted as a survivor
	StatusNotViable = "not_viable" // does not build: left out of the score
)

// MutationReport is the mutation testing of one package.
type MutationReport struct {
	// Score is the share of the viable mutants that the tests detect
	// (killed or timed out), uncovered ones counted as survivors. When
	// the covered mutants were sampled it is an estimate: the detection
	// rate of the sample times the share of mutants that are covered.
	Score float64 `json:"score"`
	// Strength is the share detected among the covered mutants run: how
	// well the tests check the code they execute.
	Strength  float64 `json:"test_strength"`
	Killed    int     `json:"killed"`
	Timeout   int     `json:"timeout"`
	Survived  int     `json:"survived"`
	Uncovered int     `json:"uncovered"`
	NotViable int     `json:"not_viable"`
	Generated int     `json:"generated"` // every mutant of the package
	Run       int     `json:"run"`       // the mutants the tests ran against
	// Sampled is set when fewer covered mutants were run than there are
	// (max_mutants, or the run's time ran out).
	Sampled    bool  `json:"sampled"`
	BaseMS     int64 `json:"base_ms"` // the tests on the unchanged code, with coverage
	DurationMS int64 `json:"duration_ms"`
	// Mutants are the mutants run and the uncovered ones; sampled-out
	// ones are not listed.
	Mutants []MutantResult `json:"mutants"`
}

// MutantResult is one mutant and what the tests made of it.
type MutantResult struct {
	ID         string `json:"id"`
	File       string `json:"file"` // repository-relative
	Line       int    `json:"line"`
	Col        int    `json:"col"`
	Func       string `json:"func,omitempty"`
	Operator   string `json:"operator"`
	Original   string `json:"original"`
	Mutated    string `json:"mutated"`
	Status     string `json:"status"`
	KilledBy   string `json:"killed_by,omitempty"` // the first test that failed
	Detail     string `json:"detail,omitempty"`    // why it did not build
	DurationMS int64  `json:"duration_ms,omitempty"`

	mutant mutate.Mutant
}

// String is the mutant in one line: "file:line: operator: original → mutated".
func (m MutantResult) String() string {
	mutated := m.Mutated
	if mutated == "" {
		mutated = "(removed)"
	}
	return fmt.Sprintf("%s:%d: %s: %s → %s", m.File, m.Line, m.Operator, m.Original, mutated)
}

func (m MutantResult) detected() bool { return m.Status == StatusKilled || m.Status == StatusTimeout }

// A mutant's tests get ten times as long as the tests of the unchanged
// code took to run (the test binary, not the build), and at least
// minMutantTimeout; a mutant that makes them run longer counts as
// detected, as one that makes them hang.
const (
	mutantTimeoutFactor = 10
	minMutantTimeout    = 10 * time.Second
)

// mutation runs the package's tests once on the unchanged code with a
// coverage profile, then against each covered mutant (a spread sample of
// at most MaxMutants), and records the verdicts.
func (s *task) mutation(ctx context.Context) {
	start := time.Now()
	// The patches are module-relative, as the paths of the prompts are.
	gen, err := mutate.Generate(s.mod.Dir, s.pkg.Dir, mutate.Options{Max: -1})
	if err != nil {
		s.note("mutation testing skipped: %v", err)
		return
	}
	for _, n := range gen.Notes {
		s.note("mutants: %s", n)
	}
	if len(gen.Mutants) == 0 {
		s.note("mutation testing: the package has no code to mutate")
		return
	}
	rep := &MutationReport{Generated: len(gen.Mutants)}

	cover, base, err := s.baseRun(ctx)
	if err != nil {
		s.note("mutation testing skipped: %v", err)
		return
	}
	rep.BaseMS = base.total.Milliseconds()
	var covered []mutate.Mutant
	for _, m := range gen.Mutants {
		if cover.covers(m) {
			covered = append(covered, m)
			continue
		}
		rep.Mutants = append(rep.Mutants, s.result(m, StatusUncovered))
	}
	run := covered
	if s.m.MaxMutants > 0 && len(covered) > s.m.MaxMutants {
		run = spread(covered, s.m.MaxMutants)
		rep.Sampled = true
	}
	limit := s.mutantTimeout(base.tests)
	s.mutantLimit = limit
	s.logf("mutation: %d mutants, %d covered, running %d (tests run in %v, %v a mutant at most)", len(gen.Mutants), len(covered), len(run), base.tests.Round(time.Millisecond), limit)
	for i, m := range run {
		if ctx.Err() != nil {
			rep.Sampled = true
			s.note("mutation testing stopped after %d of %d mutants: %v", i, len(run), context.Cause(ctx))
			break
		}
		r := s.runMutant(ctx, m, nil, limit)
		if ctx.Err() != nil {
			// The run was stopped under the mutant: no verdict.
			rep.Sampled = true
			s.note("mutation testing stopped after %d of %d mutants: %v", i, len(run), context.Cause(ctx))
			break
		}
		rep.Mutants = append(rep.Mutants, r)
		rep.Run++
	}
	slices.SortStableFunc(rep.Mutants, func(a, b MutantResult) int {
		return cmp.Or(strings.Compare(a.File, b.File), a.Line-b.Line, a.Col-b.Col, strings.Compare(a.Operator, b.Operator))
	})
	for _, m := range rep.Mutants {
		switch m.Status {
		case StatusKilled:
			rep.Killed++
		case StatusTimeout:
			rep.Timeout++
		case StatusSurvived:
			rep.Survived++
		case StatusUncovered:
			rep.Uncovered++
		case StatusNotViable:
			rep.NotViable++
		}
	}
	rep.Score, rep.Strength = score(rep.Killed+rep.Timeout, rep.Survived, rep.NotViable, rep.Uncovered, len(covered))
	rep.DurationMS = time.Since(start).Milliseconds()
	s.det.Mutation = rep
	s.mutationNotes(rep)
}

// score is the share of viable mutants detected, and the share among the
// covered ones run. detected, survived and notViable count the mutants
// run; covered counts every covered mutant, run or not. With every
// covered mutant run, the score is detected/(detected+survived+uncovered).
func score(detected, survived, notViable, uncovered, covered int) (score, strength float64) {
	ran := detected + survived + notViable
	if detected+survived > 0 {
		strength = float64(detected) / float64(detected+survived)
	}
	if ran == 0 {
		return 0, strength
	}
	// The covered mutants that would be viable, estimated from the ones run.
	viableCovered := float64(covered) * float64(detected+survived) / float64(ran)
	if viableCovered+float64(uncovered) == 0 {
		return 0, strength
	}
	return strength * viableCovered / (viableCovered + float64(uncovered)), strength
}

func (s *task) mutationNotes(rep *MutationReport) {
	sampled := ""
	if rep.Sampled {
		sampled = ", a sample of the covered ones, so the score is an estimate"
	}
	s.note("mutation score %.0f%% (test strength %.0f%%): %d killed, %d timed out, %d survived, %d uncovered, %d not viable; %d run of %d generated%s, in %v%s",
		100*rep.Score, 100*rep.Strength, rep.Killed, rep.Timeout, rep.Survived, rep.Uncovered, rep.NotViable, rep.Run, rep.Generated, sampled,
		(time.Duration(rep.DurationMS) * time.Millisecond).Round(100*time.Millisecond), perMutant(rep))
	var survived []MutantResult
	uncovered := map[string][]int{} // lines by function
	var fns []string
	for _, m := range rep.Mutants {
		switch m.Status {
		case StatusSurvived:
			survived = append(survived, m)
		case StatusUncovered:
			fn := cmp.Or(m.Func, "package-level code") + " (" + m.File
			if uncovered[fn] == nil {
				fns = append(fns, fn)
			}
			uncovered[fn] = append(uncovered[fn], m.Line)
		}
	}
	for i, m := range survived {
		if i == maxListed {
			s.note("… and %d more surviving mutants (see the details)", len(survived)-maxListed)
			break
		}
		s.note("%s survived", m)
	}
	if len(fns) > 0 {
		var parts []string
		for _, fn := range fns {
			lines := slices.Compact(uncovered[fn])
			where := fmt.Sprint(lines[0])
			if len(lines) > 1 {
				where += fmt.Sprintf("-%d", lines[len(lines)-1])
			}
			parts = append(parts, fmt.Sprintf("%s:%s, %s)", fn, where, plural(len(uncovered[fn]), "mutant")))
		}
		s.note("not covered by any test: %s", strings.Join(parts, "; "))
	}
}

// plural is "1 mutant", "2 mutants".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func perMutant(rep *MutationReport) string {
	if rep.Run == 0 {
		return ""
	}
	var sum int64
	for _, m := range rep.Mutants {
		sum += m.DurationMS
	}
	return fmt.Sprintf(" (%v a mutant)", (time.Duration(sum/int64(rep.Run)) * time.Millisecond).Round(100*time.Millisecond))
}

// maxListed caps the mutants, crashes and findings the notes list one by one.
const maxListed = 12

func (s *task) result(m mutate.Mutant, status string) MutantResult {
	return MutantResult{
		ID: m.ID, File: s.pass.Rel(filepath.Join(s.mod.Dir, filepath.FromSlash(m.File))), Line: m.Line, Col: m.Col, Func: m.Func,
		Operator: m.Operator, Original: m.Original, Mutated: m.Mutated, Status: status, mutant: m,
	}
}

// mutantTimeout is go test's -timeout for the tests of a mutant, when
// those of the unchanged code ran for tests.
func (s *task) mutantTimeout(tests time.Duration) time.Duration {
	limit := max(mutantTimeoutFactor*tests, minMutantTimeout)
	if s.pass.Timeout > 0 {
		limit = min(limit, s.pass.Timeout)
	}
	return limit
}

// baseTimes are how long the base run took in all, and its tests alone.
type baseTimes struct{ total, tests time.Duration }

// baseRun runs the package's tests on the unchanged code with a coverage
// profile and returns the coverage and how long the run took.
func (s *task) baseRun(ctx context.Context) (*coverage, baseTimes, error) {
	var none baseTimes
	dir, err := s.pass.Sandbox.TempDir(s.pass.ModuleDir, "chaos-cover-")
	if err != nil {
		return nil, none, err
	}
	defer os.RemoveAll(dir)
	profile := filepath.Join(dir, "cover.out")
	limit := s.commandTimeout()
	res, err := s.pass.Sandbox.Run(ctx, s.pass.ModuleDir, limit, "go", "test", "-json", "-count=1", "-timeout="+goTestTimeout(limit).String(),
		"-coverprofile="+profile, s.pattern)
	if err != nil {
		return nil, none, err
	}
	run := parseTestJSON(res.Stdout)
	switch {
	case res.TimedOut || run.timedOut:
		return nil, none, fmt.Errorf("the package's tests did not finish within %v on the unchanged code (raise --timeout)", limit)
	case run.buildFailed:
		return nil, none, fmt.Errorf("the package's tests do not build: %s", testjson.Excerpt(run.buildOutput+string(res.Stderr), 3))
	case len(run.failed) > 0:
		return nil, none, fmt.Errorf("the package's tests fail on the unchanged code (%s): mutation testing needs them to pass", strings.Join(run.failed, ", "))
	case res.ExitCode != 0:
		return nil, none, fmt.Errorf("go test failed on the unchanged code: %s", testjson.Excerpt(string(res.Stderr)+outputOf(run, ""), 3))
	}
	times := baseTimes{total: res.Duration, tests: time.Duration(run.elapsed * float64(time.Second))}
	if len(s.pkg.TestFiles) == 0 {
		return &coverage{none: true}, times, nil
	}
	data, err := sandbox.ReadFile(profile, 256<<20)
	if err != nil {
		return nil, none, fmt.Errorf("no coverage profile from the tests: %w", err)
	}
	cov, err := parseCoverage(data, s.mod.Path)
	if err != nil {
		return nil, none, fmt.Errorf("the tests' coverage profile: %w", err)
	}
	return cov, times, nil
}

func outputOf(run *testRun, test string) string {
	if b := run.output[test]; b != nil {
		return b.String()
	}
	return ""
}

// commandTimeout bounds one go command: the run's per-command timeout,
// ten minutes when it has none.
func (s *task) commandTimeout() time.Duration {
	if s.pass.Timeout > 0 {
		return s.pass.Timeout
	}
	return 10 * time.Minute
}

// goTestTimeout is go test's own -timeout for a command the sandbox stops
// at limit: a little shorter, so that a hanging test ends in go test's
// panic, which names it.
func goTestTimeout(limit time.Duration) time.Duration {
	return max(limit-min(limit/4, time.Minute), time.Second)
}

// runMutant applies m in the worktree (after extra, a patch of new tests,
// when given), runs the package's tests against it, and puts the worktree
// back.
func (s *task) runMutant(ctx context.Context, m mutate.Mutant, extra []byte, limit time.Duration) (r MutantResult) {
	r = s.result(m, StatusNotViable)
	start := time.Now()
	defer func() {
		r.DurationMS = time.Since(start).Milliseconds()
		if err := s.pass.Worktree.Reset(context.WithoutCancel(ctx)); err != nil {
			s.note("could not reset the worktree after mutant %s: %v", m.ID, err)
		}
	}()
	if extra != nil {
		if err := s.apply(ctx, extra); err != nil {
			r.Detail = err.Error()
			return r
		}
	}
	file := filepath.Join(s.mod.Dir, filepath.FromSlash(m.File))
	src, err := os.ReadFile(file)
	if err == nil {
		var mutated []byte
		if mutated, err = m.Apply(src); err == nil {
			err = os.WriteFile(file, mutated, 0o644)
		}
	}
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	// -vet=off: vet would fail mutants whose tests pass, and vet's
	// verdict is not the tests'.
	// The sandbox's limit leaves room for the build on top of go test's.
	res, err := s.pass.Sandbox.Run(ctx, s.pass.ModuleDir, limit+min(s.commandTimeout(), 5*time.Minute), "go", "test", "-json", "-count=1", "-failfast", "-vet=off",
		"-timeout="+limit.String(), s.pattern)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	r.Status, r.KilledBy, r.Detail = verdict(parseTestJSON(res.Stdout), res.ExitCode, res.TimedOut, string(res.Stderr))
	return r
}

// verdict is what a go test run of a mutant says of it: its status, the
// test that killed it, and why it did not build.
func verdict(run *testRun, exitCode int, killed bool, stderr string) (status, killedBy, detail string) {
	switch {
	case killed || run.timedOut:
		return StatusTimeout, cmp.Or(run.hung, run.firstFailed()), ""
	case run.buildFailed:
		return StatusNotViable, "", testjson.Excerpt(run.buildOutput+stderr, 2)
	case len(run.failed) > 0:
		return StatusKilled, run.firstFailed(), ""
	case exitCode != 0:
		// The package failed outside any test: a panic in init or TestMain.
		return StatusKilled, "", ""
	}
	return StatusSurvived, "", ""
}

// spread picks n of the mutants, spread round-robin over the functions
// (and over the operators within one), in an order that depends only on
// the mutants' IDs; the result is in the mutants' order.
func spread(ms []mutate.Mutant, n int) []mutate.Mutant {
	if n >= len(ms) {
		return ms
	}
	type key struct{ fn, op string }
	groups := map[string][]key{}
	byKey := map[key][]mutate.Mutant{}
	var fns []string
	for _, m := range ms {
		fn := m.File + "\x00" + m.Func
		k := key{fn, m.Operator}
		if _, ok := groups[fn]; !ok {
			fns = append(fns, fn)
		}
		if byKey[k] == nil {
			groups[fn] = append(groups[fn], k)
		}
		byKey[k] = append(byKey[k], m)
	}
	hash := func(s string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		return h.Sum64()
	}
	slices.SortFunc(fns, func(a, b string) int { return cmp.Or(cmp.Compare(hash(a), hash(b)), strings.Compare(a, b)) })
	for _, list := range byKey {
		slices.SortFunc(list, func(a, b mutate.Mutant) int {
			return cmp.Or(cmp.Compare(hash(a.ID), hash(b.ID)), strings.Compare(a.ID, b.ID))
		})
	}
	picked := map[string]bool{}
	for round := 0; len(picked) < n; round++ {
		progress := false
		for _, fn := range fns {
			// The function's round-th mutant: operator round%len, its
			// round/len-th one.
			ks := groups[fn]
			for try := 0; try < len(ks); try++ {
				k := ks[(round+try)%len(ks)]
				list := byKey[k]
				if len(list) == 0 {
					continue
				}
				picked[list[0].ID] = true
				byKey[k] = list[1:]
				progress = true
				break
			}
			if len(picked) == n {
				break
			}
		}
		if !progress {
			break
		}
	}
	var out []mutate.Mutant
	for _, m := range ms {
		if picked[m.ID] {
			out = append(out, m)
		}
	}
	return out
}
