package validate

import (
	"fmt"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

func TestNamesAPI(t *testing.T) {
	const src = `package a

import "strings"

type S struct{ Field int }

func F(words []string, w string) (int, S) {
	for i := range words {
		if words[i] == w {
			return i, S{}
		}
	}
	up := strings.ToUpper(w)
	_ = up
	return -1, S{
		Field: 1,
	}
}
`
	const dotSrc = `package a

import . "strings"

func G(w string) string {
	up := ToUpper(w)
	return up
}
`
	tests := []struct {
		name  string
		src   string
		lines []int
		want  bool
	}{
		{"a loop and a condition", src, []int{8, 9}, false},
		{"a qualified identifier", src, []int{13}, true},
		{"a composite literal's key", src, []int{16}, true},
		{"a name in a file that dot-imports", dotSrc, []int{6}, true},
		{"a closing brace in a file that dot-imports", dotSrc, []int{8}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "a.go", tc.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			lines := map[int]bool{}
			for _, l := range tc.lines {
				lines[l] = true
			}
			if got := namesAPI(fset, f, lines); got != tc.want {
				t.Errorf("namesAPI(lines %v) = %v, want %v", tc.lines, got, tc.want)
			}
		})
	}
}

// TestVetTypeErrorFinding reads the line go vet prints for a package that
// does not type-check: the finding is at the file, not at "vet: file".
func TestVetTypeErrorFinding(t *testing.T) {
	c := &pass{candidate: trimmedCandidate()}
	c.addFindings([]byte("# example.com/m/a\nvet: a/a.go:3:23: undefined: x\n"), nil)
	if f := c.findings; len(f) != 1 || f[0].File != "sub/a/a.go" || f[0].Line != 3 {
		t.Errorf("findings = %+v, want one at sub/a/a.go:3", f)
	}
	if got := vetFindings([]byte("vet: a/a.go:3:23: undefined: x\n")); got["a.go: undefined: x"] != 1 {
		t.Errorf("vetFindings = %v, want the key a.go: undefined: x", got)
	}
}

// TestVetFindingsOnlyNew: the base has the same vet message on five lines
// and the candidate on six; the one new finding is reported — the line
// the patch changed, or when it changed none of them, the last — and not
// the base's five.
func TestVetFindingsOnlyNew(t *testing.T) {
	var out strings.Builder
	out.WriteString("# example.com/m/a\n")
	for _, line := range []int{3, 9, 14, 20, 27, 31} {
		fmt.Fprintf(&out, "a/a.go:%d:2: fmt.Sprintf format %%d has arg s of wrong type string\n", line)
	}
	fmt.Fprintf(&out, "a/b.go:4:1: unreachable code\n")
	cand := vetFindings([]byte(out.String()))
	base := map[string]int{"a.go: fmt.Sprintf format %d has arg s of wrong type string": 5, "b.go: unreachable code": 1}
	added := newFindings(cand, base)
	keep := map[string]int{}
	for _, k := range added {
		keep[k]++
	}
	for _, tc := range []struct {
		name    string
		changed int // the line of a/a.go the patch adds; 0 for none of them
		want    int
	}{
		{"the changed line", 14, 14},
		{"no changed line: the last", 0, 31},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &pass{candidate: trimmedCandidate()}
			if tc.changed > 0 {
				files, err := diff.Parse([]byte(fmt.Sprintf("--- a/sub/a/a.go\n+++ b/sub/a/a.go\n@@ -%d,1 +%d,1 @@\n-x\n+y\n", tc.changed, tc.changed)))
				if err != nil {
					t.Fatal(err)
				}
				c.files = files
			}
			c.addFindings([]byte(out.String()), keep)
			if f := c.findings; len(f) != 1 || f[0].File != "sub/a/a.go" || f[0].Line != tc.want {
				t.Errorf("findings = %+v, want only sub/a/a.go:%d", f, tc.want)
			}
		})
	}
}
