package validate

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// forbiddenImports may not be newly imported by non-test code: they give a
// patch the power to run programs, reach the network or escape the type
// system, which no optimization needs.
var forbiddenImports = []string{"unsafe", "os/exec", "net", "syscall", "plugin"}

// secretPatterns match credentials that must never be written into a patch.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`gh[pousr]_[A-Za-z0-9]{36}`),
	regexp.MustCompile(`github_pat_[A-Za-z0-9_]{22,}`),
	regexp.MustCompile(`sk-(ant-)?[A-Za-z0-9_-]{20,}`),
	regexp.MustCompile(`AKIA[0-9A-Z]{16}`),
	regexp.MustCompile(`xox[abprs]-[A-Za-z0-9-]{10,}`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
}

// policyLevel is the security level: where a patch may write and what it
// may add. Where it writes is checked on the parsed patch, before anything
// is applied (admitPatch); what it adds, on the files as the patch left
// them (checkPolicy).
var policyLevel = &level{
	name:  "policy",
	doc:   "where a patch may write (paths, size, binaries, links, credentials) and what it may add (imports, powers, benchmark gaming)",
	admit: admitPatch,
	run:   checkPolicy,
}

// admitPatch checks what must hold before the patch writes anything: its
// size, the paths it names, and what its lines carry.
func admitPatch(ctx context.Context, c *pass) (*outcome, error) {
	if c.unsafe != nil {
		return failed(c.unsafe.Error()), nil
	}
	limit := c.v.MaxPatchBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	if len(c.raw) > limit {
		return failed(fmt.Sprintf("patch is %d bytes, over the limit of %d", len(c.raw), limit)), nil
	}
	var problems []string
	for _, f := range c.files {
		for i, p := range []string{f.OldPath, f.NewPath} {
			if p == "" || i == 1 && p == f.OldPath {
				continue
			}
			if msg := c.pathProblem(p); msg != "" {
				problems = append(problems, msg)
			}
		}
		if f.Binary && !IsProfile(f.Path()) {
			problems = append(problems, f.Path()+": binary files are not accepted")
		}
		if f.NewMode == "120000" || f.OldMode == "120000" {
			problems = append(problems, f.Path()+": symbolic links are not accepted")
		}
		for _, n := range Credentials(f) {
			problems = append(problems, fmt.Sprintf("%s:%d: added line holds what looks like a credential", f.Path(), n))
		}
	}
	if len(problems) > 0 {
		return failed(problems...), nil
	}
	return nil, nil
}

// checkPolicy checks what the applied patch adds: forbidden imports,
// guarded powers, and (for the speed and allocs objectives) what could
// game a benchmark.
func checkPolicy(ctx context.Context, c *pass) (*outcome, error) {
	var problems []string
	for _, f := range c.files {
		problems = append(problems, c.importProblems(ctx, f)...)
		problems = append(problems, c.powerProblems(ctx, f)...)
	}
	problems = append(problems, c.integrityProblems(ctx)...)
	if len(problems) > 0 {
		return failed(problems...), nil
	}
	return passed(fmt.Sprintf("%d files within the allowed paths", len(c.files))), nil
}

// pathProblem says what is wrong with a path the patch touches, or "".
func (c *candidate) pathProblem(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return p + ": absolute paths are not accepted"
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") || clean != p {
		return p + ": path leaves the repository or is not clean"
	}
	for _, seg := range strings.Split(clean, "/") {
		if seg == ".github" || seg == ".git" {
			return p + ": " + seg + "/ may not be changed"
		}
	}
	if base := path.Base(clean); base == "go.mod" || base == "go.sum" || base == "go.work" || base == "go.work.sum" {
		return p + ": " + base + " may not be changed"
	}
	if !c.allowed(clean) {
		return p + ": outside the target paths (" + strings.Join(c.allowedDirs(), ", ") + ")"
	}
	// A directory on the way that is a symbolic link could lead the write
	// outside the repository.
	dir := c.wt.Dir
	for _, seg := range strings.Split(path.Dir(clean), "/") {
		if seg == "." {
			break
		}
		dir = filepath.Join(dir, seg)
		if st, err := os.Lstat(dir); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return p + ": goes through a symbolic link"
		}
	}
	if st, err := os.Lstat(c.abs(clean)); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return p + ": is a symbolic link"
	}
	return ""
}

func (c *candidate) allowedDirs() []string {
	if len(c.v.Allowed) > 0 {
		return c.v.Allowed
	}
	return []string{c.v.ModuleDir}
}

func (c *candidate) allowed(p string) bool {
	for _, dir := range c.allowedDirs() {
		dir = path.Clean(filepath.ToSlash(dir))
		if dir == "." || p == dir || strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// importProblems reports the forbidden imports that f, a non-test Go file
// as the patch left it, newly has.
func (c *candidate) importProblems(ctx context.Context, f diff.File) []string {
	if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") || strings.HasSuffix(f.NewPath, "_test.go") {
		return nil
	}
	added, err := c.newImports(ctx, f)
	if err != nil {
		return nil // a file that does not parse is the syntax level's to report
	}
	var problems []string
	for _, imp := range added {
		if slices.Contains(forbiddenImports, imp) || strings.HasPrefix(imp, "net/") && imp != "net/url" && imp != "net/netip" && imp != "net/mail" && imp != "net/textproto" {
			problems = append(problems, fmt.Sprintf("%s: new import of %q is not allowed", f.NewPath, imp))
		}
	}
	return problems
}

// newImports returns the imports of f's new content that its old content
// did not have.
func (c *candidate) newImports(ctx context.Context, f diff.File) ([]string, error) {
	src, err := os.ReadFile(c.abs(f.NewPath))
	if err != nil {
		return nil, err
	}
	now, err := importsOf(f.NewPath, src)
	if err != nil {
		return nil, err
	}
	var before []string
	if was := c.baseSource(ctx, f); was != nil {
		before, _ = importsOf(f.OldPath, was)
	}
	var added []string
	for _, imp := range now {
		if !slices.Contains(before, imp) {
			added = append(added, imp)
		}
	}
	return added, nil
}

// baseSource returns the base commit's content of the file that f changes,
// or nil when f makes a new one. A copy is a new file, and so is a rename
// whose source is still there after the patch: what it holds is added.
func (c *candidate) baseSource(ctx context.Context, f diff.File) []byte {
	if f.OldPath == "" {
		return nil
	}
	if f.NewPath != "" && f.NewPath != f.OldPath {
		if _, err := os.Lstat(c.abs(f.OldPath)); err == nil {
			return nil
		}
	}
	src, err := c.wt.Git(ctx, "show", c.wt.Commit+":"+f.OldPath)
	if err != nil {
		return nil
	}
	return []byte(src)
}

// importsOf lists the imports of a Go source file. src must not be nil:
// parser.ParseFile would read a nil []byte as an empty file, not as "read
// the file from disk".
func importsOf(name string, src []byte) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, spec := range f.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// IsProfile reports whether a repository-relative path is a main package's
// profile for profile-guided optimization: the one binary file a patch may
// hold. The go command reads it as a CPU profile that steers inlining and
// devirtualization; it adds no code, and the types level builds the main
// package with it, so a malformed one is rejected there.
func IsProfile(p string) bool {
	return path.Base(p) == "default.pgo"
}

// Credentials returns the numbers of the lines f adds that hold what
// looks like a credential: no patch may carry one, into validation or out
// to a pull request.
func Credentials(f diff.File) []int {
	var out []int
	for _, h := range f.Hunks {
		for _, l := range h.Added {
			if slices.ContainsFunc(secretPatterns, func(re *regexp.Regexp) bool { return re.MatchString(l.Text) }) {
				out = append(out, l.N)
			}
		}
	}
	return out
}
