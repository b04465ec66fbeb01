// Package prompt renders the code context an LLM method sends a model about
// target functions of one Go package: the functions in full, the types they
// use, the signatures of their callees and callers, the tests and benchmarks
// that exercise them and the objective — sized to a token budget, with
// secrets redacted, and deterministic, so that prompts can be golden-tested.
//
// Everything is found from syntax (go/parser), without building the code.
package prompt

import (
	"fmt"
	"slices"

	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// DefaultBudget is the token budget of a context when Options sets none.
const DefaultBudget = 6000

// Tokens estimates the tokens of s the way internal/llm does: four bytes a
// token, rounded up.
func Tokens(s string) int { return (len(s) + 3) / 4 }

// Options shape a context.
type Options struct {
	Objective   string   // "speed" (the default), "allocs" or "quality"
	Budget      int      // token budget of the context; 0 means DefaultBudget
	Constraints []string // extra lines to state ("do not change exported signatures", …)
	Secrets     []string // literal values that must never appear; replaced by [REDACTED]
	// Feedback are reviewers' requests for changes to the optimizer's
	// earlier proposal for the package.
	Feedback []Feedback
}

// objectives explain each objective to the model.
var objectives = map[string]string{
	"speed": "Make the target functions faster: fewer ns/op in the benchmarks that exercise them. " +
		"A change is kept only when every test still passes and the benchmarks are significantly faster.",
	"allocs": "Make the target functions allocate less: fewer allocs/op and B/op in the benchmarks that exercise them, " +
		"without making them slower. A change is kept only when every test still passes.",
	"quality": "Make the target functions simpler and more idiomatic — clearer control flow, the standard library " +
		"where it fits — without changing their behaviour or making them slower.",
}

// Context is a rendered code context.
type Context struct {
	Text            string   // markdown: headings, and ```go blocks each after the module-relative path of its file
	Tokens          int      // Tokens(Text)
	WholeFileTokens int      // what the whole files holding the targets and the tests and benchmarks exercising them would cost
	Files           []string // module-relative paths of the files quoted in full declarations (signatures aside), sorted
	Targets         []string // the functions quoted in full, in the order asked
	Omitted         []string // what did not fit the budget ("test stats/stats_test.go:5 TestMerge")
	Notes           []string // remarks for the report, e.g. targets that alone exceed the budget
	// Benchmarks are the package's benchmarks that exercise the targets,
	// directly or through other functions, whether quoted or not.
	Benchmarks []string
}

// Build renders the context for the given target functions of pkg ("F" or
// "T.M"; none means the first of Targets). Parts are considered in order of
// priority — package header, targets, the declarations they use, callee and
// caller signatures, exercising tests and benchmarks, the reviewers'
// feedback, the objective — and a part that does not fit what is left of
// the budget is left out and listed in Omitted (a smaller one after it may
// still fit). The header, the targets and the feedback are always included,
// even over the budget.
func Build(mod *source.Module, pkg *source.Package, targets []string, opt Options) (*Context, error) {
	if mod == nil {
		return nil, fmt.Errorf("prompt: no module given")
	}
	x, err := load(mod.Dir, pkg)
	if err != nil {
		return nil, err
	}
	if opt.Objective == "" {
		opt.Objective = "speed"
	}
	if objectives[opt.Objective] == "" {
		return nil, fmt.Errorf("prompt: unknown objective %q (want speed, allocs or quality)", opt.Objective)
	}
	switch {
	case opt.Budget < 0:
		return nil, fmt.Errorf("prompt: negative budget %d", opt.Budget)
	case opt.Budget == 0:
		opt.Budget = DefaultBudget
	}
	if len(targets) == 0 {
		ranked := x.targets()
		if len(ranked) == 0 {
			return nil, fmt.Errorf("prompt: package %s: %w (functions: %s)", pkg.ImportPath, ErrNoTarget, x.names())
		}
		targets = ranked[:1]
	}
	var fns []*fn
	for _, name := range targets {
		g := x.byName[name]
		if g == nil {
			return nil, fmt.Errorf("prompt: package %s: %q: %w (functions: %s)", pkg.ImportPath, name, ErrUnknownFunc, x.names())
		}
		if !slices.Contains(fns, g) {
			fns = append(fns, g)
		}
	}
	b := &builder{x: x, mod: mod, opt: opt, targets: fns, ts: newTargetSet(x, fns)}
	return b.build(), nil
}

// quote is a fenced go block of source, after the path of its file.
func quote(path, src string) string {
	return path + "\n" + markdown.Fence(src, "go") + "\n"
}
