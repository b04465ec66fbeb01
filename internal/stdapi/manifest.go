// Package stdapi knows which Go release introduced each exported symbol of
// the standard library, and finds uses of symbols newer than a module's go
// directive.
//
// The data comes from the API manifest every toolchain ships in
// GOROOT/api/go1*.txt. The go vet stdversion analyzer does the same job but
// is silent for modules below go1.21, where a rewrite such as reflect.Ptr to
// reflect.Pointer still builds with today's toolchain yet breaks every user
// of an older one.
package stdapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ErrNoManifest reports that a toolchain has no API manifest (GOROOT/api
// is missing or holds no go1*.txt files), as in stripped toolchains.
// Callers can test for it with errors.Is and skip the check.
var ErrNoManifest = errors.New("no API manifest (GOROOT/api/go1*.txt missing; stripped toolchain?)")

// Manifest records, for every exported standard-library symbol, the Go release that introduced it.
// It is safe for concurrent use.
type Manifest struct {
	symbols table
	// platform holds, per package, where its OS/arch-specific lines are,
	// to be read on first use; its keys are fixed by Load.
	platform map[string]*platformSymbols
	// files are the manifest files, as Load found them.
	files []fileStamp
	// packages is the set of package paths in the manifest.
	packages map[string]bool
	// aliases maps a type "pkgpath.Name" to the std type aliases that
	// denote it, such as "io/fs.FileInfo" -> os.FileInfo, so that a member
	// of a moved type is dated by its oldest name.
	aliases map[string][]typeRef
	// latest is the newest minor release in the manifest.
	latest int
}

// typeRef names a package-level type.
type typeRef struct{ pkg, name string }

// goEnvTimeout bounds the `go env GOROOT` fallback of Load.
const goEnvTimeout = 30 * time.Second

// Load parses GOROOT/api/go1*.txt. goroot "" means runtime.GOROOT() then `go env GOROOT`.
// A missing api directory is an error wrapping ErrNoManifest (e.g. a stripped toolchain)
// so the caller can report the level as skipped.
//
// The OS/arch-specific lines (nine in ten, nearly all of package syscall) are only located:
// the first lookup in such a package reads its lines again from the files.
func Load(goroot string) (*Manifest, error) {
	if goroot == "" {
		var err error
		if goroot, err = findGOROOT(); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(goroot, "api")
	files, err := manifestFiles(dir)
	if err != nil {
		return nil, err
	}
	return load(files)
}

// findGOROOT locates the toolchain whose manifest Load reads.
func findGOROOT() (string, error) {
	// runtime.GOROOT is deprecated because the toolchain that built this
	// binary may not be the one in use; a newer manifest is a superset of an
	// older one, so either is fine, and this one costs no process.
	//lint:ignore SA1019 see above; `go env GOROOT` is the fallback.
	if root := runtime.GOROOT(); root != "" {
		if fi, err := os.Stat(filepath.Join(root, "api")); err == nil && fi.IsDir() {
			return root, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), goEnvTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("stdapi: go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(out))
	if root == "" {
		return "", fmt.Errorf("stdapi: go env GOROOT: empty output")
	}
	return root, nil
}

// manifestFile is one GOROOT/api file and the minor release it describes.
type manifestFile struct {
	path  string
	minor int
	size  int64
}

// fileStamp identifies the version of a manifest file Load read.
type fileStamp struct {
	path    string
	size    int64
	modTime time.Time
}

// manifestFiles lists dir/go1.txt, dir/go1.N.txt, and dir/next/*.txt (the
// unreleased API of a development toolchain, dated one release after the
// newest file).
func manifestFiles(dir string) ([]manifestFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("stdapi: load %s: %w", dir, ErrNoManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("stdapi: load %s: %w", dir, err)
	}
	var files []manifestFile
	latest := -1
	for _, e := range entries {
		minor, ok := fileMinor(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		files = append(files, manifestFile{filepath.Join(dir, e.Name()), minor, fileSize(e.Info())})
		latest = max(latest, minor)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("stdapi: load %s: %w", dir, ErrNoManifest)
	}
	next, _ := filepath.Glob(filepath.Join(dir, "next", "*.txt"))
	for _, f := range next {
		files = append(files, manifestFile{f, latest + 1, fileSize(os.Stat(f))})
	}
	return files, nil
}

// fileSize returns fi's size, or 0: it only orders the work.
func fileSize(fi os.FileInfo, err error) int64 {
	if err != nil {
		return 0
	}
	return fi.Size()
}

// fileMinor returns N for "go1.N.txt" and 0 for "go1.txt".
func fileMinor(name string) (int, bool) {
	if name == "go1.txt" {
		return 0, true
	}
	s, ok := strings.CutPrefix(name, "go1.")
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, ".txt"); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// Since returns the release ("go1.18") that introduced pkgPath.name (a package-level func/var/const/type),
// or pkgPath.Recv.name for methods and struct fields (recv is the type name without '*'), and false if the
// symbol is not in the manifest (unexported, or not std). Symbols of the original go1 release report "go1".
func (m *Manifest) Since(pkgPath, recv, name string) (string, bool) {
	minor, ok := m.lookup(pkgPath, strings.TrimPrefix(recv, "*"), name)
	if !ok {
		return "", false
	}
	return release(minor), true
}

// lookup returns the minor release that introduced pkgPath.recv.name,
// the earliest across platforms.
func (m *Manifest) lookup(pkgPath, recv, name string) (int, bool) {
	var scratch [128]byte
	h := m.symbols.hash(scratch[:], pkgPath, recv, name)
	minor, ok := m.symbols.since[h]
	if p := m.platform[pkgPath]; p != nil {
		if pm, pok := m.platformSymbols(p).since[h]; pok && (!ok || pm < minor) {
			minor, ok = pm, true
		}
	}
	return minor, ok
}

// earliest is lookup for pkgPath.recv.name that also consults the std
// aliases of recv (or of name, when recv is ""): a method of io/fs.FileInfo
// is as old as its os.FileInfo listing.
func (m *Manifest) earliest(pkgPath, recv, name string) (int, bool) {
	minor, ok := m.lookup(pkgPath, recv, name)
	typ := recv
	if typ == "" {
		typ = name
	}
	for _, a := range m.aliases[pkgPath+"."+typ] {
		var am int
		var aok bool
		if recv == "" {
			am, aok = m.lookup(a.pkg, "", a.name)
		} else {
			am, aok = m.lookup(a.pkg, a.name, name)
		}
		if aok && (!ok || am < minor) {
			minor, ok = am, true
		}
	}
	return minor, ok
}

// release formats a minor release number as a Go version.
func release(minor int) string {
	if minor == 0 {
		return "go1"
	}
	return "go1." + strconv.Itoa(minor)
}
