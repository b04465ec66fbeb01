package testjson

import (
	"slices"
	"testing"
)

func TestEvents(t *testing.T) {
	out := []byte(`go: downloading example.com/x v1.0.0
{"ImportPath":"example.com/m/a [example.com/m/a.test]","Action":"build-output","Output":"# example.com/m/a\n"}
{"ImportPath":"example.com/m/a [example.com/m/a.test]","Action":"build-fail"}

{"Action":"run","Package":"example.com/m/b","Test":"TestX"}
{"Action":"output","Package":"example.com/m/b","Test":"TestX","Output":"--- FAIL: TestX (0.01s)\n"}
not json {"Action":"fail"}
{"Action":"fail","Package":"example.com/m/b","Test":"TestX","Elapsed":0.01}
{"Action":"fail","Package":"example.com/m/b","Elapsed":0.5}
{"Action":
`)
	want := []Event{
		{Action: "build-output", ImportPath: "example.com/m/a [example.com/m/a.test]", Output: "# example.com/m/a\n"},
		{Action: "build-fail", ImportPath: "example.com/m/a [example.com/m/a.test]"},
		{Action: "run", Package: "example.com/m/b", Test: "TestX"},
		{Action: "output", Package: "example.com/m/b", Test: "TestX", Output: "--- FAIL: TestX (0.01s)\n"},
		{Action: "fail", Package: "example.com/m/b", Test: "TestX", Elapsed: 0.01},
		{Action: "fail", Package: "example.com/m/b", Elapsed: 0.5},
	}
	if got := slices.Collect(Events(out)); !slices.Equal(got, want) {
		t.Errorf("Events:\n got %+v\nwant %+v", got, want)
	}
	// Stopping early stops the reading.
	for e := range Events(out) {
		if e.Action != "build-output" {
			t.Errorf("the first event is %+v", e)
		}
		break
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		out  string
		n    int
		want string
	}{
		{"", 3, ""},
		{"# example.com/m/a\n./a.go:3:2: undefined: x\n./a.go:4:2: undefined: y\n./a.go:5:2: undefined: z\n", 2, "./a.go:3:2: undefined: x | ./a.go:4:2: undefined: y"},
		{"\n  panic: boom  \n\ngoroutine 1 [running]:\nFAIL\nFAIL\texample.com/m/a\t0.01s\n", 3, "panic: boom | goroutine 1 [running]:"},
		{"FAIL\texample.com/m/a 0.2s\nFAIL\n", 3, ""},
		{"ünïcode: 日本語\r\nsecond", 1, "ünïcode: 日本語"},
	} {
		if got := Excerpt(tc.out, tc.n); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.out, tc.n, got, tc.want)
		}
	}
}
