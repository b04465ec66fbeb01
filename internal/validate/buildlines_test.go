package validate

import (
	"strings"
	"testing"
)

func TestPlusBuildMismatch(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		why       string // words the reason holds; "" for none
	}{
		{"both, matching", "//go:build linux && !cgo\n// +build linux,!cgo\n\npackage a\n", 0, ""},
		{"both, split over lines", "//go:build (linux || darwin) && amd64\n// +build linux darwin\n// +build amd64\n\npackage a\n", 0, ""},
		{"go:build only", "// Copyright\n\n//go:build linux\n\npackage a\n", 3, "has no // +build line"},
		{"both, disagreeing", "//go:build linux\n// +build darwin\n\npackage a\n", 1, "do not say what"},
		{"plus-build only", "// +build linux\n\npackage a\n", 0, ""},
		{"none", "package a\n", 0, ""},
		{"a line after the package clause is no constraint", "package a\n\n//go:build linux\n", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, why := plusBuildMismatch([]byte(tc.src))
			if line != tc.line || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
				t.Errorf("plusBuildMismatch = %d, %q; want %d, %q", line, why, tc.line, tc.why)
			}
		})
	}
}
