package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// BenchmarkValidateCost measures what a validation costs against the test
// run it rests on: `optimizer validate` of a one-line change in one
// package of the demo (the unit level's go test -race -cover, vet, the
// base's runs and the copies of the tree included) and, as anchors,
// `go test -count=1` of that package alone and the -race -cover run the
// unit level makes. Each iteration changes the package anew, so that the
// go command compiles it, as it must for any candidate. Compare with
// benchstat:
//
//	go test -run '^$' -bench ValidateCost -count 6 . | tee cost.txt
//	benchstat -col /run cost.txt
func BenchmarkValidateCost(b *testing.B) {
	repo := demoRepo(b, nil)
	file := filepath.Join(repo, "wordfreq", "wordfreq.go")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	change := func() []byte {
		n++
		return fmt.Appendf(append([]byte(nil), orig...), "\nvar _ = %d\n", n)
	}
	goTest := func(b *testing.B, args ...string) {
		for b.Loop() {
			if err := os.WriteFile(file, change(), 0o644); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command("go", append([]string{"test", "-count=1"}, append(args, "./wordfreq")...)...)
			cmd.Dir = repo
			// As the sandbox sets it for every child (sandbox.RaceOptions):
			// the race detector's default sleeps a second at exit.
			cmd.Env = append(os.Environ(), "GORACE="+sandbox.RaceOptions)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go test: %v\n%s", err, out)
			}
		}
		if err := os.WriteFile(file, orig, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("run=validate", func(b *testing.B) {
		patch := filepath.Join(b.TempDir(), "change.diff")
		for b.Loop() {
			b.StopTimer()
			if err := os.WriteFile(file, change(), 0o644); err != nil {
				b.Fatal(err)
			}
			diff, err := exec.Command("git", "-C", repo, "diff").Output()
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(file, orig, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(patch, diff, 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var stderr bytes.Buffer
			if code := run([]string{"validate", "--repo", repo, patch}, strings.NewReader(""), io.Discard, &stderr, func(string) string { return "" }); code != 0 {
				b.Fatalf("validate: exit %d\n%s", code, stderr.Bytes())
			}
		}
	})
	b.Run("run=go-test", func(b *testing.B) { goTest(b) })
	b.Run("run=go-test-race-cover", func(b *testing.B) { goTest(b, "-race", "-cover") })
}
