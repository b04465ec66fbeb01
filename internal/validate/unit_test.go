package validate

import (
	"slices"
	"strings"
	"testing"
)

func TestParseTestEvents(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"start","Package":"example.com/m/a"}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}`,
		`{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0.01}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestBad"}`,
		`{"Action":"fail","Package":"example.com/m/a","Test":"TestBad","Elapsed":0.02}`,
		`{"Action":"skip","Package":"example.com/m/a","Test":"TestSkip"}`,
		`{"Action":"fail","Package":"example.com/m/a","Elapsed":0.1}`,
		`{"ImportPath":"example.com/m/b","Action":"build-output","Output":"# example.com/m/b\n"}`,
		`{"ImportPath":"example.com/m/b","Action":"build-output","Output":"b/b.go:3:9: undefined: x\n"}`,
		`{"ImportPath":"example.com/m/b","Action":"build-fail"}`,
		`{"Action":"output","Package":"example.com/m/c","Output":"panic: boom in init\n"}`,
		`{"Action":"fail","Package":"example.com/m/c","Elapsed":0.1}`,
		`not json at all`,
	}, "\n")
	results, failed, buildErrs := parseTestEvents([]byte(out))
	if len(results) != 3 {
		t.Fatalf("results = %v, want 3 tests", results)
	}
	if !slices.Equal(failed, []string{"example.com/m/a.TestBad"}) {
		t.Errorf("failed = %v", failed)
	}
	want := []string{"example.com/m/b: b/b.go:3:9: undefined: x", "example.com/m/c: panic: boom in init"}
	if !slices.Equal(buildErrs, want) {
		t.Errorf("buildErrs = %q, want %q", buildErrs, want)
	}
}
