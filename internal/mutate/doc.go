// Package mutate generates the mutants of a Go package for mutation testing:
// small deliberate faults — a negated comparison, an off-by-one bound, a
// dropped error, a removed statement — each one edit of one file, with a
// git-style unified diff that applies it. Running the package's tests
// against each mutant is the caller's business; a mutant the tests do not
// notice (a survivor) points at code that the tests execute but do not check.
//
// Generate is pure and deterministic: it reads the package's files, parses
// and type-checks them, and never starts a process.
//
// # Operators
//
// Each mutant belongs to one operator; the names are stable because reports
// show them:
//
//	compare    a < b → a >= b, a > b → a <= b, a == b → a != b (and back): the negation
//	boundary   < → <=, <= → <, > → >=, >= → >; in index and slice bounds
//	           x+1 → x and x-1 → x; a bare slice bound s[lo:hi] → s[lo+1:hi],
//	           s[lo:hi-1]; a bare index a[i] → a[i+1] when a is known to be a
//	           slice, array or string
//	bool       true ↔ false; && ↔ ||; !x → x
//	error      return …, err → return …, nil, in a function whose last result is
//	           error, when the returned value is a name, a field, an
//	           errors.New, fmt.Errorf or errors.Join call or a composite
//	           literal (not a call that does work: that would drop the work
//	           too); and `if err != nil { …; return … }` → `if err != nil {}`
//	statement  remove a call statement, an assignment (not a := definition),
//	           an increment or decrement, a break or continue
//	arith      + ↔ -, * ↔ / (also +=, -=, *=, /=)
//
// # What is skipped
//
// Test files, generated files, files that import "C", files excluded by
// build constraints for the host platform, and files that do not parse are
// not mutated (Result.Notes says which and why). Neither are const and type
// declarations (a changed constant can change types) nor type expressions
// (array lengths). init functions are mutated like any other function: a
// mutant there is as real as one elsewhere, only killed by every test.
//
// Mutants that cannot be told apart from the original, that would not
// compile, or that would mostly hang, are avoided where a syntactic or
// cheap type check shows it:
//   - `err != nil` guarding an if whose body returns is mutated by error (its
//     body emptied), not also negated by compare, when both are asked for;
//     there are no boundary mutants of == and !=;
//   - a break that ends a case clause or a continue that ends a loop body is
//     not removed, nor is `_ = x`;
//   - no removal leaves a local variable, an import or a label unused, and
//     no panic that may end a function with results is removed;
//   - x * 0 does not become a division, s + "…" or a sum of strings is not
//     subtracted, a constant does not overflow its type or a shift, and
//     constant indexes and slice bounds stay in order and inside arrays;
//   - the post statement of a for loop (i += 2) is not mutated.
//
// # Type information and checks
//
// The package is type-checked with go/types, but by default every import is
// an opaque, empty package (Options.Importer changes that): this costs
// nothing, starts no process, and still gives the types of everything that
// does not depend on an import, and the object that every identifier
// denotes. Expressions whose type is unknown are mutated on syntactic
// grounds. Mutants are not type-checked one by one; the declaration holding
// each is parsed again with the edit made, which for these edits (whole
// tokens, expressions or statements of one declaration) is the same as
// parsing the file, and much cheaper. A mutant that still fails to build is
// the caller's to classify (as stillborn); of some 14,000 mutants of a
// dozen standard packages, 8 did: sums of strings and constant overflows
// that only the types of imports reveal.
//
// # Order, identity and sampling
//
// Mutants are ordered by file, then offset, then operator. A mutant's ID is a
// short hash of its file, edit and operator, so it is stable while the code
// around it is unchanged. When there are more than Options.Max, the ones
// kept are spread round-robin over the functions of the package (and over
// the operators within a function) in an order that depends only on
// Options.Seed and the mutants themselves.
package mutate
