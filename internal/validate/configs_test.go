package validate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// configsModule defines Comma in a file for App Engine and JS and in one
// for every other configuration (as dustin/go-humanize did), has a file
// for Windows with a vet finding of its own, a generator that no
// configuration builds, and a package that only Windows builds.
var configsModule = map[string]string{
	"go.mod":           "module example.com/hum\n\ngo 1.22\n",
	"x_gae.go":         "//go:build appengine || js\n\npackage hum\n\nimport \"strconv\"\n\n// Comma formats n.\nfunc Comma(n int64) string { return strconv.FormatInt(n, 10) }\n",
	"x_ngae.go":        "//go:build !appengine && !js\n\npackage hum\n\nimport \"strconv\"\n\n// Comma formats n.\nfunc Comma(n int64) string { return strconv.FormatInt(n, 10) }\n",
	"y_windows.go":     "package hum\n\nimport \"fmt\"\n\n// Sep is the path separator.\nfunc Sep() string { return fmt.Sprintf(\"%d\", \"\\\\\") }\n",
	"gen.go":           "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
	"win/w_windows.go": "package win\n\n// W is w.\nconst W = 1\n",
}

// TestTypesChecksOtherBuildConfigs validates patches to files that the
// host's build configuration excludes, through the production path up to
// the types level: each is type-checked and vetted under a configuration
// that includes it, which the level names; a vet finding the base has
// under that configuration is not held against the patch.
func TestTypesChecksOtherBuildConfigs(t *testing.T) {
	if testing.Short() {
		t.Skip("vets a module for other platforms")
	}
	repo := gittest.NewRepo(t, configsModule)
	ws, cfg := openWorkspace(t, repo)
	v, err := ws.Validator(cfg, nil).WithLevelOrder("policy", "syntax", "types")
	if err != nil {
		t.Fatal(err)
	}
	gae, ngae, win := configsModule["x_gae.go"], configsModule["x_ngae.go"], configsModule["y_windows.go"]
	itoa := func(src string) string {
		return strings.Replace(src, "strconv.FormatInt(n, 10)", "strconv.Itoa(int(n))", 1)
	}
	tests := []struct {
		name  string
		files map[string]string
		// rejectedBy is "" for an accepted patch.
		rejectedBy string
		// types are words the types level's detail must hold.
		types []string
		// finding is the file:line and words of a finding Report.Findings must hold.
		finding, findingWords string
	}{
		{
			name:         "a type error in the App Engine file alone",
			files:        map[string]string{"x_gae.go": strings.Replace(gae, "10)", "10) + 1", 1)},
			rejectedBy:   "types",
			types:        []string{"go vet with GOOS=", "-tags appengine failed: x_gae.go: invalid operation"},
			finding:      "x_gae.go:8",
			findingWords: "-tags appengine: ",
		},
		{
			name:  "both files changed alike",
			files: map[string]string{"x_gae.go": itoa(gae), "x_ngae.go": itoa(ngae)},
			types: []string{"type-check and vet pass for 1 packages", "also type-checked and vetted", "-tags appengine (x_gae.go)"},
		},
		{
			name:         "a new vet finding in the file for Windows",
			files:        map[string]string{"y_windows.go": win + "\n// Twice repeats s.\nfunc Twice(s string) string { return fmt.Sprintf(\"%s%s\", s) }\n"},
			rejectedBy:   "types",
			types:        []string{"go vet with GOOS=windows GOARCH=", " CGO_ENABLED=0 failed: y_windows.go: fmt.Sprintf format %s reads arg #2, but call has 1 arg"},
			finding:      "y_windows.go:9",
			findingWords: "with GOOS=windows GOARCH=",
		},
		{
			name:  "the Windows file's own vet finding is the base's",
			files: map[string]string{"y_windows.go": win + "\n// Colon is the list separator.\nconst Colon = \";\"\n"},
			types: []string{"with GOOS=windows GOARCH=", " CGO_ENABLED=0 (y_windows.go) (1 vet findings are on the base too)"},
		},
		{
			name:         "a type error in a package only Windows builds",
			files:        map[string]string{"win/w_windows.go": strings.Replace(configsModule["win/w_windows.go"], "1\n", "\"1\" + 1\n", 1)},
			rejectedBy:   "types",
			types:        []string{"go vet with GOOS=windows GOARCH=", " CGO_ENABLED=0 failed: w_windows.go: invalid operation"},
			finding:      "win/w_windows.go:4",
			findingWords: "with GOOS=windows GOARCH=",
		},
		{
			name:  "a generator no configuration builds",
			files: map[string]string{"gen.go": strings.Replace(configsModule["gen.go"], "{}", "{ println() }", 1)},
			types: []string{"gen.go (//go:build ignore): no build configuration with cgo off includes it; not type-checked"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := validateIn(t, ws, v, "configs", diffOf(t, repo, tc.files), 5*time.Minute)
			if rep.RejectedBy != tc.rejectedBy {
				t.Fatalf("rejected by %q, want %q", rep.RejectedBy, tc.rejectedBy)
			}
			types := rep.Level("types")
			for _, w := range tc.types {
				if types == nil || !strings.Contains(types.Detail, w) {
					t.Errorf("types detail lacks %q", w)
				}
			}
			if tc.finding == "" {
				return
			}
			for _, f := range rep.Findings {
				if fmt.Sprintf("%s:%d", f.File, f.Line) == tc.finding && strings.Contains(f.Message, tc.findingWords) {
					return
				}
			}
			t.Errorf("findings %+v lack one at %s saying %q", rep.Findings, tc.finding, tc.findingWords)
		})
	}
}
