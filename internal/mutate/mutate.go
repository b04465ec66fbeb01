package mutate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

// Operator names. They appear in reports, so they do not change.
const (
	OpCompare   = "compare"   // negate a comparison: < ↔ >=, > ↔ <=, == ↔ !=
	OpBoundary  = "boundary"  // off by one: < ↔ <=, > ↔ >=; ±1 in index and slice bounds
	OpBool      = "bool"      // true ↔ false, && ↔ ||, !x → x
	OpError     = "error"     // return nil for an error; empty the body of an error check
	OpStatement = "statement" // remove a call, assignment, ++/--, break or continue
	OpArith     = "arith"     // + ↔ -, * ↔ / (integers where the type is known)
)

// Operators lists every operator, in the order Options.Operators defaults to.
var Operators = []string{OpCompare, OpBoundary, OpBool, OpError, OpStatement, OpArith}

// DefaultMax is the cap on mutants when Options.Max is 0.
const DefaultMax = 200

// Mutant is one fault: the bytes File[Offset:End] replaced by Replacement.
type Mutant struct {
	ID       string `json:"id"`   // short hash of file, edit and operator
	File     string `json:"file"` // module-relative, slash-separated
	Line     int    `json:"line"` // where Original starts, 1-based
	Col      int    `json:"col"`  // in bytes, 1-based
	Operator string `json:"operator"`
	Func     string `json:"func,omitempty"` // enclosing function, "F" or "T.M"; "" at package level
	// Original is the source text replaced and Mutated its replacement, on
	// one line for reports: a text that spans lines has its runs of white
	// space collapsed to a space, and a long one is shortened with "…". A
	// swapped operator replaces the expression around it when that is on
	// one line (a < b → a >= b), the operator alone otherwise. A removed
	// statement is Original, with Mutated "".
	Original string `json:"original"`
	Mutated  string `json:"mutated"`
	// Offset, End and Replacement are the exact edit: the byte range of the
	// file and what replaces it. A removed statement takes its whole lines.
	Offset      int    `json:"offset"`
	End         int    `json:"end"`
	Replacement string `json:"replacement"`
	// Patch is a git-style unified diff (one hunk, three lines of context)
	// that applies the mutant to the unchanged file; its paths are
	// Options.RepoRel joined with File, with a/ and b/ prefixes.
	Patch []byte `json:"patch"`
}

// Apply returns a copy of src, which must be the file the mutant was
// generated from, with the mutant's edit made.
func (m Mutant) Apply(src []byte) ([]byte, error) {
	if m.Offset < 0 || m.Offset > m.End || m.End > len(src) {
		return nil, fmt.Errorf("mutate: apply %s to %s: edit %d:%d is outside the %d-byte file", m.ID, m.File, m.Offset, m.End, len(src))
	}
	out := make([]byte, 0, len(src)-(m.End-m.Offset)+len(m.Replacement))
	out = append(out, src[:m.Offset]...)
	out = append(out, m.Replacement...)
	return append(out, src[m.End:]...), nil
}

// Options select and limit the mutants. The zero value makes at most
// DefaultMax mutants of every operator.
type Options struct {
	Operators []string // nil: all of Operators
	// Max caps the number of mutants: 0 means DefaultMax, a negative value
	// no cap. Over the cap, the mutants kept are spread round-robin over
	// the functions and, within one, over the operators.
	Max     int
	Funcs   []string // only inside these functions ("F", "T.M"); nil: everywhere, package level included
	RepoRel string   // the module's directory relative to the repository root, for Patch paths; "" or "." for the root
	Seed    int64    // decides which mutants are kept over Max
	// Importer resolves the imports for type checking. nil makes every
	// import an empty package: no work and no processes, and the types
	// that do not depend on imports are still known. A real importer
	// (importer.ForCompiler(token.NewFileSet(), "source", nil)) makes arith
	// more precise at the cost of type-checking the dependencies (and, in
	// module mode, of running `go list`).
	Importer types.Importer
}

// Result is what Generate found.
type Result struct {
	Mutants []Mutant `json:"mutants"`
	Skipped int      `json:"skipped"`         // mutants over Max, not returned (nor checked to parse)
	Notes   []string `json:"notes,omitempty"` // files not mutated and mutants dropped, and why
}

// ByOperator counts the mutants of each operator.
func (r *Result) ByOperator() map[string]int {
	n := make(map[string]int)
	for _, m := range r.Mutants {
		n[m.Operator]++
	}
	return n
}

// Generate makes the mutants of the non-test Go files of the package in dir
// (absolute), whose module root is modDir.
func Generate(modDir, dir string, opt Options) (*Result, error) {
	ops, err := operatorSet(opt.Operators)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(modDir, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("mutate: package %s is not inside module %s", dir, modDir)
	}
	pkg, err := load(modDir, dir)
	if err != nil {
		return nil, err
	}
	if len(pkg.files) == 0 && len(pkg.notes) == 0 {
		return nil, fmt.Errorf("mutate: package %s: no non-test Go files", dir)
	}
	res := &Result{Notes: pkg.notes}
	info := pkg.check(opt.Importer)

	var funcs map[string]bool
	if opt.Funcs != nil {
		funcs = make(map[string]bool)
		for _, f := range opt.Funcs {
			funcs[normalizeFunc(f)] = true
		}
	}
	var cands []*candidate
	for _, f := range pkg.files {
		if f.skip {
			continue
		}
		cands = append(cands, newWalker(f, info, ops, funcs).walk()...)
	}
	cands = dedupe(cands)

	limit := opt.Max
	if limit == 0 {
		limit = DefaultMax
	}
	order := cands
	if limit > 0 && len(cands) > limit {
		order = prioritize(cands, opt.Seed)
	}
	// Over the cap, a mutant that does not parse makes room for the next.
	var kept []*candidate
	unparsable := 0
	for _, c := range order {
		if limit > 0 && len(kept) == limit {
			break
		}
		if !c.parses() {
			unparsable++
			continue
		}
		kept = append(kept, c)
	}
	res.Skipped = len(cands) - len(kept) - unparsable
	if unparsable > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d mutants dropped: the mutated file does not parse", unparsable))
	}
	slices.SortFunc(kept, compareCandidates)

	repoRel := filepath.ToSlash(opt.RepoRel)
	for _, c := range kept {
		res.Mutants = append(res.Mutants, c.mutant(repoRel))
	}
	return res, nil
}

func operatorSet(names []string) (map[string]bool, error) {
	if names == nil {
		names = Operators
	}
	set := make(map[string]bool)
	for _, n := range names {
		if !slices.Contains(Operators, n) {
			return nil, fmt.Errorf("mutate: unknown operator %q (want one of %s)", n, strings.Join(Operators, ", "))
		}
		set[n] = true
	}
	return set, nil
}

// normalizeFunc accepts "(*T).M" and "(T).M" for "T.M".
func normalizeFunc(name string) string {
	name = strings.TrimPrefix(name, "(")
	name = strings.TrimPrefix(name, "*")
	return strings.Replace(name, ").", ".", 1)
}

// candidate is a mutant before it is checked and rendered.
type candidate struct {
	file       *srcFile
	op         string
	fn         string
	start, end int    // the edit
	text       string // replacement
	// shownStart and shownEnd are the source that Original shows: the edit,
	// or, for a removed statement, the statement without its line.
	shownStart, shownEnd int
	// declStart and declEnd are the top-level declaration that holds the
	// edit.
	declStart, declEnd int
}

func compareCandidates(a, b *candidate) int {
	if c := strings.Compare(a.file.rel, b.file.rel); c != 0 {
		return c
	}
	if a.start != b.start {
		return a.start - b.start
	}
	if c := strings.Compare(a.op, b.op); c != 0 {
		return c
	}
	if a.end != b.end {
		return a.end - b.end
	}
	return strings.Compare(a.text, b.text)
}

// dedupe sorts the candidates and drops those that make the same edit as
// one before them.
func dedupe(cands []*candidate) []*candidate {
	slices.SortFunc(cands, compareCandidates)
	type key struct {
		file       *srcFile
		start, end int
		text       string
	}
	seen := make(map[key]bool)
	out := cands[:0]
	for _, c := range cands {
		k := key{c.file, c.start, c.end, c.text}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	return out
}

func (c *candidate) id() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s", c.file.rel, c.start, c.end, c.op, c.text)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// parses reports whether the mutated file still parses. Only the
// declaration that holds the edit is parsed again: every edit replaces
// whole tokens, expressions or statements of one declaration, so the
// declaration parses on its own if and only if the file does, and parsing
// a function instead of its file is what keeps Generate fast on big files.
func (c *candidate) parses() bool {
	src := c.file.src
	var b []byte
	b = append(b, "package p;"...)
	b = append(b, src[c.declStart:c.start]...)
	b = append(b, c.text...)
	b = append(b, src[c.end:c.declEnd]...)
	_, err := parser.ParseFile(token.NewFileSet(), c.file.name, b, parser.SkipObjectResolution)
	return err == nil
}

func (c *candidate) mutant(repoRel string) Mutant {
	pos := c.file.tok.PositionFor(c.file.tok.Pos(c.shownStart), false) // the file's own lines, not //line ones
	p := path.Join(repoRel, c.file.rel)
	return Mutant{
		ID:          c.id(),
		File:        c.file.rel,
		Line:        pos.Line,
		Col:         pos.Column,
		Operator:    c.op,
		Func:        c.fn,
		Original:    excerpt(string(c.file.src[c.shownStart:c.shownEnd])),
		Mutated:     excerpt(c.text),
		Offset:      c.start,
		End:         c.end,
		Replacement: c.text,
		Patch:       c.file.diff(p, c.start, c.end, c.text),
	}
}

// excerptMax is the longest excerpt, in runes, before it is shortened.
const excerptMax = 100

// excerpt puts s on one line: a text of several lines has each run of
// white space (line breaks, indentation, alignment) made one space, and a
// long text keeps its start and end around "…".
func excerpt(s string) string {
	if strings.Contains(s, "\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return clip.Middle(s, excerptMax)
}

// String is the mutant in one line: "file:line:col operator: original → mutated".
func (m Mutant) String() string {
	return m.File + ":" + strconv.Itoa(m.Line) + ":" + strconv.Itoa(m.Col) + " " + m.Operator + ": " + m.Original + " → " + m.Mutated
}
