package validate

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// Baseline answers "does this fail without the patch too?" from a worktree
// that stays at the base commit, so that a level blames a candidate only
// for what it broke: real repositories have vet findings and failing tests
// of their own. Answers are computed once per package set and shared by
// all agents.
type Baseline struct {
	Worktrees *gitx.Worktrees
	Commit    string
	Runner    *sandbox.Runner
	ModuleDir string // relative to the repository root
	Timeout   time.Duration

	mu    sync.Mutex
	wt    *gitx.Worktree
	vet   map[string]map[string]int
	tests map[string]baseTests
	perf  perfCache // performance level: base test binaries and their A/A noise
}

type baseTests struct {
	failed    []string // package.Test
	buildErrs []string // packages that did not build or failed outside a test
}

// dir returns the module directory in the base worktree, creating the
// worktree on first use. The caller holds b.mu.
func (b *Baseline) dir(ctx context.Context) (string, error) {
	if b.wt == nil {
		wt, err := b.Worktrees.Add(ctx, "base", b.Commit)
		if err != nil {
			return "", err
		}
		b.wt = wt
	}
	return filepath.Join(b.wt.Dir, filepath.FromSlash(b.ModuleDir)), nil
}

// Vet returns go vet's findings on the base for the given package
// patterns, as position-free keys counted (see vetFindings).
func (b *Baseline) Vet(ctx context.Context, patterns []string) (map[string]int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := strings.Join(patterns, " ")
	if f, ok := b.vet[key]; ok {
		return f, nil
	}
	dir, err := b.dir(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.Runner.Run(ctx, dir, b.timeout(), "go", append([]string{"vet"}, patterns...)...)
	if err != nil {
		return nil, err
	}
	if b.vet == nil {
		b.vet = map[string]map[string]int{}
	}
	f := vetFindings(res.Stderr)
	b.vet[key] = f
	return f, nil
}

// Tests returns the tests that fail on the base, and the packages that
// fail there outside any test.
func (b *Baseline) Tests(ctx context.Context, patterns []string) (failed, buildErrs []string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := strings.Join(patterns, " ")
	if t, ok := b.tests[key]; ok {
		return t.failed, t.buildErrs, nil
	}
	dir, err := b.dir(ctx)
	if err != nil {
		return nil, nil, err
	}
	args := append([]string{"test", "-json", "-count=1", "-timeout", b.timeout().String()}, patterns...)
	res, err := b.Runner.Run(ctx, dir, b.timeout()+30*time.Second, "go", args...)
	if err != nil {
		return nil, nil, err
	}
	_, failed, buildErrs = parseTestEvents(res.Stdout)
	if b.tests == nil {
		b.tests = map[string]baseTests{}
	}
	b.tests[key] = baseTests{failed: failed, buildErrs: buildErrs}
	return failed, buildErrs, nil
}

func (b *Baseline) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return 10 * time.Minute
}

// vetPos matches a positioned diagnostic: file, line, message.
var vetPos = regexp.MustCompile(`^(.+?\.go):(\d+)(?::\d+)?: (.*)$`)

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
	return fmt.Sprintf("; %d %s fail on the base too and are not held against the patch", n, what)
}
