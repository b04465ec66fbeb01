package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// powersModule holds, for each power the policy guards, a file that
// already has it: a patch may keep or move what is there, not add more.
var powersModule = map[string]string{
	"go.mod": "module example.com/powers\n\ngo 1.22\n",
	"run/run.go": `// Package run starts programs.
package run

import "os"

// Start starts name.
func Start(name string) (*os.Process, error) {
	return os.StartProcess(name, []string{name}, &os.ProcAttr{})
}

// Other does nothing.
func Other() {}
`,
	"sys/sys.go": `// Package sys asks the kernel.
package sys

import "syscall"

// PID returns the process ID.
func PID() int { return syscall.Getpid() }
`,
	"sys/unix.go": `package sys

import "golang.org/x/sys/unix"

// TID returns the thread ID.
func TID() int { return unix.Gettid() }
`,
	"cmd/cmd.go": `// Package cmd finds commands.
package cmd

import "os/exec"

// Go finds the go command.
func Go() (string, error) { return exec.LookPath("go") }
`,
	"ptr/ptr.go": `// Package ptr converts.
package ptr

import "unsafe"

// Bytes returns the bytes of s without copying.
func Bytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Next returns the address after p.
func Next(p unsafe.Pointer) unsafe.Pointer { return unsafe.Pointer(uintptr(p) + 1) }
`,
	"plain/plain.go": `// Package plain adds.
package plain

// Add adds.
func Add(a, b int) int { return a + b }
`,
	"plain/link_test.go": `package plain

import (
	"testing"
	_ "unsafe"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

func TestClock(t *testing.T) {
	if nanotime() == 0 {
		t.Fatal("no time")
	}
}
`,
}

// TestPolicyPowers attacks the policy level as a model would: each way to
// reach process execution, cgo, //go:linkname or unsafe that the import
// rule alone lets through must be rejected at its line, and keeping or
// moving what the base already has, and tests that run programs, must not.
func TestPolicyPowers(t *testing.T) {
	repo := gittest.NewRepo(t, powersModule)
	edit := func(name, from, to string) map[string]string {
		t.Helper()
		if !strings.Contains(powersModule[name], from) {
			t.Fatalf("%s does not hold %q", name, from)
		}
		return map[string]string{name: strings.Replace(powersModule[name], from, to, 1)}
	}
	tests := []struct {
		name  string
		files map[string]string
		// copies makes the diff with git's copy detection.
		copies bool
		// want holds a "file:line: message" prefix per finding; none
		// means the level passes.
		want []string
	}{
		{
			name: "os.StartProcess through a renamed import",
			files: map[string]string{"plain/plain.go": `// Package plain adds.
package plain

import o "os"

// Add adds.
func Add(a, b int) int {
	o.StartProcess("/bin/sh", nil, nil)
	return a + b
}
`},
			want: []string{"plain/plain.go:8: calls os.StartProcess: a patch may not add process execution (optimizations never need it)"},
		},
		{
			name: "os.StartProcess through a dot import",
			files: map[string]string{"plain/plain.go": `// Package plain adds.
package plain

import . "os"

// Add adds.
func Add(a, b int) int {
	StartProcess("/bin/sh", nil, nil)
	return a + b
}
`},
			want: []string{"plain/plain.go:8: calls os.StartProcess"},
		},
		{
			name:  "a second os.StartProcess call",
			files: edit("run/run.go", "func Other() {}", "func Other() { os.StartProcess(\"/bin/sh\", nil, nil) }"),
			want:  []string{"run/run.go:12: calls os.StartProcess"},
		},
		{
			name:  "os.StartProcess as a value",
			files: edit("run/run.go", "func Other() {}", "func Other() {}\n\nvar start = os.StartProcess"),
			want:  []string{"run/run.go:14: uses os.StartProcess"},
		},
		{
			name:  "a copy of a file that calls os.StartProcess",
			files: map[string]string{"run/again.go": powersModule["run/run.go"]},
			// The diff says "copy from run/run.go": the new file's
			// calls are added even though its source has them.
			copies: true,
			want:   []string{"run/again.go:8: calls os.StartProcess"},
		},
		{
			name:   "a copy of a file that imports os/exec",
			files:  map[string]string{"cmd/again.go": powersModule["cmd/cmd.go"]},
			copies: true,
			want:   []string{`cmd/again.go: new import of "os/exec" is not allowed`, "cmd/again.go:7: calls exec.LookPath"},
		},
		{
			name:  "syscall.Exec in a file that imports syscall",
			files: edit("sys/sys.go", "func PID() int { return syscall.Getpid() }", "func PID() int { return syscall.Getpid() }\n\n// Shell runs a shell.\nfunc Shell() error { return syscall.Exec(\"/bin/sh\", nil, nil) }"),
			want:  []string{"sys/sys.go:10: calls syscall.Exec"},
		},
		{
			name:  "a raw system call and a fork",
			files: edit("sys/sys.go", "return syscall.Getpid()", "syscall.ForkExec(\"/bin/sh\", nil, nil)\n\tr, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)\n\treturn int(r)"),
			want:  []string{"sys/sys.go:7: calls syscall.ForkExec", "sys/sys.go:8: calls syscall.RawSyscall"},
		},
		{
			name:  "golang.org/x/sys/unix",
			files: edit("sys/unix.go", "return unix.Gettid()", "unix.Exec(\"/bin/sh\", nil, nil)\n\tr, _, _ := unix.Syscall6(unix.SYS_GETTID, 0, 0, 0, 0, 0, 0)\n\treturn int(r)"),
			want:  []string{"sys/unix.go:6: calls unix.Exec", "sys/unix.go:7: calls unix.Syscall6"},
		},
		{
			name:  "exec.Command in a file that imports os/exec",
			files: edit("cmd/cmd.go", `return exec.LookPath("go")`, `exec.Command("go", "env").Run(); return exec.LookPath("go")`),
			want:  []string{"cmd/cmd.go:7: calls exec.Command"},
		},
		{
			name: "plugin.Open",
			files: map[string]string{"plain/plugin.go": `package plain

import "plugin"

func load() { plugin.Open("x.so") }
`},
			want: []string{`plain/plugin.go: new import of "plugin" is not allowed`, "plain/plugin.go:5: calls plugin.Open: a patch may not load plugins"},
		},
		{
			name: `import "C"`,
			files: map[string]string{"plain/cgo.go": `package plain

// #include <stdlib.h>
import "C"

func random() int { return int(C.rand()) }
`},
			want: []string{`plain/cgo.go:4: imports "C": a patch may not add cgo`, "plain/cgo.go:6: uses C.rand"},
		},
		{
			name: "//go:linkname in a new test file",
			files: map[string]string{"plain/fake_test.go": `package plain

import _ "unsafe"

//go:linkname chatty testing.chatty
var chatty any
`},
			want: []string{"plain/fake_test.go:5: adds //go:linkname chatty testing.chatty: a patch may not add //go:linkname directives"},
		},
		{
			name:  "//go:linkname retargeted in a test file",
			files: edit("plain/link_test.go", "runtime.nanotime", "runtime.cputicks"),
			want:  []string{"plain/link_test.go:8: adds //go:linkname nanotime runtime.cputicks"},
		},
		{
			name:  "//go:linkname in non-test code",
			files: edit("ptr/ptr.go", "// Next returns", "//go:linkname fastrand runtime.fastrand\nfunc fastrand() uint32\n\n// Next returns"),
			want:  []string{"ptr/ptr.go:9: adds //go:linkname fastrand runtime.fastrand"},
		},
		{
			name:  "//go:norace",
			files: edit("plain/plain.go", "// Add adds.\n", "// Add adds.\n//\n//go:norace\n"),
			want:  []string{"plain/plain.go:6: adds //go:norace: a patch may not hide code from the race detector"},
		},
		{
			name:  "an added unsafe.Pointer conversion in a file that imports unsafe",
			files: edit("ptr/ptr.go", "// Next returns", "// Int reads an int.\nfunc Int(p *byte) int { return *(*int)(unsafe.Pointer(p)) }\n\n// Next returns"),
			want:  []string{"ptr/ptr.go:10: uses unsafe.Pointer: a patch may not add references to package unsafe"},
		},
		{
			name: "unsafe through a dot import",
			files: map[string]string{"plain/plain.go": `// Package plain adds.
package plain

import . "unsafe"

// Sum adds.
func Sum(a, b int) int { return a + b + int(Sizeof(a)) }
`},
			want: []string{`plain/plain.go: new import of "unsafe" is not allowed`, "plain/plain.go:7: uses unsafe.Sizeof"},
		},
		{
			name:  "an assembly file",
			files: map[string]string{"sys/sys_amd64.s": "TEXT ·spin(SB),0,$0\n\tRET\n"},
			want:  []string{"sys/sys_amd64.s:1: adds assembly source: a patch may not add or change code that the go command builds beside Go"},
		},

		// What a patch may do.
		{
			name: "moving an existing os.StartProcess call within its file",
			files: edit("run/run.go", "\treturn os.StartProcess(name, []string{name}, &os.ProcAttr{})\n}",
				"\treturn start(name)\n}\n\nfunc start(name string) (*os.Process, error) {\n\treturn os.StartProcess(name, []string{name}, &os.ProcAttr{})\n}"),
		},
		{
			name: "tests may run programs",
			files: map[string]string{"plain/run_test.go": `package plain

import (
	"os"
	"os/exec"
	"testing"
)

func TestGoVersion(t *testing.T) {
	if err := exec.Command("go", "version").Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.StartProcess("/bin/true", nil, &os.ProcAttr{}); err != nil {
		t.Log(err)
	}
}
`},
		},
		{
			name:  "removing unsafe uses",
			files: edit("ptr/ptr.go", "func Bytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }", "func Bytes(s string) []byte { return []byte(s) }"),
		},
		{
			// What the modernize suite's unsafefuncs does.
			name:  "rewriting pointer arithmetic as unsafe.Add",
			files: edit("ptr/ptr.go", "unsafe.Pointer(uintptr(p) + 1)", "unsafe.Add(p, 1)"),
		},
		{
			name:  "an existing //go:linkname kept while its test file changes",
			files: edit("plain/link_test.go", `t.Fatal("no time")`, `t.Fatal("the clock stands still")`),
		},
		{
			name:  "a method named Exec on a local value",
			files: edit("sys/sys.go", "func PID() int { return syscall.Getpid() }", "func PID() int { var r runner; r.Exec(); return syscall.Getpid() }\n\ntype runner struct{}\n\nfunc (runner) Exec() {}"),
		},
		{
			name:  "testdata is never built",
			files: map[string]string{"plain/testdata/run.go": "package main\n\nimport \"os\"\n\nfunc main() { os.StartProcess(\"/bin/sh\", nil, nil) }\n"},
		},
	}

	ctx := context.Background()
	r, err := gitx.Open(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	head := strings.TrimSpace(gittest.Git(t, repo, "rev-parse", "HEAD"))
	raws := make([]string, len(tests))
	for i, tc := range tests {
		args := []string{"diff", "--cached"}
		if tc.copies {
			args = append(args, "-C", "--find-copies-harder")
		}
		gittest.WriteFiles(t, repo, tc.files)
		gittest.Git(t, repo, "add", "-A")
		raws[i] = gittest.Git(t, repo, args...)
		gittest.Git(t, repo, "reset", "-q", "--hard")
		gittest.Git(t, repo, "clean", "-qfd")
		if tc.copies && !strings.Contains(raws[i], "\ncopy from ") {
			t.Fatalf("%s: git made no copy:\n%s", tc.name, raws[i])
		}
	}
	wts := &gitx.Worktrees{Repo: r, Base: t.TempDir()}
	defer wts.RemoveAll(ctx)
	wt, err := wts.Add(ctx, "policy", head)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer wt.Reset(ctx)
			files, err := diff.Parse([]byte(raws[i]))
			if err != nil {
				t.Fatal(err)
			}
			c := &candidate{
				v:  &Validator{Objective: "quality", ModuleDir: "."},
				wt: wt, raw: []byte(raws[i]), files: files, modDir: wt.Dir,
			}
			out, err := c.only(ctx, policyLevel)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 {
				if out.status != Pass {
					t.Errorf("policy = %s: %q; want pass", out.status, out.problems)
				}
				return
			}
			if out.status != Fail || len(out.problems) != len(tc.want) {
				t.Fatalf("policy = %s: %q\nwant fail with %d problems: %q", out.status, out.problems, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(out.problems[i], w) {
					t.Errorf("problem %d = %q, want it to start with %q", i, out.problems[i], w)
				}
				if file, line, ok := positioned(w); ok && !slices.ContainsFunc(out.findings, func(f Finding) bool {
					return f.File == file && f.Line == line && strings.HasPrefix(fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message), w)
				}) {
					t.Errorf("findings = %+v, want one at %s:%d", out.findings, file, line)
				}
			}
		})
	}
}

// positioned splits "file:line: message" into its file and line.
func positioned(s string) (string, int, bool) {
	file, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, false
	}
	var line int
	if _, err := fmt.Sscanf(rest, "%d:", &line); err != nil {
		return "", 0, false
	}
	return file, line, true
}

// TestAddedPowers covers what the worktree cases leave out: which of
// several uses is reported, the cgo preamble, and names that only look
// like a dot-imported package's.
func TestAddedPowers(t *testing.T) {
	const cgoBase = `package p

// #include <stdlib.h>
import "C"

func r() int { return int(C.rand()) }
`
	const dotBase = `package p

import . "syscall"

type T struct{ Exec int }

func (T) ForkExec() {}

func pid() int { return Getpid() }
`
	tests := []struct {
		name          string
		test          bool // the file is a _test.go file
		before, after string
		added         []int
		want          []string // "line: message prefix"
	}{
		{
			name:   "the added one of two identical calls is reported",
			before: "package p\n\nimport \"os\"\n\nfunc a() { os.StartProcess(\"x\", nil, nil) }\n",
			after:  "package p\n\nimport \"os\"\n\nfunc b() { os.StartProcess(\"x\", nil, nil) }\n\nfunc a() { os.StartProcess(\"x\", nil, nil) }\n",
			added:  []int{5, 6},
			want:   []string{"5: calls os.StartProcess"},
		},
		{
			name:   "a changed cgo preamble",
			before: cgoBase,
			after:  strings.Replace(cgoBase, "// #include <stdlib.h>", "// #include <stdlib.h>\n// static void init(void) __attribute__((constructor));", 1),
			added:  []int{4},
			want:   []string{"3: changes the cgo preamble"},
		},
		{
			name:   "a new C call in a cgo file",
			before: cgoBase,
			after:  strings.Replace(cgoBase, "C.rand()", "C.rand() + C.abs(1)", 1),
			added:  []int{6},
			want:   []string{"6: uses C.abs"},
		},
		{
			name:   "a //go:cgo_ directive",
			before: "package p\n",
			after:  "package p\n\n//go:cgo_ldflag \"-lc\"\n",
			added:  []int{2, 3},
			want:   []string{"3: adds //go:cgo_ldflag \"-lc\": a patch may not add cgo"},
		},
		{
			name:   "a linkname separated by a tab",
			before: "package p\n",
			after:  "package p\n\nimport _ \"unsafe\"\n\n//go:linkname\tf runtime.f\nfunc f()\n",
			added:  []int{2, 3, 4, 5, 6},
			want:   []string{"5: adds //go:linkname f runtime.f"},
		},
		{
			name:   "a field, a method and a literal key named like syscall's functions",
			before: dotBase,
			after:  strings.Replace(dotBase, "return Getpid()", "_ = T{Exec: 1}\n\tT{}.ForkExec()\n\treturn Getpid()", 1),
			added:  []int{9, 10},
		},
		{
			name:   "an unqualified call to a dot-imported syscall.ForkExec",
			before: dotBase,
			after:  strings.Replace(dotBase, "return Getpid()", "ForkExec(\"/bin/sh\", nil, nil)\n\treturn Getpid()", 1),
			added:  []int{9},
			want:   []string{"9: calls syscall.ForkExec"},
		},
		{
			name:   "the unsafe in a test file is the test's business",
			test:   true,
			before: "package p\n",
			after:  "package p\n\nimport \"unsafe\"\n\nvar size = unsafe.Sizeof(0)\n",
			added:  []int{2, 3, 4, 5},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "p/p.go"
			if tc.test {
				name = "p/p_test.go"
			}
			added := map[int]bool{}
			for _, n := range tc.added {
				added[n] = true
			}
			var got []string
			for _, u := range addedPowers(name, []byte(tc.before), []byte(tc.after), added) {
				got = append(got, fmt.Sprintf("%d: %s", u.line, u.message()))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("uses = %q, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("use %d = %q, want it to start with %q", i, got[i], w)
				}
			}
		})
	}
}
