package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// execRun is a plain Runner over os/exec, standing in for the sandbox.
func execRun(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) ([]byte, []byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out, exit.Stderr, exit.ExitCode(), nil
	}
	return out, nil, 0, err
}

func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBuildAndCompareEndToEnd builds a real test binary and compares it
// with itself. Timing on a shared machine proves nothing, so it asserts
// only the structure of the result.
func TestBuildAndCompareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.com/tiny\n\ngo 1.21\n",
		"tiny.go": `package tiny

func Sum(xs []int) []int {
	out := make([]int, 0, len(xs))
	s := 0
	for _, x := range xs {
		s += x
		out = append(out, s)
	}
	return out
}
`,
		"tiny_test.go": `package tiny

import "testing"

func BenchmarkSum(b *testing.B) {
	xs := make([]int, 64)
	for i := 0; i < b.N; i++ {
		Sum(xs)
	}
}

func BenchmarkOther(b *testing.B) {
	for i := 0; i < b.N; i++ {
	}
}
`,
	})
	ctx := context.Background()
	bin, err := Build(ctx, execRun, dir, filepath.Join(t.TempDir(), "tiny.test"))
	if err != nil {
		t.Fatal(err)
	}
	b := Binary{Path: bin, Dir: dir}
	res, err := Compare(ctx, execRun, b, b, []string{"BenchmarkSum"}, Options{BenchTime: "100x", MaxSamples: 6})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 {
		t.Fatalf("rows %v, want sec/op, B/op, allocs/op of BenchmarkSum only", res.Rows)
	}
	for i, unit := range units {
		r := res.Rows[i]
		if r.Name != "BenchmarkSum" || r.Unit != unit || r.N[0] < 6 || r.N[1] < 6 {
			t.Errorf("row %d = %s, want BenchmarkSum %s with n ≥ 6+6", i, r, unit)
		}
	}
	if r := res.Rows[2]; r.Base != 1 || r.Candidate != 1 {
		t.Errorf("allocs/op %v → %v, want 1 → 1", r.Base, r.Candidate)
	}
}

func TestBuildWithoutTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test -c")
	}
	dir := writeModule(t, map[string]string{
		"go.mod":  "module example.com/none\n\ngo 1.21\n",
		"none.go": "package none\n",
	})
	_, err := Build(context.Background(), execRun, dir, filepath.Join(t.TempDir(), "none.test"))
	if !errors.Is(err, ErrNoTests) {
		t.Errorf("err = %v, want ErrNoTests", err)
	}
}

func TestBuildFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test -c")
	}
	dir := writeModule(t, map[string]string{
		"go.mod":         "module example.com/broken\n\ngo 1.21\n",
		"broken.go":      "package broken\n\nfunc F() int { return \"x\" }\n",
		"broken_test.go": "package broken\n",
	})
	_, err := Build(context.Background(), execRun, dir, filepath.Join(t.TempDir(), "broken.test"))
	if err == nil || errors.Is(err, ErrNoTests) {
		t.Errorf("err = %v, want a build failure", err)
	}
}
