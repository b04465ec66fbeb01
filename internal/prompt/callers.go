package prompt

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

// callerSection lists the signatures of the functions of the module that
// use a target, each with the line that does. The package's own test
// files are left to the test section, and callees already listed are not
// repeated.
func (b *builder) callerSection() *section {
	s := &section{head: "## Callers of the targets (signatures)\n\n```go\n", tail: "```\n\n", fenced: true}
	type caller struct {
		test bool
		rel  string
		line int
		part part
	}
	var found []caller
	for _, p := range b.mod.Packages {
		inside := p.ImportPath == b.x.pkg.ImportPath
		files := b.x.files
		if !inside {
			files = b.importers(append(slices.Clone(p.GoFiles), p.TestFiles...))
		}
		for _, f := range files {
			im := importsOf(f.ast)
			for _, d := range f.ast.Decls {
				for _, c := range b.callersIn(d, f, im, inside) {
					found = append(found, caller{f.test, f.rel, c.line, c.part})
				}
			}
		}
	}
	slices.SortStableFunc(found, func(a, b caller) int {
		switch {
		case a.test != b.test:
			return cmpTrue(!a.test, !b.test)
		case a.rel != b.rel:
			return strings.Compare(a.rel, b.rel)
		}
		return a.line - b.line
	})
	for _, c := range found {
		s.parts = append(s.parts, c.part)
	}
	return s
}

type callerPart struct {
	line int
	part part
}

// callersIn returns the caller part for a declaration that uses a target.
func (b *builder) callersIn(d ast.Decl, f *srcFile, im fileImports, inside bool) []callerPart {
	var out []callerPart
	add := func(name string, decl token.Pos, sig string, use token.Pos) {
		at := fmt.Sprintf("%s:%d", f.rel, b.x.line(decl))
		// The line goes into a shared code block, which a fence would end.
		line := strings.ReplaceAll(strings.TrimSpace(b.x.lines(f, use, use)), "```", "` ` `")
		line = clip.Runes(line, 101)
		out = append(out, callerPart{b.x.line(decl), part{
			text:  b.redact(fmt.Sprintf("// %s, at line %d: %s\n%s\n\n", at, b.x.line(use), line, sig)),
			label: b.redact("caller signature " + at + " " + name),
		}})
	}
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Body == nil {
			return nil
		}
		for _, g := range slices.Concat(b.targets, b.callees) {
			if g.decl == d {
				return nil
			}
		}
		if use := b.ts.firstUse(d.Body, im, inside); use.IsValid() {
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				name = recvType(d.Recv.List[0].Type) + "." + name
			}
			add(name, d.Pos(), b.x.signature(d), use)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok {
				continue
			}
			if use := b.ts.firstUse(vs, im, inside); use.IsValid() {
				first := strings.TrimSpace(b.x.lines(f, vs.Pos(), vs.Pos()))
				if !strings.HasPrefix(first, d.Tok.String()) {
					first = d.Tok.String() + " " + first
				}
				add(d.Tok.String()+" "+vs.Names[0].Name, vs.Pos(), first, use)
			}
		}
	}
	return out
}

// importers parses those of the given files that import the target's
// package; files that do not parse are skipped with a note.
func (b *builder) importers(paths []string) []*srcFile {
	var out []*srcFile
	for _, abs := range paths {
		rel, ok := b.x.rel(abs)
		if !ok {
			continue
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			b.notes = append(b.notes, fmt.Sprintf("callers: %s: %v", rel, err))
			continue
		}
		head, err := parser.ParseFile(token.NewFileSet(), abs, src, parser.ImportsOnly)
		if err != nil || !imports(head, b.x.pkg.ImportPath) {
			continue
		}
		f, err := parser.ParseFile(b.x.fset, abs, src, parser.SkipObjectResolution)
		if err != nil {
			b.notes = append(b.notes, fmt.Sprintf("callers: %s does not parse: %v", rel, err))
			continue
		}
		out = append(out, &srcFile{rel: rel, src: src, ast: f, test: strings.HasSuffix(rel, "_test.go")})
	}
	slices.SortFunc(out, func(a, b *srcFile) int { return strings.Compare(a.rel, b.rel) })
	return out
}

func imports(f *ast.File, importPath string) bool {
	for _, s := range f.Imports {
		if p, err := strconv.Unquote(s.Path.Value); err == nil && p == importPath {
			return true
		}
	}
	return false
}
