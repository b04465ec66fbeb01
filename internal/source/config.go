package source

import (
	"bytes"
	"go/build"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A Config is a build configuration with cgo off: a GOOS/GOARCH pair and
// build tags. A file that the host's configuration excludes (x_windows.go,
// //go:build appengine) is type-checked under one that includes it. Cgo is
// off because a cross type-check needs no C toolchain: go vet with it
// links and runs nothing.
type Config struct {
	GOOS, GOARCH string
	Tags         []string // sorted
}

// Env is the configuration as the go command's environment.
func (c Config) Env() []string {
	return []string{"GOOS=" + c.GOOS, "GOARCH=" + c.GOARCH, "CGO_ENABLED=0"}
}

// Flags are the go command's flags for the configuration's tags: none, or
// -tags=a,b.
func (c Config) Flags() []string {
	if len(c.Tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(c.Tags, ",")}
}

// String is the configuration as a shell sets it, for messages that a
// reader can run again: "GOOS=js GOARCH=wasm CGO_ENABLED=0",
// "GOOS=linux GOARCH=amd64 CGO_ENABLED=0 -tags appengine".
func (c Config) String() string {
	s := strings.Join(c.Env(), " ")
	if len(c.Tags) > 0 {
		s += " -tags " + strings.Join(c.Tags, ",")
	}
	return s
}

// Includes reports whether the configuration builds the Go file name
// (only its base name counts, for its _GOOS_GOARCH suffix) whose content
// is src, by go/build's rules. A file that imports "C" needs cgo, which
// no Config has.
func (c Config) Includes(name string, src []byte) bool {
	f, ok := parseHeader(name, src)
	return ok && !f.cgo && c.matches(name, src)
}

// matches is go/build's MatchFile for the configuration, reading src.
func (c Config) matches(name string, src []byte) bool {
	ctxt := build.Default
	ctxt.GOOS, ctxt.GOARCH, ctxt.CgoEnabled, ctxt.Compiler = c.GOOS, c.GOARCH, false, "gc"
	ctxt.BuildTags = c.Tags
	ctxt.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(src)), nil }
	ok, err := ctxt.MatchFile(".", filepath.Base(name))
	return err == nil && ok
}

// maxFreeTags and maxTagsSet bound ConfigFor's search: of a file's free
// tags it sets only the first maxFreeTags (sorted), at most maxTagsSet at
// once. A constraint that needs more is rare; the search stays cheap.
const (
	maxFreeTags = 12
	maxTagsSet  = 3
)

// ConfigFor returns the configuration that builds the Go file name with
// content src, preferring the host's GOOS/GOARCH (goos, goarch): the
// host's pair with the fewest tags that satisfy the file's constraint,
// then the other ports of the toolchain (those of the host's GOOS, then of
// its GOARCH, then the rest), each again with the fewest tags. The tags it
// sets are the constraint's own that name no platform, compiler, cgo,
// release or experiment: those the go command sets by itself. ok is false
// when no configuration builds the file: //go:build ignore, a GOOS that no
// port has, a file that imports "C".
func ConfigFor(name string, src []byte, goos, goarch string) (c Config, ok bool) {
	f, ok := parseHeader(name, src)
	if !ok || f.cgo {
		return Config{}, false
	}
	for _, pair := range portOrder(goos, goarch) {
		o, a, _ := strings.Cut(pair, "/")
		for _, tags := range subsets(f.free, maxTagsSet) {
			c := Config{GOOS: o, GOARCH: a, Tags: tags}
			if c.matches(name, src) {
				return c, true
			}
		}
	}
	return Config{}, false
}

// Constraint returns the build constraint lines of the Go file name with
// content src, for messages: "//go:build ignore"; "" when it has none.
func Constraint(name string, src []byte) string {
	h, _ := parseHeader(name, src)
	return strings.Join(h.lines, "; ")
}

// header is what ConfigFor reads of a file: whether it uses cgo, its
// build constraint lines, and the tags of them that a -tags flag may set.
type header struct {
	cgo   bool
	lines []string
	free  []string
}

// parseHeader reads the imports and the build constraints of a Go file;
// ok is false when it does not parse.
func parseHeader(name string, src []byte) (header, bool) {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return header{}, false
	}
	var h header
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "C" {
			h.cgo = true
		}
	}
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if !constraint.IsGoBuild(c.Text) && !constraint.IsPlusBuild(c.Text) {
				continue
			}
			x, err := constraint.Parse(c.Text)
			if err != nil {
				continue
			}
			h.lines = append(h.lines, c.Text)
			x.Eval(func(tag string) bool {
				if freeTag(tag) && !slices.Contains(h.free, tag) {
					h.free = append(h.free, tag)
				}
				return false
			})
		}
	}
	slices.Sort(h.free)
	h.free = h.free[:min(len(h.free), maxFreeTags)]
	return h, true
}

// freeTag reports whether -tags may set tag for a configuration: not a
// GOOS or GOARCH (GOOS=js sets js), not one the go command sets by itself
// (cgo, gc, unix, go1.21, goexperiment.x, amd64.v2), and not ignore, which
// by convention marks a file no build includes.
func freeTag(tag string) bool {
	switch {
	case strings.Contains(tag, "."), slices.Contains(knownOS, tag), slices.Contains(knownArch, tag):
		return false
	}
	return !slices.Contains([]string{"cgo", "gc", "gccgo", "unix", "ignore", "boringcrypto"}, tag)
}

// subsets returns the subsets of tags of at most most elements, fewest
// first, each sorted; the first is empty.
func subsets(tags []string, most int) [][]string {
	out := [][]string{nil}
	for size := 1; size <= min(most, len(tags)); size++ {
		var grow func(start int, cur []string)
		grow = func(start int, cur []string) {
			if len(cur) == size {
				out = append(out, slices.Clone(cur))
				return
			}
			for i := start; i < len(tags); i++ {
				grow(i+1, append(cur, tags[i]))
			}
		}
		grow(0, nil)
	}
	return out
}

// portOrder lists the ports in the order ConfigFor tries them: the host's
// (goos/goarch, even if the list lacks it), those of its GOOS, those of
// its GOARCH, then the rest.
func portOrder(goos, goarch string) []string {
	host := goos + "/" + goarch
	out := []string{host}
	for _, keep := range []func(o, a string) bool{
		func(o, _ string) bool { return o == goos },
		func(_, a string) bool { return a == goarch },
		func(string, string) bool { return true },
	} {
		for _, p := range Ports {
			o, a, _ := strings.Cut(p, "/")
			if keep(o, a) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Ports are the GOOS/GOARCH pairs of the toolchain, as go tool dist list
// prints them (go1.26), first-class ports first: the configurations a
// file may be type-checked under. A fixed list, so that choosing one runs
// nothing; TestPortsAreTheToolchains compares it with the toolchain's.
var Ports = []string{
	"linux/amd64", "linux/arm64", "linux/386", "linux/arm", "darwin/arm64", "darwin/amd64", "windows/amd64",
	"windows/386", "aix/ppc64", "android/386", "android/amd64", "android/arm", "android/arm64",
	"dragonfly/amd64", "freebsd/386", "freebsd/amd64", "freebsd/arm", "freebsd/arm64", "illumos/amd64",
	"ios/amd64", "ios/arm64", "js/wasm", "linux/loong64", "linux/mips", "linux/mips64", "linux/mips64le",
	"linux/mipsle", "linux/ppc64", "linux/ppc64le", "linux/riscv64", "linux/s390x", "netbsd/386",
	"netbsd/amd64", "netbsd/arm", "netbsd/arm64", "openbsd/386", "openbsd/amd64", "openbsd/arm",
	"openbsd/arm64", "openbsd/ppc64", "openbsd/riscv64", "plan9/386", "plan9/amd64", "plan9/arm",
	"solaris/amd64", "wasip1/wasm", "windows/arm64",
}

// knownOS and knownArch are go/build's (internal/syslist): the names a
// file name's suffix or a constraint reads as a platform, ports or not.
var (
	knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
		"netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
	knownArch = []string{"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
		"mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
		"sparc", "sparc64", "wasm"}
)
