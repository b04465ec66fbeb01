package textutil

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		parts []string
		sep   string
		want  string
	}{
		{nil, ",", ""},
		{[]string{"a"}, ",", "a"},
		{[]string{"a", "b", "c"}, ", ", "a, b, c"},
		{[]string{"", ""}, "-", "-"},
	}
	for _, tt := range tests {
		if got := Join(tt.parts, tt.sep); got != tt.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tt.parts, tt.sep, got, tt.want)
		}
	}
}

func TestDedup(t *testing.T) {
	got := Dedup([]string{"b", "a", "b", "c", "a"})
	if want := []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Dedup = %q, want %q", got, want)
	}
	if got := Dedup(nil); len(got) != 0 {
		t.Errorf("Dedup(nil) = %q, want empty", got)
	}
}

func TestReverse(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "abc": "cba", "héllo": "olléh"} {
		if got := Reverse(in); got != want {
			t.Errorf("Reverse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndent(t *testing.T) {
	if got, want := Indent([]string{"a", "b"}, "  "), "  a\n  b\n"; got != want {
		t.Errorf("Indent = %q, want %q", got, want)
	}
}

// The inputs are made once: each benchmark iteration takes microseconds.
var (
	words    = makeWords(200)
	repeated = append(makeWords(500), makeWords(500)...)
	long     = strings.Repeat("héllo wörld ", 80)
	lines    = makeWords(100)
)

func makeWords(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("word%04d", i)
	}
	return out
}

func BenchmarkJoin(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Join(words, ", ")
	}
}

func BenchmarkDedup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Dedup(repeated)
	}
}

func BenchmarkReverse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Reverse(long)
	}
}

func BenchmarkIndent(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Indent(lines, "    ")
	}
}
