package textutil

import "testing"

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		words []string
		sep   string
		want  string
	}{
		{nil, ",", ""},
		{[]string{"a"}, ",", "a"},
		{[]string{"a", "b", "c"}, ", ", "a, b, c"},
	} {
		if got := Join(tc.words, tc.sep); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.words, tc.sep, got, tc.want)
		}
	}
}

func TestRepeat(t *testing.T) {
	if got, want := Repeat("ab", 3), "ab\nab\nab\n"; got != want {
		t.Errorf("Repeat = %q, want %q", got, want)
	}
	if got := Repeat("x", 0); got != "" {
		t.Errorf("Repeat(x, 0) = %q, want empty", got)
	}
}

func TestContains(t *testing.T) {
	words := []string{"go", "fix", "vet"}
	if !Contains(words, "fix") || Contains(words, "build") {
		t.Error("Contains gives wrong answers")
	}
}

func BenchmarkJoin(b *testing.B) {
	words := make([]string, 200)
	for i := range words {
		words[i] = "word"
	}
	for i := 0; i < b.N; i++ {
		Join(words, " ")
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`a\,b`:  "a,b",
		`\\`:    `\`,
		"plain": "plain",
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
