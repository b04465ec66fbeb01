package clip

import (
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"  two\n\tlines \r\n", "two lines"},
		{"a \x01 b\x7fc", "a bc"},
		{"über\u00a0straße\u0085x", "über straße x"},
		{"bell\a\n\nend", "bell end"},
	} {
		if got := OneLine(tc.in); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"one", "one"},
		{"one\ntwo", "one"},
		{"\nlater", ""},
		{"é…\r\nx", "é…\r"},
	} {
		if got := FirstLine(tc.in); got != tc.want {
			t.Errorf("FirstLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRunes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"héllo", 5, "héllo"},
		{"héllo wörld", 4, "hél…"},
		{"日本語テキスト", 3, "日本…"},
		{"日本語", 1, "…"},
		{"日本語", 0, ""},
		{"", 5, ""},
	} {
		got := Runes(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("Runes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max(tc.n, 0) {
			t.Errorf("Runes(%q, %d) = %q: invalid or too long", tc.in, tc.n, got)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		in     string
		n      int
		marker string
		want   string
	}{
		{"short", 5, "…", "short"},
		{"abcdefgh", 6, "…", "abc…"},
		{"abcdefgh", 7, " […]", "a […]"}, // the marker is 6 bytes
		{"aé", 3, "", "aé"},
		{"aéb", 2, "", "a"}, // é is two bytes: not cut in half
		{"日本語", 7, "…", "日…"},
		{"日本語", 5, "…", "…"},
		{"日本語", 2, "…", "…"},
	} {
		got := Bytes(tc.in, tc.n, tc.marker)
		if got != tc.want {
			t.Errorf("Bytes(%q, %d, %q) = %q, want %q", tc.in, tc.n, tc.marker, got, tc.want)
		}
		if !utf8.ValidString(got) || len(got) > max(tc.n, len(tc.marker)) {
			t.Errorf("Bytes(%q, %d, %q) = %q: invalid or too long", tc.in, tc.n, tc.marker, got)
		}
	}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct {
		in     string
		n      int
		marker string
		want   string
	}{
		{"short", 5, "…", "short"},
		{"abcdefgh", 6, "…", "…fgh"},
		{"x日本語", 7, "…", "…語"},
		{"x日本語", 9, "", "日本語"},
		{"x日本語", 8, "", "本語"},
		{"日本語", 2, "…", "…"},
	} {
		got := Tail(tc.in, tc.n, tc.marker)
		if got != tc.want {
			t.Errorf("Tail(%q, %d, %q) = %q, want %q", tc.in, tc.n, tc.marker, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Tail(%q, %d, %q) = %q: invalid UTF-8", tc.in, tc.n, tc.marker, got)
		}
	}
}

func TestMiddle(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abcde", 5, "abcde"},
		{"abcdefghij", 5, "ab…ij"},
		{"abcdefghij", 6, "ab…ij"},
		{"äöüßäöüß", 7, "äöü…öüß"},
		{"abc", 1, "…"},
	} {
		if got := Middle(tc.in, tc.n); got != tc.want {
			t.Errorf("Middle(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
