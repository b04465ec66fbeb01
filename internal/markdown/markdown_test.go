package markdown

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a|b", `a\|b`},
		{"[x](https://e)", `\[x\]\(https\:\/\/e\)`},
		{"<b>\n## h", `\<b\> \#\# h`},
		{"tab\tand\r\nnewline  ", "tab and newline"},
		{"bidi\u202eend\x00", "bidiend"},
		{"ünïcode — 日本語", "ünïcode — 日本語"},
		{"bad \xff byte", "bad byte"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"calc/sum.go:6", "`calc/sum.go:6`"},
		{"bafybeigdyrzt", "`bafybeigdyrzt`"},
		{"straße.go", "`straße.go`"},
		{"a`b", "a\\`b"},
		{"a|b", `a\|b`},
		{"two words", "two words"},
		{"rtl\u202e", `rtl`},
	} {
		if got := Code(tc.in); got != tc.want {
			t.Errorf("Code(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFence(t *testing.T) {
	for _, tc := range []struct{ text, info, want string }{
		{"x := 1\n", "go", "```go\nx := 1\n```\n"},
		{"no newline", "", "```\nno newline\n```\n"},
		{"a ``` b\n\n", "", "````\na ``` b\n````\n"},
		{"`````\n", "", "``````\n`````\n``````\n"},
		{"日本`語``", "", "```\n日本`語``\n```\n"},
	} {
		got := Fence(tc.text, tc.info)
		if got != tc.want {
			t.Errorf("Fence(%q, %q) = %q, want %q", tc.text, tc.info, got, tc.want)
		}
		// The block ends only at its closing fence.
		fence, _, _ := strings.Cut(got, tc.info+"\n")
		if strings.Count(got, fence) != 2 {
			t.Errorf("Fence(%q): the fence %q occurs inside the block: %q", tc.text, fence, got)
		}
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain `code` stays", "plain `code` stays"},
		{"a|b *c* <d>", `a\|b \*c\* \<d>`},
		{"ünï|code", `ünï\|code`},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"one", "> one\n"},
		{"two\r\nlines", "> two\n> lines\n"},
		{"", "> \n"},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGenerated(t *testing.T) {
	doc := "# T\n\n<!-- generated: x (go generate ./internal/config writes this part) -->\nold\nlines\n<!-- end generated: x -->\n\nafter\n"
	got, err := Generated([]byte(doc), "x", "new\n\n")
	want := "# T\n\n<!-- generated: x (go generate ./internal/config writes this part) -->\nnew\n<!-- end generated: x -->\n\nafter\n"
	if err != nil || string(got) != want {
		t.Errorf("Generated = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{
		"# no markers\n",
		"<!-- end generated: x -->\n<!-- generated: x (go generate ./internal/config writes this part) -->\n",
		"<!-- generated: y (go generate ./internal/config writes this part) -->\n<!-- end generated: y -->\n",
	} {
		if _, err := Generated([]byte(bad), "x", "body"); err == nil || !strings.Contains(err.Error(), `no generated part "x"`) {
			t.Errorf("Generated(%q) error = %v, want one naming the missing part", bad, err)
		}
	}
}
