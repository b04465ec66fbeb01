// Package pgo is the profile-guided optimization method: for a main
// package it collects a CPU profile from the module's benchmarks that are
// compiled into its binary, proposes it as the package's default.pgo, and
// keeps it only when those benchmarks, built with it, are significantly
// faster.
//
// The go command applies a main package's default.pgo by default
// (-pgo=auto) to that package and all its dependencies, when it builds
// the binary and when it builds the package's tests; a library's tests
// never see it. The performance level of package validate measures it
// accordingly: the main package's benchmarks as go test builds them, and
// those of the module's packages it imports with -pgo=<the profile>.
//
// A profile from benchmarks is a stand-in: what the binary does in
// production may differ. The report says so, and how to replace it.
package pgo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Method proposes a default.pgo for each main package, with benchmarks
// profiled for a second each.
var Method = New("1s")

// New returns the method profiling each benchmark for benchTime (go test
// -benchtime: a duration such as "1s", or a count "500x").
func New(benchTime string) *methods.Method {
	m := &profiler{benchTime: benchTime}
	return &methods.Method{
		Name:  "pgo",
		Doc:   "profile the benchmarks compiled into each main package and propose the profile as its default.pgo, kept only if significantly faster (no LLM)",
		Model: methods.NoModel,
		Run:   m.run,
	}
}

// profiler is the method's state, the same for every task.
type profiler struct {
	benchTime string
}

// Source says where a proposed profile comes from.
const Source = "benchmarks"

// Details is what the method reports for a task: where the profile comes
// from, what it holds and how to replace it with a better one.
type Details struct {
	MainPackage string `json:"main_package"`
	// Profile is the repository-relative path of the proposed default.pgo.
	Profile string `json:"profile,omitempty"`
	// Source is always "benchmarks": the profile is not from production.
	Source     string     `json:"source"`
	Benchmarks []Profiled `json:"benchmarks"`
	// ProfileBytes is the size of the merged profile.
	ProfileBytes int `json:"profile_bytes,omitempty"`
	// SampledCPU is the CPU time the profile's samples add up to, and
	// Duration the wall time it covers, as go tool pprof reports them.
	SampledCPU string `json:"sampled_cpu,omitempty"`
	Duration   string `json:"duration,omitempty"`
	// Verdict is accepted, rejected, not validated (validation could not
	// judge it) or no profile.
	Verdict string `json:"verdict"`
	// Reason is the deciding level's detail: the performance level's
	// statistics when it got that far.
	Reason string `json:"reason,omitempty"`
	// Replace explains how to put a production profile in its place.
	Replace string `json:"replace"`
}

// Profiled is one package whose benchmarks went into the profile.
type Profiled struct {
	Package string `json:"package"`
	// Count is the number of benchmark functions profiled.
	Count int    `json:"count"`
	Error string `json:"error,omitempty"` // why its profile was left out
}

// The verdicts of Details.
const (
	VerdictAccepted     = "accepted"
	VerdictRejected     = "rejected"
	VerdictNotValidated = "not validated"
	VerdictNoProfile    = "no profile"
)

// replaceText is Details.Replace for a main package in dir
// (repository-relative).
func replaceText(dir string) string {
	return fmt.Sprintf("This profile was collected from the module's benchmarks, which may not exercise the program as production does. "+
		"To replace it with a production profile, collect a CPU profile from the running program — from a server importing net/http/pprof, "+
		"`curl -o default.pgo 'http://HOST/debug/pprof/profile?seconds=30'`, or with runtime/pprof.StartCPUProfile — "+
		"and save it as %s/default.pgo beside the main package (merge profiles of several instances with `go tool pprof -proto a.pprof b.pprof > default.pgo`); "+
		"go build applies it by default (-pgo=auto). See https://go.dev/doc/pgo.", dir)
}

func (m *profiler) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	pkg := t.Package.Pattern()
	if t.Package.Name != "main" {
		return &methods.Result{Notes: []string{fmt.Sprintf("%s is not a main package: the go command applies a default.pgo only beside a main package, so there is no profile to propose", pkg)}}, nil
	}
	pkgDir := filepath.Join(pass.ModuleDir, filepath.FromSlash(t.Package.RelDir))
	profile := filepath.Join(pkgDir, "default.pgo")
	if _, err := os.Stat(profile); err == nil {
		return &methods.Result{Notes: []string{fmt.Sprintf("%s already has a profile (%s): it is used as it is, and the method proposes none", pkg, pass.Rel(profile))}}, nil
	}
	details := &Details{MainPackage: pkg, Source: Source, Benchmarks: []Profiled{}, Verdict: VerdictNoProfile, Replace: replaceText(filepath.Dir(pass.Rel(profile)))}
	res := &methods.Result{Details: details}

	pkgs, err := m.compiledInto(ctx, pass, t.Module, pkgDir)
	if err != nil {
		return res, err
	}
	if len(pkgs) == 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("no benchmarks in %s nor in the packages of the module it imports: PGO needs a CPU profile, from benchmarks or from production; save a production profile as %s to use PGO (see https://go.dev/doc/pgo)", pkg, pass.Rel(profile)))
		return res, nil
	}
	tmp, err := pass.Sandbox.TempDir(pass.ModuleDir, "pgo-")
	if err != nil {
		return res, fmt.Errorf("pgo: %w", err)
	}
	defer os.RemoveAll(tmp)

	var profiles []string
	for i, p := range pkgs {
		pass.Logf("profile %s of %s", plural(len(p.Benchmarks), "benchmark"), p.Pattern())
		out := filepath.Join(tmp, fmt.Sprintf("%d.prof", i))
		entry := Profiled{Package: p.Pattern(), Count: len(p.Benchmarks)}
		if err := m.profile(ctx, pass, p, out, filepath.Join(tmp, fmt.Sprintf("%d.test", i))); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			entry.Error = err.Error()
			res.Notes = append(res.Notes, fmt.Sprintf("the benchmarks of %s were left out of the profile: %v", p.Pattern(), err))
		} else {
			profiles = append(profiles, out)
		}
		details.Benchmarks = append(details.Benchmarks, entry)
	}
	if len(profiles) == 0 {
		res.Notes = append(res.Notes, "no benchmark run produced a profile, so there is none to propose")
		return res, nil
	}
	merged := filepath.Join(tmp, "merged.pgo")
	if err := m.merge(ctx, pass, tmp, merged, profiles); err != nil {
		return res, err
	}
	data, err := sandbox.ReadFile(merged, 64<<20)
	if err != nil {
		return res, fmt.Errorf("pgo: %w", err)
	}
	details.ProfileBytes = len(data)
	details.Duration, details.SampledCPU = m.samples(ctx, pass, tmp, merged)

	c, err := m.candidate(ctx, pass, profile, data, details)
	if err != nil {
		return res, err
	}
	if c == nil {
		return res, fmt.Errorf("pgo: writing %s changed nothing in the worktree", pass.Rel(profile))
	}
	details.Profile = c.Files[0]
	pass.Logf("validate %s (%s)", c.ID, c.Description)
	rep, err := pass.Validate(ctx, c.Patch, methods.Objective("speed"))
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		c.Error = err.Error()
	}
	c.Validation = rep
	res.Candidates = append(res.Candidates, c)
	switch {
	case rep == nil:
		details.Verdict, details.Reason = VerdictNotValidated, c.Error
	case rep.Accepted:
		details.Verdict = VerdictAccepted
	default:
		details.Verdict = VerdictRejected
	}
	if rep != nil {
		level := "performance"
		if rep.RejectedBy != "" {
			level = rep.RejectedBy
		}
		if l := rep.Level(level); l != nil {
			details.Reason = l.Detail
		}
	}
	res.Notes = append(res.Notes, fmt.Sprintf("the proposed %s is a CPU profile of the module's benchmarks (%s of samples), not of production; replace it with a production profile for PGO that fits real use (see the details' replace, and https://go.dev/doc/pgo)", details.Profile, orUnknown(details.SampledCPU)))
	return res, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown amount"
	}
	return s
}

// compiledInto returns the packages of the module compiled into the main
// package in pkgDir (itself included) that have benchmarks: go list -deps
// without tests, because the profile steers only the binary's code.
func (m *profiler) compiledInto(ctx context.Context, pass *methods.Pass, mod *source.Module, pkgDir string) ([]*source.Package, error) {
	res, err := pass.Sandbox.Run(ctx, pkgDir, m.timeout(pass), "go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.ImportPath}}{{end}}{{end}}", ".")
	if err != nil {
		return nil, fmt.Errorf("pgo: go list -deps: %w", err)
	}
	if res.ExitCode != 0 || res.TimedOut {
		return nil, fmt.Errorf("pgo: go list -deps in %s: %s", pass.Rel(pkgDir), strings.TrimSpace(string(res.Stderr)))
	}
	var out []*source.Package
	for _, line := range strings.Fields(string(res.Stdout)) {
		if p := mod.Package(line); p != nil && len(p.Benchmarks) > 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// profile runs the benchmarks of p in the sandbox with a CPU profile
// written to out; the test binary goes to bin (go test leaves it beside
// a profile, and the worktree may not be writable to the sandbox).
func (m *profiler) profile(ctx context.Context, pass *methods.Pass, p *source.Package, out, bin string) error {
	benchtime := m.benchTime
	if benchtime == "" {
		benchtime = "1s"
	}
	dir := filepath.Join(pass.ModuleDir, filepath.FromSlash(p.RelDir))
	res, err := pass.Sandbox.Run(ctx, dir, m.timeout(pass), "go", "test", "-run=^$", "-bench=.", "-benchtime="+benchtime, "-o", bin, "-cpuprofile="+out)
	if err != nil {
		return err
	}
	switch {
	case res.TimedOut:
		return fmt.Errorf("go test -bench did not finish within %v", m.timeout(pass))
	case res.ExitCode != 0:
		return fmt.Errorf("go test -bench failed: %s", lastLines(res.Stdout, res.Stderr))
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return errors.New("go test -bench wrote no CPU profile")
	}
	return nil
}

// merge writes the profiles merged into one with go tool pprof -proto.
func (m *profiler) merge(ctx context.Context, pass *methods.Pass, dir, out string, profiles []string) error {
	args := append([]string{"tool", "pprof", "-proto", "-symbolize=none", "-output=" + out}, profiles...)
	res, err := pass.Sandbox.Run(ctx, dir, m.timeout(pass), "go", args...)
	if err != nil {
		return fmt.Errorf("pgo: merge the profiles: %w", err)
	}
	if res.ExitCode != 0 || res.TimedOut {
		return fmt.Errorf("pgo: merge the profiles: go tool pprof: %s", lastLines(res.Stdout, res.Stderr))
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return errors.New("pgo: merge the profiles: go tool pprof wrote nothing")
	}
	return nil
}

// pprofTotals matches the header of go tool pprof -top.
var pprofTotals = regexp.MustCompile(`Duration: (\S+), Total samples = (\S+)`)

// samples returns the wall time a profile covers and the CPU time of its
// samples, as go tool pprof -top reports them; empty when it cannot.
func (m *profiler) samples(ctx context.Context, pass *methods.Pass, dir, profile string) (duration, cpu string) {
	res, err := pass.Sandbox.Run(ctx, dir, m.timeout(pass), "go", "tool", "pprof", "-top", "-nodecount=1", "-symbolize=none", profile)
	if err != nil || res.ExitCode != 0 {
		return "", ""
	}
	return parseTotals(string(res.Stdout))
}

// parseTotals reads the duration and total samples from pprof's header.
func parseTotals(out string) (duration, cpu string) {
	if mm := pprofTotals.FindStringSubmatch(out); mm != nil {
		return mm[1], mm[2]
	}
	return "", ""
}

// candidate writes data as the main package's default.pgo in the worktree
// and returns the change as a candidate; the worktree is reset afterwards.
func (m *profiler) candidate(ctx context.Context, pass *methods.Pass, profile string, data []byte, d *Details) (*methods.Candidate, error) {
	n := 0
	for _, b := range d.Benchmarks {
		if b.Error == "" {
			n += b.Count
		}
	}
	desc := fmt.Sprintf("%s: profile-guided optimization of %s with a CPU profile of %s", pass.Rel(profile), d.MainPackage, plural(n, "benchmark"))
	return pass.Propose(ctx, desc, func(string) error {
		if err := os.WriteFile(profile, data, 0o644); err != nil {
			return fmt.Errorf("pgo: %w", err)
		}
		return nil
	})
}

func (m *profiler) timeout(pass *methods.Pass) time.Duration {
	if pass.Timeout > 0 {
		return pass.Timeout
	}
	return 10 * time.Minute
}

// lastLines is the end of a command's output, for a note.
func lastLines(stdout, stderr []byte) string {
	s := strings.TrimSpace(string(stderr) + "\n" + string(stdout))
	lines := strings.Split(s, "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
