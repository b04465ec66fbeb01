package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// Baseline answers "does this fail without the patch too?" from a worktree
// that stays at the base commit, so that a level blames a candidate only
// for what it broke: real repositories have vet findings and failing tests
// of their own. It also holds the base's coverage, against which the
// coverage level compares. Answers are computed once per package set and
// shared by all agents.
type Baseline struct {
	Worktrees *gitx.Worktrees
	Commit    string
	Runner    *sandbox.Runner
	ModuleDir string // relative to the repository root
	Timeout   time.Duration
	// Shared marks the run's own base, the commit the run started from:
	// only its commands fill the build cache that candidates read. A
	// staged base (a commit on top of it with an accepted patch, which a
	// model may have written) runs as a candidate does.
	Shared bool

	mu sync.Mutex // guards wt
	wt *gitx.Worktree

	// The answers, each computed once (see memo); go commands for
	// different answers run side by side in the base's tree.
	vet    memo[map[string]int]     // by package patterns, and configuration
	warmed memo[struct{}]           // by testSpec.key
	tests  memo[*testRun]           // by testSpec.key
	reruns memo[map[string]int]     // by testSpec.key: failures per package.Test
	covers memo[[][]*cover.Profile] // by testSpec.key: coverage of extra runs (see coverRuns)
	race   memo[raceAnswer]         // "does -race work here?"
	served atomic.Int32             // candidates that started the base's work

	perf perfCache // performance level: base test binaries and their A/A noise
}

// dir returns the module directory in the base worktree, creating the
// worktree on first use.
func (b *Baseline) dir(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wt == nil {
		wt, err := b.Worktrees.Add(ctx, "base", b.Commit)
		if err != nil {
			return "", err
		}
		// The base's commands fill the build cache that candidates read.
		role := sandbox.Candidate
		if b.Shared {
			role = sandbox.Base
		}
		if err := b.Runner.Tree(wt.Dir, role); err != nil {
			return "", err
		}
		b.wt = wt
	}
	return filepath.Join(b.wt.Dir, filepath.FromSlash(b.ModuleDir)), nil
}

// Vet returns go vet's findings on the base for the given package
// patterns under cfg (nil: the host's configuration), as position-free
// keys counted (see vetFindings).
func (b *Baseline) Vet(ctx context.Context, cfg *source.Config, patterns []string) (map[string]int, error) {
	key := strings.Join(patterns, " ")
	var env []string
	if cfg != nil {
		key, env = cfg.String()+": "+key, cfg.Env()
	}
	return b.vet.do(ctx, key, func() (map[string]int, error) {
		dir, err := b.dir(ctx)
		if err != nil {
			return nil, err
		}
		// -trimpath as the candidate's vet: the same compiled packages
		// serve both, from the build cache layer the base's commands fill.
		args := withConfig(cfg, append([]string{"vet", "-trimpath"}, patterns...))
		res, err := b.Runner.RunEnv(ctx, dir, b.timeout(), env, "go", args...)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err // an interrupted run is no answer to keep
		}
		return vetFindings(res.Stderr), nil
	})
}

// testRun runs spec on the base, once per spec: the tests that fail there,
// the packages that do not build, and, when the spec covers, the base's
// coverage profile. Patterns the base lacks (packages the patch adds) are
// left out.
func (b *Baseline) testRun(ctx context.Context, spec testSpec) (*testRun, error) {
	return b.tests.do(ctx, spec.key(), func() (*testRun, error) { return b.runTests(ctx, spec) })
}

func (b *Baseline) runTests(ctx context.Context, spec testSpec) (*testRun, error) {
	dir, err := b.dir(ctx)
	if err != nil {
		return nil, err
	}
	spec.patterns = slices.DeleteFunc(slices.Clone(spec.patterns), func(p string) bool {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		return err != nil || !fi.IsDir()
	})
	run := &testRun{}
	if len(spec.patterns) > 0 {
		profile := ""
		if spec.cover {
			tmp, err := b.Runner.TempDir(dir, "base-cover-")
			if err != nil {
				return nil, err
			}
			profile = filepath.Join(tmp, "cover.out")
		}
		run, err = runGoTest(ctx, b.Runner, dir, b.timeout(), spec, profile)
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err() // an interrupted run is no answer to keep
		}
	}
	return run, nil
}

// rerun runs the named top-level tests of pkg twice on the base, in two
// processes, and
// returns how often each test (subtests too) failed: whether a test that
// is flaky on the candidate is flaky on the base as well.
func (b *Baseline) rerun(ctx context.Context, spec testSpec, pkg string, tests []string) (map[string]int, error) {
	spec = spec.rerun(pkg, tests)
	return b.reruns.do(ctx, spec.key(), func() (map[string]int, error) {
		dir, err := b.dir(ctx)
		if err != nil {
			return nil, err
		}
		fails := map[string]int{}
		for range 2 { // two processes, as on the candidate
			run, err := runGoTest(ctx, b.Runner, dir, b.timeout(), spec, "")
			if err != nil {
				return nil, err
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for _, r := range run.results {
				if r.Status == "fail" {
					fails[r.Package+"."+r.Test]++
				}
			}
		}
		return fails, nil
	})
}

// extraBaseRuns is how many more times coverRuns runs the base's tests.
// With the run that judged, a statement is judged only when all four
// covered it; see checkCoverage for what that bounds.
const extraBaseRuns = 3

// coverRuns runs spec, a covering spec of the base's (testSpec.forBase),
// extraBaseRuns more times, never from go's test cache, and returns the
// coverage profiles they wrote: with the run that judged, what tells the
// statements the base's tests cover on every run from those they cover
// in some runs only (tests that draw their input from the clock). Asked
// only when a candidate seems to lose coverage, so a module whose
// candidates lose none never pays for it; once per spec, for every agent.
// A run that wrote no profile (a build that failed) is left out.
func (b *Baseline) coverRuns(ctx context.Context, spec testSpec) ([][]*cover.Profile, error) {
	return b.covers.do(ctx, spec.key(), func() ([][]*cover.Profile, error) {
		var out [][]*cover.Profile
		for range extraBaseRuns {
			run, err := b.runTests(ctx, spec.fresh())
			if err != nil {
				return nil, err
			}
			if run.profile == "" {
				continue
			}
			p, err := readProfiles(run.profile)
			if err != nil {
				return nil, fmt.Errorf("coverage profile: %w", err)
			}
			out = append(out, p)
		}
		return out, nil
	})
}

// warm compiles, as the base, what the test binaries of spec's packages
// link, with spec's flags (-race among them), linking and running nothing. Candidates write their compiled
// packages only to a build cache layer of their own (see package sandbox),
// so what the base does not compile, every candidate compiles again. Once
// per spec; failures are the levels' to report, not this warm-up's.
func (b *Baseline) warm(ctx context.Context, spec testSpec) {
	// What the compile does not depend on: the tests that run, and the
	// candidate's overlay (its test files are the candidate's to compile).
	// What the compile does not depend on: the tests that run, and the
	// candidate's overlay (its test files are the candidate's to compile).
	spec.run, spec.count, spec.cached, spec.bench, spec.overlay, spec.check = "", 0, false, "", "", ""
	// Callers wait for the one build: a candidate that compiled the same
	// packages beside it would do the work twice, for its private layer.
	b.warmed.do(ctx, spec.key(), func() (struct{}, error) {
		dir, err := b.dir(ctx)
		if err == nil {
			_, err = b.Runner.Run(ctx, dir, b.timeout(), "go", spec.compileArgs()...)
		}
		if err == nil {
			err = ctx.Err()
		}
		return struct{}{}, err
	})
}

// raceAnswer is detectRace's answer.
type raceAnswer struct {
	ok  bool
	why string
}

// raceWorks reports whether -race works where runner runs, asking once.
func (b *Baseline) raceWorks(ctx context.Context, runner *sandbox.Runner) (bool, string, error) {
	a, err := b.race.do(ctx, "", func() (raceAnswer, error) {
		ok, why, err := detectRace(ctx, runner)
		return raceAnswer{ok, why}, err
	})
	return a.ok, a.why, err
}

func (b *Baseline) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return 10 * time.Minute
}

// vetPos matches a positioned diagnostic: file, line, message. go vet
// prefixes a type error with "vet: ".
var vetPos = regexp.MustCompile(`^(?:vet: )?(.+?\.go):(\d+)(?::\d+)?: (.*)$`)

// vetFindings turns go vet's output into counted keys without line and
// column, so that a finding the base has too still matches after the
// patch moved it: "diff_test.go: possible misuse of unsafe.Pointer".
func vetFindings(out []byte) map[string]int {
	f := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := vetPos.FindStringSubmatch(line); m != nil {
			line = filepath.Base(m[1]) + ": " + m[3]
		}
		f[line]++
	}
	return f
}

// newFindings returns the findings of got beyond those of base.
func newFindings(got, base map[string]int) []string {
	var out []string
	for k, n := range got {
		for i := base[k]; i < n; i++ {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// without returns the items of list not in pre, and how many were in pre.
func without(list, pre []string) ([]string, int) {
	var out []string
	n := 0
	for _, s := range list {
		if slices.Contains(pre, s) {
			n++
		} else {
			out = append(out, s)
		}
	}
	return out, n
}

// preexisting formats a note about failures the base shares.
func preexisting(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s fail on the base too and are not held against the patch", n, what)
}
