package validate

import (
	"strings"
	"testing"
)

func TestGamingProblems(t *testing.T) {
	const base = `package p

import "strings"

var table = map[byte]int{'a': 1}

func Upper(s string) string { return strings.ToUpper(s) }
`
	tests := []struct {
		name  string
		after string
		want  []string // substrings, one per problem; none means clean
	}{
		{"unchanged", base, nil},
		{"real speed-up with a read-only table", strings.Replace(base, "strings.ToUpper(s)", "upper(s)", 1) + `
func upper(s string) string { _ = table[s[0]]; return s }
`, nil},
		{"testing.Testing", strings.Replace(base, `import "strings"`, `import (
	"strings"
	"testing"
)`, 1) + `
func fast() bool { return testing.Testing() }
`, []string{"testing.Testing"}},
		{"renamed import of testing", strings.Replace(base, `import "strings"`, `import (
	"strings"
	t "testing"
)`, 1) + `
var _ = t.Short
`, []string{"testing.Short"}},
		{"os.Args in a library", strings.Replace(base, `import "strings"`, `import (
	"os"
	"strings"
)`, 1) + `
func bench() bool { return len(os.Args) > 1 && strings.Contains(os.Args[1], "bench") }
`, []string{"os.Args"}},
		{"flag lookup", strings.Replace(base, `import "strings"`, `import (
	"flag"
	"strings"
)`, 1) + `
func bench() bool { return flag.Lookup("test.bench") != nil }
`, []string{"flag.Lookup"}},
		{"call stack", strings.Replace(base, `import "strings"`, `import (
	"runtime"
	"strings"
)`, 1) + `
func caller() uintptr { pc, _, _, _ := runtime.Caller(2); return pc }
`, []string{"runtime.Caller"}},
		{"memo in a package-level map", base + `
var memo = map[string]string{}

func Cached(s string) string {
	if r, ok := memo[s]; ok {
		return r
	}
	r := Upper(s)
	memo[s] = r
	return r
}
`, []string{"package-level map memo"}},
		{"memo in a sync.Map", strings.Replace(base, `import "strings"`, `import (
	"strings"
	"sync"
)`, 1) + `
var memo sync.Map

func Cached(s string) string {
	if r, ok := memo.Load(s); ok {
		return r.(string)
	}
	r := Upper(s)
	memo.Store(s, r)
	return r
}
`, []string{"package-level map memo"}},
		{"new writes to an existing table", base + `
func Learn(b byte) { table[b] = 2 }
`, []string{"package-level map table"}},
		{"a local map is no cache", base + `
func Count(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}
`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := gamingProblems("p/p.go", []byte(base), []byte(tc.after))
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %q, want %d matching %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) || !strings.Contains(got[i], "benchmark integrity") {
					t.Errorf("problem %d = %q, want it to name %q", i, got[i], w)
				}
			}
		})
	}
	// In package main, the program's own arguments are its business.
	main := "package main\n\nimport \"os\"\n\nfunc main() { println(len(os.Args)) }\n"
	if got := gamingProblems("main.go", nil, []byte(main)); len(got) != 0 {
		t.Errorf("package main reading os.Args: %q", got)
	}
}
