package sandbox

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRunTrue measures what the sandbox adds to one command: the tree
// sync, the two helper stages, the limits and Landlock, the reaper and the
// sweep.
func BenchmarkRunTrue(b *testing.B) {
	r, err := New(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	dir, err := r.Scratch("bench-")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := r.Run(context.Background(), dir, time.Minute, "true")
		if err != nil || res.ExitCode != 0 {
			b.Fatal(err, res)
		}
	}
}
