package action

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/agentic-optimizer/optimizer/internal/action/actiontest"
)

func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// injection is a value that, written as it is, ends its own output early
// and defines others; its last line opens one more, which the delimiter the
// library writes after the value closes, so the file stays well-formed.
const injection = "line one\n" + Delimiter + "\nowned=yes\naccepted<<" + Delimiter

// TestDelimiterIsTheLibrarys shows the attack on the library itself: if
// the library ever changes its delimiter, this fails and Delimiter must
// follow.
func TestDelimiterIsTheLibrarys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "output")
	gha := githubactions.New(githubactions.WithGetenv(envWith(map[string]string{"GITHUB_OUTPUT": file})))
	gha.SetOutput("summary", injection)
	_, names, err := actiontest.ParseOutputs(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "owned") {
		t.Fatalf("the library's own SetOutput no longer lets %q forge outputs (names %v): update Delimiter", Delimiter, names)
	}
}

// TestSetOutputCannotCreateASecondOutput is the guarantee: whatever the
// value, SetOutput writes one output or none.
func TestSetOutputCannotCreateASecondOutput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "output")
	rt := New(&bytes.Buffer{}, envWith(map[string]string{"GITHUB_OUTPUT": file}))
	if err := rt.SetOutput("accepted", "2"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{
		injection,
		Delimiter,
		"x" + Delimiter + "y",
		"a\r\n" + Delimiter + "\r\nowned=yes",
	} {
		err := rt.SetOutput("summary", v)
		if !errors.Is(err, ErrUnsafeValue) {
			t.Errorf("SetOutput(%q) = %v, want ErrUnsafeValue", v, err)
		}
	}
	for _, name := range []string{"owned=yes\nx", "a<<b", ""} {
		if err := rt.SetOutput(name, "v"); !errors.Is(err, ErrUnsafeValue) {
			t.Errorf("SetOutput with name %q = %v, want ErrUnsafeValue", name, err)
		}
	}
	multi := "patches/a.patch\npatches/b.patch\nowned=yes"
	if err := rt.SetOutput("patch", multi); err != nil {
		t.Fatal(err)
	}
	values, names, err := actiontest.ParseOutputs(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"accepted", "patch"}) {
		t.Fatalf("outputs %v, want [accepted patch]", names)
	}
	if values["accepted"] != "2" || values["patch"] != multi {
		t.Fatalf("values %q", values)
	}
}

func TestFileCommandsWithoutFile(t *testing.T) {
	rt := New(&bytes.Buffer{}, envWith(nil))
	if err := rt.SetOutput("accepted", "1"); !errors.Is(err, ErrNoFile) {
		t.Errorf("SetOutput without GITHUB_OUTPUT = %v, want ErrNoFile", err)
	}
	if err := rt.AppendSummary("# x"); !errors.Is(err, ErrNoFile) {
		t.Errorf("AppendSummary without GITHUB_STEP_SUMMARY = %v, want ErrNoFile", err)
	}
	rt = New(&bytes.Buffer{}, envWith(map[string]string{"GITHUB_OUTPUT": filepath.Join(t.TempDir(), "no", "such", "dir")}))
	if err := rt.SetOutput("accepted", "1"); err == nil {
		t.Error("SetOutput into a missing directory succeeded")
	}
}

func TestAppendSummary(t *testing.T) {
	file := filepath.Join(t.TempDir(), "summary")
	rt := New(&bytes.Buffer{}, envWith(map[string]string{"GITHUB_STEP_SUMMARY": file}))
	if err := rt.AppendSummary("## one"); err != nil {
		t.Fatal(err)
	}
	if err := rt.AppendSummary(strings.Repeat("x", 1<<20)); err == nil {
		t.Error("a 1 MiB summary was accepted")
	}
	b, _ := os.ReadFile(file)
	if string(b) != "## one\n" {
		t.Errorf("summary file %q", b)
	}
}

func TestMask(t *testing.T) {
	var out bytes.Buffer
	rt := New(&out, envWith(nil))
	rt.Mask("ghp_secret", "", "  ", "line1\nline2\n", " ghp_secret ")
	want := "::add-mask::ghp_secret\n::add-mask::line1\n::add-mask::line2\n"
	if out.String() != want {
		t.Errorf("mask commands:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestAnnotate(t *testing.T) {
	var out bytes.Buffer
	rt := New(&out, envWith(nil))
	var as []Annotation
	for i := range 12 {
		as = append(as, Annotation{Level: Notice, File: "a/b,c.go", Line: i + 1, EndLine: i + 3,
			Title: "title: with, punctuation", Message: fmt.Sprintf("message %d\n::error::forged\r\n%%0A", i)})
	}
	as = append(as, Annotation{Level: Warning, Message: "whole run"})
	if dropped := rt.Annotate(as); dropped != 2 {
		t.Errorf("dropped %d, want 2", dropped)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 11 {
		t.Fatalf("%d command lines, want 11:\n%s", len(lines), out.String())
	}
	want := "::notice endLine=3,file=a/b%2Cc.go,line=1,title=title%3A with%2C punctuation::message 0 ::error::forged %250A"
	if lines[0] != want {
		t.Errorf("first annotation\n%s\nwant\n%s", lines[0], want)
	}
	if lines[10] != "::warning::whole run" {
		t.Errorf("last annotation %q", lines[10])
	}
}

func TestNeutralize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"optimizer: agent 1: validate x\n", "optimizer: agent 1: validate x\n"},
		{"::set-output name=x::y\n", `\::set-output name=x::y` + "\n"},
		{"  \t::error::x\n", "  \t\\::error::x\n"},
		{"ok\r::add-mask::x\n", "ok\r\\::add-mask::x\n"},
		{"text ##[error]x and ##[group]y\n", `text ##\[error]x and ##\[group]y` + "\n"},
		{"a::b is fine\n", "a::b is fine\n"},
	} {
		if got := Neutralize(tc.in); got != tc.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	json := []byte(`{"description": "##[error]x"}`)
	if got := string(NeutralizeJSON(json)); got != `{"description": "##\u005berror]x"}` {
		t.Errorf("NeutralizeJSON = %s", got)
	}
}

func TestLog(t *testing.T) {
	var out bytes.Buffer
	l := NewLog(&out)
	fmt.Fprint(l, "::warning::from a test ")
	fmt.Fprint(l, "output\nnext ")
	New(l.Commands(), envWith(nil)).Group("mine")
	fmt.Fprint(l, "line\n::error::again")
	l.Flush()
	want := "\\::warning::from a test output\nnext \n::group::mine\nline\n\\::error::again\n"
	if out.String() != want {
		t.Errorf("log:\n%q\nwant\n%q", out.String(), want)
	}

	out.Reset()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				fmt.Fprintf(l, "::agent %d line %d\n", i, j)
			}
		})
	}
	wg.Wait()
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, `\::agent `) {
			t.Fatalf("line %q got through", line)
		}
	}
}
