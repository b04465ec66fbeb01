package chaos

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/testjson"
)

// FaultReport is one weakness an injected I/O fault revealed.
type FaultReport struct {
	Function string `json:"function"`
	// Fault is what was injected: "read error", "one-byte reads", "half
	// reads", "data with EOF", "write error", or "none" for a failure on
	// the plain input.
	Fault string `json:"fault"`
	// Finding is "panic", "hang", "error swallowed" (the function has an
	// error result and returned nil although the reader or writer failed
	// it) or "result changed" (short reads gave another result than whole
	// ones).
	Finding  string `json:"finding"`
	Detail   string `json:"detail,omitempty"`
	Location string `json:"location,omitempty"` // of a panic: the first frame inside the package, repository-relative
}

// Findings of the fault templates.
const (
	FindingPanic     = "panic"
	FindingHang      = "hang"
	FindingSwallowed = "error swallowed"
	FindingChanged   = "result changed"
)

// faultsFileName is the test file the fault-injection tests go in.
const faultsFileName = "zz_optimizer_faults_test.go"

// faultTestPrefix starts the name of every generated fault test.
const faultTestPrefix = "TestOptimizerChaosFaults_"

// findingMarker starts the line on which a generated test reports a
// finding, as JSON.
const findingMarker = "optimizer-chaos-finding "

// faultHang is how long a generated test waits for one call.
const faultHang = 5 * time.Second

// faultValues are the arguments the fault tests pass for the parameters
// that are not readers or writers: small, so that no count or limit
// disables the I/O nor makes it long.
var faultValues = map[string]string{
	"string": `"a b"`, "[]byte": `[]byte("a b")`, "bool": "false",
	"float32": "float32(8)", "float64": "float64(8)",
}

// faultInput is the text every reader serves: lines of words, numbers,
// key=value pairs and non-ASCII letters, enough for a few reads.
const faultInput = "name: chaos\ncount: 3\nthe quick brown fox jumps over the lazy dog\n1,2,3\n4.5 -6 0x7f\nkey=value\nété 世界\n" +
	"the quick brown fox jumps over the lazy dog\nend\n"

// faultsFile renders the fault-injection tests of funcs (each doing I/O)
// as a test file of package pkgName.
func faultsFile(pkgName string, funcs []*function) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s\n\n%s", pkgName, faultsPrelude)
	fmt.Fprintf(&b, "\nconst optimizerChaosInput = %q\n\nconst optimizerChaosHang = %d * time.Second\n", faultInput, int(faultHang/time.Second))
	for _, f := range funcs {
		var args []string
		reader, writer := false, false
		for _, p := range f.Params {
			switch {
			case p.Kind == kindReader && !reader:
				args, reader = append(args, "r"), true
			case p.Kind == kindReadCloser && !reader:
				args, reader = append(args, "io.NopCloser(r)"), true
			case p.Kind == kindWriter && !writer:
				args, writer = append(args, "w"), true
			case p.Kind == kindWriteCloser && !writer:
				args, writer = append(args, "optimizerChaosWriteCloser{w}"), true
			case p.Kind == kindReader:
				args = append(args, "strings.NewReader(optimizerChaosInput)")
			case p.Kind == kindReadCloser:
				args = append(args, "io.NopCloser(strings.NewReader(optimizerChaosInput))")
			case p.Kind == kindWriter:
				args = append(args, "io.Discard")
			case p.Kind == kindWriteCloser:
				args = append(args, "optimizerChaosWriteCloser{io.Discard}")
			case faultValues[p.Type] != "":
				args = append(args, faultValues[p.Type])
			default:
				args = append(args, p.Type+"(8)")
			}
		}
		call := fmt.Sprintf("%s(%s)", f.Name, strings.Join(args, ", "))
		var body string
		if f.Results == 0 {
			body = fmt.Sprintf("\t\t%s\n\t\treturn nil\n", call)
		} else {
			var rs []string
			for i := range f.Results {
				rs = append(rs, fmt.Sprintf("r%d", i))
			}
			body = fmt.Sprintf("\t\t%s := %s\n\t\treturn []interface{}{%s}\n", strings.Join(rs, ", "), call, strings.Join(rs, ", "))
		}
		fmt.Fprintf(&b, "\n// %s%s injects I/O faults into %s.\nfunc %s%s(t *testing.T) {\n", faultTestPrefix, f.Name, f.Name, faultTestPrefix, f.Name)
		fmt.Fprintf(&b, "\tcall := func(r io.Reader, w io.Writer) []interface{} {\n%s\t}\n", body)
		fmt.Fprintf(&b, "\toptimizerChaosFaults(t, %q, call, %s, %s, %t, %t)\n}\n", f.Name, intSlice(f.ErrorAt), intSlice(f.Unequal), reader, writer)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("chaos: fault tests: %w", err)
	}
	return src, nil
}

func intSlice(xs []int) string {
	if len(xs) == 0 {
		return "nil"
	}
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return "[]int{" + strings.Join(s, ", ") + "}"
}

// faultsPrelude is the driver the generated tests share. It is written
// for old go directives too: interface{}, no generics, no range over int.
const faultsPrelude = `import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var errOptimizerChaos = errors.New("optimizer chaos: injected I/O failure")

type optimizerChaosFinding struct {
	Function string ` + "`json:\"function\"`" + `
	Fault    string ` + "`json:\"fault\"`" + `
	Finding  string ` + "`json:\"finding\"`" + `
	Detail   string ` + "`json:\"detail,omitempty\"`" + `
	Location string ` + "`json:\"location,omitempty\"`" + `
}

func optimizerChaosReport(t *testing.T, f optimizerChaosFinding) {
	t.Helper()
	if len(f.Detail) > 600 {
		f.Detail = f.Detail[:600] + "..."
	}
	b, _ := json.Marshal(f)
	t.Errorf("` + findingMarker + `%s", b)
}

// optimizerChaosFailingReader serves its reader, then fails.
type optimizerChaosFailingReader struct {
	r      io.Reader
	failed bool
}

func (f *optimizerChaosFailingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		f.failed = true
		return n, errOptimizerChaos
	}
	return n, err
}

// optimizerChaosFailingWriter takes a few bytes, then fails.
type optimizerChaosFailingWriter struct {
	room   int
	failed bool
}

func (f *optimizerChaosFailingWriter) Write(p []byte) (int, error) {
	if len(p) <= f.room {
		f.room -= len(p)
		return len(p), nil
	}
	n := f.room
	f.room = 0
	f.failed = true
	return n, errOptimizerChaos
}

type optimizerChaosWriteCloser struct{ io.Writer }

func (optimizerChaosWriteCloser) Close() error { return nil }

// optimizerChaosCall runs call with a recover and a time limit, reports a
// panic or a hang, and says whether call returned.
func optimizerChaosCall(t *testing.T, fn, fault string, call func()) bool {
	t.Helper()
	done := make(chan *optimizerChaosFinding, 1)
	go func() {
		returned := false
		defer func() {
			if returned {
				done <- nil
				return
			}
			r := recover()
			done <- &optimizerChaosFinding{Function: fn, Fault: fault, Finding: "panic", Detail: fmt.Sprint(r), Location: optimizerChaosWhere()}
		}()
		call()
		returned = true
	}()
	select {
	case f := <-done:
		if f != nil {
			optimizerChaosReport(t, *f)
			return false
		}
		return true
	case <-time.After(optimizerChaosHang):
		optimizerChaosReport(t, optimizerChaosFinding{Function: fn, Fault: fault, Finding: "hang", Detail: fmt.Sprintf("did not return within %v", optimizerChaosHang)})
		return false
	}
}

// optimizerChaosWhere is the innermost frame of the panicking stack in
// the package's own code.
func optimizerChaosWhere() string {
	_, self, _, _ := runtime.Caller(0)
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		fr, more := frames.Next()
		if filepath.Dir(fr.File) == filepath.Dir(self) && !strings.HasSuffix(fr.File, "_test.go") {
			return fmt.Sprintf("%s:%d", fr.File, fr.Line)
		}
		if !more {
			return ""
		}
	}
}

// optimizerChaosComparable is what is compared of a call: errors by
// message, what the writer got, and no func or channel.
func optimizerChaosComparable(res []interface{}, unequal []int, out string, writes bool) []interface{} {
	var c []interface{}
	for i, r := range res {
		skip := false
		for _, u := range unequal {
			skip = skip || u == i
		}
		switch e := r.(type) {
		case nil:
			c = append(c, nil)
		case error:
			c = append(c, "error: "+e.Error())
		default:
			if skip {
				c = append(c, nil)
			} else {
				c = append(c, r)
			}
		}
	}
	if writes {
		c = append(c, "written: "+out)
	}
	return c
}

func optimizerChaosNilErrors(res []interface{}, errAt []int) bool {
	for _, i := range errAt {
		if i < len(res) && res[i] != nil {
			return false
		}
	}
	return len(errAt) > 0
}

func optimizerChaosShow(v []interface{}) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// optimizerChaosFaults calls the function with whole reads and writes,
// then with short reads, a reader that fails and a writer that fails.
func optimizerChaosFaults(t *testing.T, fn string, call func(io.Reader, io.Writer) []interface{}, errAt, unequal []int, reads, writes bool) {
	t.Helper()
	whole := func() ([]interface{}, bool) {
		var res []interface{}
		var out bytes.Buffer
		ok := optimizerChaosCall(t, fn, "none", func() { res = call(strings.NewReader(optimizerChaosInput), &out) })
		return optimizerChaosComparable(res, unequal, out.String(), writes), ok
	}
	want, ok := whole()
	if !ok {
		return
	}
	again, _ := whole()
	// A function whose result changes from call to call (a clock, a
	// random number, a map's order) cannot be compared.
	stable := reflect.DeepEqual(want, again)
	if reads {
		shorts := []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{
			{"one-byte reads", iotest.OneByteReader},
			{"half reads", iotest.HalfReader},
			{"data with EOF", iotest.DataErrReader},
		}
		for _, short := range shorts {
			var res []interface{}
			var out bytes.Buffer
			if !optimizerChaosCall(t, fn, short.name, func() { res = call(short.wrap(strings.NewReader(optimizerChaosInput)), &out) }) {
				continue
			}
			if got := optimizerChaosComparable(res, unequal, out.String(), writes); stable && !reflect.DeepEqual(got, want) {
				optimizerChaosReport(t, optimizerChaosFinding{Function: fn, Fault: short.name, Finding: "result changed",
					Detail: "got " + optimizerChaosShow(got) + ", want " + optimizerChaosShow(want)})
			}
		}
		half := len(optimizerChaosInput) / 2
		fr := &optimizerChaosFailingReader{r: strings.NewReader(optimizerChaosInput[:half])}
		var res []interface{}
		if optimizerChaosCall(t, fn, "read error", func() { res = call(fr, io.Discard) }) && fr.failed && optimizerChaosNilErrors(res, errAt) {
			optimizerChaosReport(t, optimizerChaosFinding{Function: fn, Fault: "read error", Finding: "error swallowed",
				Detail: fmt.Sprintf("returned a nil error although its reader failed after %d bytes", half)})
		}
	}
	if writes {
		fw := &optimizerChaosFailingWriter{room: 8}
		var res []interface{}
		if optimizerChaosCall(t, fn, "write error", func() { res = call(strings.NewReader(optimizerChaosInput), fw) }) && fw.failed && optimizerChaosNilErrors(res, errAt) {
			optimizerChaosReport(t, optimizerChaosFinding{Function: fn, Fault: "write error", Finding: "error swallowed",
				Detail: "returned a nil error although its writer failed after 8 bytes"})
		}
	}
}
`

// faults writes the fault tests of the package's I/O functions, runs
// them, and records the findings.
func (s *task) faults(ctx context.Context) {
	var funcs []*function
	for _, f := range s.funcs {
		if f.doesIO() {
			funcs = append(funcs, f)
		}
	}
	if len(funcs) == 0 {
		return
	}
	if s.names["optimizerChaosFaults"] {
		s.note("fault injection skipped: the package already declares the generated tests' names")
		return
	}
	defer func() {
		if err := s.pass.Worktree.Reset(context.WithoutCancel(ctx)); err != nil {
			s.note("could not reset the worktree after the fault tests: %v", err)
		}
	}()
	src, err := faultsFile(s.pkg.Name, funcs)
	if err == nil {
		err = os.WriteFile(filepath.Join(s.pkg.Dir, faultsFileName), src, 0o644)
	}
	if err != nil {
		s.note("fault injection skipped: %v", err)
		return
	}
	limit := s.commandTimeout()
	res, err := s.pass.Sandbox.Run(ctx, s.pass.ModuleDir, limit, "go", "test", "-json", "-count=1", "-vet=off",
		"-timeout="+goTestTimeout(limit).String(), "-run=^"+faultTestPrefix, s.pattern)
	if err != nil {
		s.note("fault injection: %v", err)
		return
	}
	run := parseTestJSON(res.Stdout)
	if run.buildFailed {
		s.note("fault injection skipped: the generated tests do not build: %s", testjson.Excerpt(run.buildOutput, 3))
		return
	}
	found := parseFindings(run)
	for i := range found {
		found[i].Location = s.relLocation(found[i].Location)
	}
	if res.TimedOut || run.timedOut {
		s.note("fault injection: the tests did not finish within %v", limit)
	}
	s.det.Faults = append(s.det.Faults, found...)
	for i, f := range found {
		if i == maxListed {
			s.note("… and %d more fault findings (see the details)", len(found)-maxListed)
			break
		}
		where := ""
		if f.Location != "" {
			where = f.Location + ": "
		}
		s.note("fault: %s%s under %s: %s: %s", where, f.Function, f.Fault, f.Finding, f.Detail)
	}
	s.logf("fault injection: %d functions, %d findings", len(funcs), len(found))
}

// parseFindings reads the findings the generated tests reported, and
// turns a test that failed without reporting one (its process died: a
// panic in a goroutine the function started) into a panic finding.
func parseFindings(run *testRun) []FaultReport {
	var out []FaultReport
	tests := map[string]bool{}
	for name, b := range run.output {
		for _, line := range strings.Split(b.String(), "\n") {
			i := strings.Index(line, findingMarker)
			if i < 0 {
				continue
			}
			var f FaultReport
			if json.Unmarshal([]byte(line[i+len(findingMarker):]), &f) == nil && f.Function != "" {
				out = append(out, f)
				tests[name] = true
			}
		}
	}
	for _, name := range run.failed {
		fn, ok := strings.CutPrefix(name, faultTestPrefix)
		if !ok || tests[name] {
			continue
		}
		detail := "the test process died"
		for _, l := range strings.Split(outputOf(run, name)+outputOf(run, ""), "\n") {
			if m := fuzzPanic.FindStringSubmatch(l); m != nil {
				detail = strings.TrimSpace(m[1])
				break
			}
		}
		out = append(out, FaultReport{Function: fn, Fault: "none", Finding: FindingPanic, Detail: detail})
	}
	sortFindings(out)
	return out
}

func sortFindings(fs []FaultReport) {
	order := map[string]int{FindingPanic: 0, FindingHang: 1, FindingSwallowed: 2, FindingChanged: 3}
	slices.SortStableFunc(fs, func(a, b FaultReport) int {
		return cmp.Or(strings.Compare(a.Function, b.Function), order[a.Finding]-order[b.Finding], strings.Compare(a.Fault, b.Fault))
	})
}
