package chaos

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/testjson"
)

// FuzzReport is one fuzz target run with go test -fuzz.
type FuzzReport struct {
	Function   string `json:"function"`
	Target     string `json:"target"`
	DurationMS int64  `json:"duration_ms"`
	Execs      int64  `json:"execs,omitempty"` // as go test last reported them; 0 when it did not
	Crashed    bool   `json:"crashed"`
	// Error says why the target could not be run (it did not build, the
	// run timed out); the target is then neither a crash nor a candidate.
	Error      string      `json:"error,omitempty"`
	Reproducer *Reproducer `json:"reproducer,omitempty"`
}

// Reproducer is a crashing input and where it crashed.
type Reproducer struct {
	// File is the corpus file go test wrote, relative to the package
	// directory (testdata/fuzz/FuzzX/<hash>); empty when a seed crashed.
	File string `json:"file,omitempty"`
	// Seed is the index of the f.Add seed that crashed, when one did.
	Seed *int `json:"seed,omitempty"`
	// Input is the corpus file's content ("go test fuzz v1" and a line
	// per argument): saved under the File path, go test replays it.
	Input    string `json:"input"`
	Panic    string `json:"panic"`
	Location string `json:"location,omitempty"` // file:line of the first frame inside the package, repository-relative
}

// fuzzFileName is the test file the fuzz targets go in.
const fuzzFileName = "zz_optimizer_fuzz_test.go"

// maxSeeds caps the f.Add calls of a target.
const maxSeeds = 8

// fuzzMinimizeTime bounds go test's minimization of a crashing input
// (default 60s): a short reproducer is worth a few seconds, not a minute.
const fuzzMinimizeTime = 10 * time.Second

// fuzzTarget is one generated fuzz target.
type fuzzTarget struct {
	fn    *function
	name  string     // FuzzX
	seeds [][]string // Go expressions, one per parameter
}

// fuzzTargets makes a target for each fuzzable function, named so that
// no name of the package is taken.
func fuzzTargets(funcs []*function, taken map[string]bool) []*fuzzTarget {
	taken = maps.Clone(taken)
	if taken == nil {
		taken = map[string]bool{}
	}
	var out []*fuzzTarget
	for _, f := range funcs {
		if !f.fuzzable() {
			continue
		}
		name := "Fuzz" + exported(f.Name)
		for i := 2; taken[name]; i++ {
			name = "Fuzz" + exported(f.Name) + strconv.Itoa(i)
		}
		taken[name] = true
		out = append(out, &fuzzTarget{fn: f, name: name, seeds: f.seeds(maxSeeds)})
	}
	return out
}

// fuzzFile renders a test file of package pkgName with the targets.
func fuzzFile(pkgName string, targets []*fuzzTarget) ([]byte, error) {
	var b bytes.Buffer
	var names []string
	for _, t := range targets {
		names = append(names, t.fn.Name)
	}
	fmt.Fprintf(&b, "package %s\n\nimport \"testing\"\n", pkgName)
	for _, t := range targets {
		var params, args []string
		for i, p := range t.fn.Params {
			params = append(params, fmt.Sprintf("in%d %s", i, p.Type))
			args = append(args, fmt.Sprintf("in%d", i))
		}
		fmt.Fprintf(&b, "\n// %s calls %s with the fuzzer's inputs: whatever they are, it must not\n// panic, hang or exit.\n", t.name, t.fn.Name)
		fmt.Fprintf(&b, "func %s(f *testing.F) {\n", t.name)
		for _, s := range t.seeds {
			fmt.Fprintf(&b, "\tf.Add(%s)\n", strings.Join(s, ", "))
		}
		fmt.Fprintf(&b, "\tf.Fuzz(func(t *testing.T, %s) {\n\t\t%s(%s)\n\t})\n}\n", strings.Join(params, ", "), t.fn.Name, strings.Join(args, ", "))
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("chaos: fuzz targets for %s: %w", strings.Join(names, ", "), err)
	}
	return src, nil
}

// corpusEntry renders a seed as go test's corpus file does.
func (t *fuzzTarget) corpusEntry(seed []string) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for i, v := range seed {
		switch t.fn.Params[i].Type {
		case "string", "bool":
			fmt.Fprintf(&b, "%s(%s)\n", t.fn.Params[i].Type, v)
		default:
			b.WriteString(v + "\n")
		}
	}
	return b.String()
}

// fuzz runs each target for FuzzTime, one at a time (go test refuses
// -fuzz with several), and records the crashes.
func (s *task) fuzz(ctx context.Context) {
	if s.m.FuzzTime <= 0 {
		s.note("fuzzing is off (fuzz_time is 0)")
		return
	}
	targets := fuzzTargets(s.funcs, s.names)
	if len(targets) == 0 {
		s.note("fuzzing: no package-level function takes only strings, []byte, bools and numbers")
		return
	}
	s.fuzzTargets = targets
	for _, t := range targets {
		if ctx.Err() != nil {
			s.note("fuzzing stopped before %s: %v", t.name, context.Cause(ctx))
			return
		}
		r := s.fuzzOne(ctx, t)
		if ctx.Err() != nil && !r.Crashed {
			s.note("fuzzing stopped in %s: %v", t.name, context.Cause(ctx))
			return
		}
		s.det.Fuzz = append(s.det.Fuzz, r)
		switch {
		case r.Error != "":
			s.note("fuzz %s: %s", t.name, r.Error)
		case r.Crashed:
			where := r.Reproducer.Location
			if where == "" {
				where = "(no frame inside the package)"
			}
			replay := "seed #" + strconv.Itoa(derefInt(r.Reproducer.Seed)) + " of the target"
			if r.Reproducer.File != "" {
				replay = s.pass.Rel(filepath.Join(s.pkg.Dir, filepath.FromSlash(r.Reproducer.File)))
			}
			input := strings.ReplaceAll(strings.TrimSpace(strings.TrimPrefix(r.Reproducer.Input, "go test fuzz v1\n")), "\n", ", ")
			s.note("crash: %s: %s: %s, on input %s (reproducer %s)", where, t.fn.Name, r.Reproducer.Panic, clip.Bytes(input, 200, "…"), replay)
		case r.Execs > 0 && r.Execs < 100:
			s.note("fuzz %s: only %d inputs in %v: %s may hang or be very slow on some inputs", t.name, r.Execs, s.m.FuzzTime, t.fn.Name)
		}
	}
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// fuzzOne writes t alone in the fuzz test file, runs it, reads what go
// test wrote, and puts the worktree back.
func (s *task) fuzzOne(ctx context.Context, t *fuzzTarget) (r FuzzReport) {
	r = FuzzReport{Function: t.fn.Name, Target: t.name}
	start := time.Now()
	defer func() {
		r.DurationMS = time.Since(start).Milliseconds()
		if err := s.pass.Worktree.Reset(context.WithoutCancel(ctx)); err != nil {
			s.note("could not reset the worktree after fuzzing %s: %v", t.name, err)
		}
	}()
	src, err := fuzzFile(s.pkg.Name, []*fuzzTarget{t})
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if err := os.WriteFile(filepath.Join(s.pkg.Dir, fuzzFileName), src, 0o644); err != nil {
		r.Error = err.Error()
		return r
	}
	// A cache of the fuzzer's own for each run: the shared one would
	// replay inputs found on other code (and other runs' findings), which
	// makes runs neither independent nor repeatable.
	cache, err := s.pass.Sandbox.TempDir(s.pass.ModuleDir, "chaos-fuzzcache-")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer os.RemoveAll(cache)
	// Building with the fuzzer's instrumentation may take a minute or
	// two the first time (the dependencies are instrumented too).
	limit := s.m.FuzzTime + fuzzMinimizeTime + 5*time.Minute
	if s.pass.Timeout > 0 {
		limit = min(limit, s.pass.Timeout)
	}
	res, err := s.pass.Sandbox.Run(ctx, s.pass.ModuleDir, limit, "go", "test", "-run=^$", "-fuzz=^"+t.name+"$",
		"-fuzztime="+s.m.FuzzTime.String(), "-fuzzminimizetime="+fuzzMinimizeTime.String(), s.pattern,
		"-args", "-test.fuzzcachedir="+cache)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	out := string(res.Stdout) + string(res.Stderr)
	f := parseFuzzOutput(out, t.name)
	r.Execs = f.execs
	switch {
	case res.TimedOut && !f.crashed():
		r.Error = fmt.Sprintf("go test -fuzz did not finish within %v", limit)
	case f.crashed():
		r.Crashed = true
		rep := &Reproducer{Panic: f.panic, Location: s.location(f.frames)}
		if f.corpus != "" {
			rep.File = f.corpus
			// go test -fuzz wrote the input into the sandbox's copy.
			data, err := sandbox.ReadFile(s.pass.Sandbox.Path(filepath.Join(s.pkg.Dir, filepath.FromSlash(f.corpus))), 1<<20)
			if err != nil {
				rep.Input = "(could not read " + f.corpus + ": " + err.Error() + ")"
			} else {
				rep.Input = string(data)
			}
		} else if f.seed >= 0 && f.seed < len(t.seeds) {
			seed := f.seed
			rep.Seed = &seed
			rep.Input = t.corpusEntry(t.seeds[f.seed])
		}
		r.Reproducer = rep
	case res.ExitCode != 0:
		r.Error = "go test -fuzz failed: " + clip.Bytes(testjson.Excerpt(out, 3), 500, "…")
	}
	return r
}

// location is the first frame in frames (absolute file:line, innermost
// first) inside the package's own non-test files, repository-relative.
func (s *task) location(frames []string) string {
	for _, fr := range frames {
		file, _, _ := strings.Cut(fr, ":")
		if filepath.Dir(file) == filepath.Clean(s.pkg.Dir) && !strings.HasSuffix(file, "_test.go") {
			return s.relLocation(fr)
		}
	}
	return ""
}

// relLocation makes an absolute file:line repository-relative.
func (s *task) relLocation(loc string) string {
	i := strings.LastIndex(loc, ":")
	if i < 0 || !filepath.IsAbs(loc[:i]) {
		return loc
	}
	return s.pass.Rel(loc[:i]) + loc[i:]
}

// fuzzOutput is what go test -fuzz said.
type fuzzOutput struct {
	execs  int64
	corpus string // the failing input's path, relative to the package directory
	seed   int    // the failing seed's index, or -1
	panic  string
	frames []string // file:line of the crash's stack, innermost first
	failed bool     // a --- FAIL line for the target
}

func (f *fuzzOutput) crashed() bool {
	return f.corpus != "" || f.seed >= 0 || (f.failed && f.panic != "")
}

var (
	fuzzExecs   = regexp.MustCompile(`fuzz: elapsed: \S+, execs: (\d+)`)
	fuzzWritten = regexp.MustCompile(`Failing input written to (testdata/fuzz/\S+)`)
	fuzzSeed    = regexp.MustCompile(`failure while testing seed corpus entry: (\S+)/seed#(\d+)`)
	fuzzPanic   = regexp.MustCompile(`(?:^|\s|: )((?:panic|fatal error): .+|fuzzing process hung or terminated unexpectedly.*)$`)
	stackFrame  = regexp.MustCompile(`^\s+(\S+\.go:\d+)(?: \+0x[0-9a-f]+)?$`)
)

// parseFuzzOutput reads the output of go test -fuzz for target.
func parseFuzzOutput(out, target string) *fuzzOutput {
	f := &fuzzOutput{seed: -1}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := fuzzExecs.FindStringSubmatch(line); m != nil {
			f.execs, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if m := fuzzWritten.FindStringSubmatch(line); m != nil {
			f.corpus = m[1]
		}
		if m := fuzzSeed.FindStringSubmatch(line); m != nil && m[1] == target {
			f.seed, _ = strconv.Atoi(m[2])
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--- FAIL: "+target) {
			f.failed = true
		}
		if m := fuzzPanic.FindStringSubmatch(line); m != nil && f.panic == "" {
			f.panic = strings.TrimSpace(m[1])
		}
		if m := stackFrame.FindStringSubmatch(line); m != nil && f.panic != "" {
			f.frames = append(f.frames, m[1])
		}
	}
	if f.corpus != "" {
		f.seed = -1 // a mutated input crashed: the file is the reproducer
	}
	return f
}
