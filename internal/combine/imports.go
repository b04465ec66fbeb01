package combine

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// unusedImport matches the compiler's "declared and not used" for an
// import, as the types level quotes it in a finding.
var unusedImport = regexp.MustCompile(`"([^"]+)" imported (?:as \w+ )?and not used`)

// unusedImports reads, from a rejection by the types level, the imports
// the compiler says the patch leaves unused: by repository-relative file,
// the import paths. Each member of a combination may use an import that
// none of them uses once all are applied (two fixes that each replace
// one of the file's two ioutil calls).
func unusedImports(rep *validate.Report) map[string][]string {
	if rep == nil || rep.RejectedBy != "types" {
		return nil
	}
	out := map[string][]string{}
	for _, f := range rep.Findings {
		m := unusedImport.FindStringSubmatch(f.Message)
		if m == nil || filepath.Ext(f.File) != ".go" {
			continue
		}
		if !slices.Contains(out[f.File], m[1]) {
			out[f.File] = append(out[f.File], m[1])
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// dropImports removes the named imports from the files under root
// (repository-relative paths) and rewrites each file gofmt'ed. It returns
// what it removed, as notes.
func dropImports(root string, unused map[string][]string) ([]string, error) {
	var notes []string
	files := make([]string, 0, len(unused))
	for f := range unused {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, rel := range files {
		path := filepath.Join(root, filepath.FromSlash(rel))
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("combine: %s: %w", rel, err)
		}
		removed := removeImports(fset, f, unused[rel])
		if len(removed) == 0 {
			continue
		}
		var b bytes.Buffer
		if err := format.Node(&b, fset, f); err != nil {
			return nil, fmt.Errorf("combine: %s: %w", rel, err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		for _, p := range removed {
			notes = append(notes, fmt.Sprintf("removed the import %q from %s, which the members together leave unused", p, rel))
		}
	}
	return notes, nil
}

// removeImports deletes the imports of paths from f, with astutil (which
// keeps the comments and the declaration's shape), and returns the paths
// it deleted.
func removeImports(fset *token.FileSet, f *ast.File, paths []string) []string {
	var removed []string
	for _, spec := range slices.Clone(f.Imports) {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || !slices.Contains(paths, p) {
			continue
		}
		name := ""
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if astutil.DeleteNamedImport(fset, f, name, p) {
			removed = append(removed, p)
		}
	}
	return removed
}
