package stdapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// loadToolchain loads the manifest of the toolchain running the tests.
func loadToolchain(t testing.TB) *Manifest {
	t.Helper()
	m, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

func TestSince(t *testing.T) {
	m := loadToolchain(t)
	tests := []struct {
		pkg, recv, name string
		want            string // "" means not in the manifest
	}{
		{"reflect", "", "Pointer", "go1.18"},
		{"reflect", "", "Ptr", "go1"}, // go1.txt; go1.1.txt adds its value: earliest wins
		{"strings", "", "CutPrefix", "go1.20"},
		{"strings", "Builder", "Grow", "go1.10"},
		{"strings", "*Builder", "Grow", "go1.10"},
		{"bytes", "Buffer", "AvailableBuffer", "go1.21"},
		{"time", "Time", "Compare", "go1.20"},
		{"go/ast", "File", "FileStart", "go1.20"},                        // struct field
		{"net/http", "Server", "DisableGeneralOptionsHandler", "go1.20"}, // struct field
		{"bufio", "ReadWriter", "Reader", "go1"},                         // embedded field
		{"bufio", "ReadWriter", "AvailableBuffer", "go1.18"},             // promoted method
		{"io", "ReadWriter", "Read", "go1"},                              // interface method
		{"reflect", "Type", "CanSeq", "go1.23"},                          // interface method added late
		{"testing", "T", "TempDir", "go1.15"},                            // declared on an unexported type
		{"sync/atomic", "Pointer", "Load", "go1.19"},                     // method of a generic type
		{"database/sql", "Null", "V", "go1.22"},                          // field of a generic type
		{"slices", "", "Concat", "go1.22"},                               // generic func
		{"iter", "", "Seq2", "go1.23"},                                   // generic type
		{"os", "", "DirEntry", "go1.16"},                                 // alias
		{"io/fs", "FileInfo", "IsDir", "go1.16"},                         // moved from os: Since is literal
		{"os", "FileInfo", "IsDir", "go1"},
		{"syscall", "SysProcAttr", "AmbientCaps", "go1.9"}, // linux-only lines
		{"syscall", "", "Getpid", "go1"},
		{"log/syslog", "", "New", "go1"}, // platform lines only
		{"fmt", "", "println", ""},
		{"fmt", "", "NoSuchFunc", ""},
		{"github.com/spf13/pflag", "", "Parse", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.pkg+"."+tt.recv+"."+tt.name, func(t *testing.T) {
			got, ok := m.Since(tt.pkg, tt.recv, tt.name)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("Since(%q, %q, %q) = %q, %v; want %q", tt.pkg, tt.recv, tt.name, got, ok, tt.want)
			}
		})
	}
}

// writeAPI writes files (name -> content) into goroot/api.
func writeAPI(t *testing.T, files map[string]string) string {
	t.Helper()
	goroot := t.TempDir()
	for name, content := range files {
		path := filepath.Join(goroot, "api", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return goroot
}

func TestLoadParsesLineForms(t *testing.T) {
	goroot := writeAPI(t, map[string]string{
		"go1.txt": `pkg a, const K = 1
pkg a, const K ideal-int
pkg a, func F(int) string
pkg a, type T struct
pkg a, type T struct, Field int
pkg a, type T struct, embedded *b.Inner
pkg a, method (*T) M() error
pkg a, type I interface { Read }
pkg a, type I interface, Read([]uint8) (int, error)
pkg a, type J interface, unexported methods
pkg a (linux-386), func OnLinux() int
pkg a (linux-386-cgo), func OnLinux() int
pkg p (windows-amd64), var W int
`,
		"go1.2.txt": `# a comment

pkg a, func F(int) string
pkg a (darwin-amd64), func OnLinux() int
pkg a, func Late() //deprecated
pkg g, type G[$0 interface{ ~[]$1 }, $1 comparable] struct #1
pkg g, type G[$0 interface{ ~[]$1 }, $1 comparable] struct, V $0 #1
pkg g, method (*G[$0, $1]) Get() $0 #1
pkg g, func H[$0 interface{}]($0) #1
pkg p (windows-amd64), var W2 int
`,
		"go1.10.txt": "pkg a, func Ten() #10\r\npkg b, type Inner struct\r\npkg b, method (Inner) N() int\r\n",
		"go1.3.txt":  "pkg a (linux-386), func OnLinux() int\n",
		// go1.11.txt is missing: versions come from names, not counting.
		"go1.12.txt":        "pkg p (linux-arm), var W int\npkg a, type Alias = b.Inner\n",
		"next/12345.txt":    "pkg a, func Next() #12345\n",
		"except.txt":        "pkg a, func Gone()\n",
		"README":            "not a manifest\n",
		"go1.x.txt":         "pkg a, func Bogus()\n",
		"go1.10.txt.orig~":  "pkg a, func Backup()\n",
		"sub/go1.4.txt":     "pkg a, func Nested()\n",
		"go1.5.txt/go1.txt": "pkg a, func InDir()\n",
	})
	m, err := Load(goroot)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tests := []struct {
		recv, name string
		pkg        string
		want       string
	}{
		{"", "K", "a", "go1"},
		{"", "F", "a", "go1"}, // listed again in go1.2: earliest wins
		{"", "T", "a", "go1"},
		{"T", "Field", "a", "go1"},
		{"T", "Inner", "a", "go1"}, // embedded *b.Inner
		{"T", "M", "a", "go1"},
		{"", "I", "a", "go1"},
		{"I", "Read", "a", "go1"},
		{"J", "unexported", "a", ""},
		{"", "OnLinux", "a", "go1"}, // earliest across platforms
		{"", "W", "p", "go1"},       // platform lines only
		{"", "W2", "p", "go1.2"},
		{"", "Late", "a", "go1.2"},
		{"", "G", "g", "go1.2"},
		{"G", "V", "g", "go1.2"},
		{"G", "Get", "g", "go1.2"},
		{"", "H", "g", "go1.2"},
		{"", "Alias", "a", "go1.12"},
		{"", "Ten", "a", "go1.10"},
		{"Inner", "N", "b", "go1.10"},
		{"", "Next", "a", "go1.13"}, // api/next is the release after the newest file
		{"", "Gone", "a", ""},
		{"", "Bogus", "a", ""},
		{"", "Backup", "a", ""},
		{"", "Nested", "a", ""},
		{"", "InDir", "a", ""},
	}
	for _, tt := range tests {
		got, ok := m.Since(tt.pkg, tt.recv, tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Since(%q, %q, %q) = %q, %v; want %q", tt.pkg, tt.recv, tt.name, got, ok, tt.want)
		}
	}
	if got := m.aliases["b.Inner"]; len(got) != 1 || got[0] != (typeRef{"a", "Alias"}) {
		t.Errorf("aliases[b.Inner] = %v, want [{a Alias}]", got)
	}
}

// TestPlatformLinesReadOnUse checks that platform-specific lines, read
// again on first use, are ignored if their file changed since Load.
func TestPlatformLinesReadOnUse(t *testing.T) {
	goroot := writeAPI(t, map[string]string{
		"go1.txt":   "pkg a, func F()\npkg a (linux-386), func L()\npkg b (linux-386), func L()\n",
		"go1.2.txt": "pkg b (linux-amd64), func M()\n",
	})
	m, err := Load(goroot)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, ok := m.Since("a", "", "L"); got != "go1" || !ok {
		t.Errorf("Since(a.L) = %q, %v; want go1", got, ok)
	}
	// Package b's lines have not been read yet: change them under it.
	if err := os.WriteFile(filepath.Join(goroot, "api", "go1.txt"), []byte("pkg x, func Y()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Since("b", "", "L"); ok {
		t.Errorf("Since(b.L) = %q after its file changed, want not found", got)
	}
	if got, ok := m.Since("b", "", "M"); got != "go1.2" || !ok {
		t.Errorf("Since(b.M) = %q, %v; want go1.2 (its file is unchanged)", got, ok)
	}
	if got, ok := m.Since("a", "", "F"); got != "go1" || !ok {
		t.Errorf("Since(a.F) = %q, %v; want go1 (read by Load)", got, ok)
	}
}

func TestManifestConcurrentUse(t *testing.T) {
	m := loadToolchain(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got, ok := m.Since("syscall", "SysProcAttr", "AmbientCaps"); got != "go1.9" || !ok {
				t.Errorf("Since(syscall.SysProcAttr.AmbientCaps) = %q, %v; want go1.9", got, ok)
			}
		})
	}
	wg.Wait()
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		noAPI   bool   // want ErrNoManifest
		wantErr string // substring of the error
	}{
		{name: "no api dir", files: map[string]string{}, noAPI: true, wantErr: "no API manifest"},
		{name: "empty api dir", files: map[string]string{"README": "x"}, noAPI: true, wantErr: "no API manifest"},
		{name: "malformed line", files: map[string]string{"go1.txt": "pkg a, func F()\nbogus line\n"},
			wantErr: "go1.txt: line 2: malformed API line"},
		{name: "unknown kind", files: map[string]string{"go1.3.txt": "pkg a, macro F()\n"},
			wantErr: "go1.3.txt: line 1: malformed"},
		{name: "no declaration", files: map[string]string{"go1.txt": "pkg a\n"}, wantErr: "line 1: malformed"},
		{name: "bad platform", files: map[string]string{"go1.txt": "pkg a (linux, func F()\n"}, wantErr: "line 1: malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goroot := writeAPI(t, tt.files)
			_, err := Load(goroot)
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			if errors.Is(err, ErrNoManifest) != tt.noAPI {
				t.Errorf("errors.Is(%v, ErrNoManifest) = %v, want %v", err, !tt.noAPI, tt.noAPI)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "stdapi: load ") {
				t.Errorf("error %q, want it to start with %q and contain %q", err, "stdapi: load ", tt.wantErr)
			}
		})
	}
}

func TestPkgName(t *testing.T) {
	tests := map[string]string{
		"io/fs":             "fs",
		"math/rand/v2":      "rand",
		"encoding/json/v2":  "json",
		"os":                "os",
		"v2":                "v2",
		"crypto/internal/v": "v",
	}
	for path, want := range tests {
		if got := pkgName(path); got != want {
			t.Errorf("pkgName(%q) = %q, want %q", path, got, want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	goroot := toolchainGOROOT(b)
	for b.Loop() {
		if _, err := Load(goroot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSyscall adds the first lookup in package syscall, which
// parses its platform-specific lines (nine in ten of the manifest's lines).
func BenchmarkLoadSyscall(b *testing.B) {
	goroot := toolchainGOROOT(b)
	for b.Loop() {
		m, err := Load(goroot)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := m.Since("syscall", "", "Getpid"); !ok {
			b.Fatal("syscall.Getpid not found")
		}
	}
}

// toolchainGOROOT returns the GOROOT Load("") would use, so that
// benchmarks time parsing rather than finding GOROOT.
func toolchainGOROOT(b *testing.B) string {
	b.Helper()
	root, err := findGOROOT()
	if err != nil {
		b.Fatal(err)
	}
	return root
}
