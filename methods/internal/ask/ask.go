// Package ask is what the model-driven methods share: choosing the function
// to work on and its prompt context, and turning a model's answer into a
// validated candidate — or into a candidate rejected by "answer" whose
// reason, like every validation rejection, becomes the model's next prompt.
package ask

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/edit"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// RejectedByAnswer is the RejectedBy of a candidate made from an answer
// that held no usable edit: it never reached the validation levels.
const RejectedByAnswer = "answer"

// System is the system prompt of every request that asks for edits.
const System = `You are a senior Go engineer improving one function of a Go module. ` +
	`You are shown only the code that matters: the function, the signatures around it, and the tests that cover it. ` +
	`Answer with edits only, in this format, and nothing the task does not ask for.

` + edit.Instructions

// Constraints are stated in every prompt that asks for a change of code.
var Constraints = []string{
	"Keep every exported name, signature and documented behaviour as it is.",
	"Add no dependency: use the standard library and the packages the module already requires.",
}

// Target is the function of a task's package a method works on, with
// everything a prompt about it needs.
type Target struct {
	Name    string          // "Top", "Set.Add"
	Mod     *source.Module  // the module, read from the agent's own worktree
	Pkg     *source.Package // the task's package in Mod
	PkgRel  string          // the package directory relative to the module root, slash-separated
	Context *prompt.Context
}

// Choose picks the task's most promising function (prompt.Targets ranks
// them) and builds its prompt context. A nil Target comes with the reason
// the task has nothing to work on.
func Choose(t *methods.Task, pass *methods.Pass, budget int) (*Target, string, error) {
	if len(t.Package.GoFiles) == 0 {
		return nil, "the package has no non-test Go files", nil
	}
	mod := t.Module.Rebase(pass.ModuleDir)
	pkg := mod.Package(t.Package.ImportPath)
	if pkg == nil {
		return nil, "", fmt.Errorf("package %s is not in the module", t.Package.ImportPath)
	}
	names, err := prompt.Targets(pkg)
	if err != nil {
		return nil, "", err
	}
	names, why := aimed(t, mod, pkg, names)
	if len(names) == 0 {
		return nil, why, nil
	}
	tg := &Target{Name: names[0], Mod: mod, Pkg: pkg, PkgRel: filepath.ToSlash(pkg.RelDir)}
	tg.Context, err = prompt.Build(mod, pkg, []string{tg.Name}, prompt.Options{
		Objective: t.Objective, Budget: budget, Secrets: pass.Secrets, Constraints: Constraints, Feedback: t.Feedback,
	})
	if err != nil {
		return nil, "", err
	}
	return tg, "", nil
}

// aimed narrows the ranked functions to those the task aims at: the
// functions it names, in its order (worth the model's time or not: the
// user asked), else the ranked ones declared in its files. why says what
// was left when nothing is.
func aimed(t *methods.Task, mod *source.Module, pkg *source.Package, ranked []string) (names []string, why string) {
	switch {
	case len(t.Funcs) > 0:
		return t.Funcs, ""
	case len(t.Files) > 0:
		for _, name := range ranked {
			for _, f := range pkg.Funcs {
				if r, _ := filepath.Rel(mod.Dir, f.File); f.Name == name && slices.Contains(t.Files, filepath.ToSlash(r)) && !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		}
		if len(names) == 0 {
			return nil, fmt.Sprintf("no function in %s is worth optimizing (none has a loop or enough work); name one as FILE:FUNC to aim at it anyway", strings.Join(t.Files, ", "))
		}
		return names, ""
	}
	if len(ranked) == 0 {
		return nil, "no function in the package is worth optimizing (none has a loop or enough work)"
	}
	return ranked, ""
}

// Start is how every model method's Optimize begins: without a model, or
// without a function worth the model's time, it returns no Target and a
// result whose note says why; otherwise the Target and a result noting
// the target and the size of its context.
func Start(method string, t *methods.Task, pass *methods.Pass, budget int) (*Target, *methods.Result, error) {
	res := &methods.Result{}
	if pass.LLM == nil {
		res.Notes = append(res.Notes, method+" needs a model and none is available: "+pass.LLMUnavailable)
		return nil, res, nil
	}
	tg, why, err := Choose(t, pass, budget)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", method, err)
	}
	if tg == nil {
		res.Notes = append(res.Notes, why)
		return nil, res, nil
	}
	res.Notes = append(res.Notes, tg.Note())
	return tg, res, nil
}

// Note describes the target and the size of its context, for the task's notes.
func (tg *Target) Note() string {
	c := tg.Context
	return fmt.Sprintf("target %s: prompt context %d tokens, the whole files it draws on %d tokens (%.0f%%)",
		tg.Name, c.Tokens, c.WholeFileTokens, 100*float64(c.Tokens)/float64(max(c.WholeFileTokens, 1)))
}

// SourceFiles are the package's non-test files, module-relative, in every
// build configuration: the files an optimization may change.
func (tg *Target) SourceFiles() []string {
	var out []string
	for _, f := range tg.Pkg.SourceFiles() {
		if rel, err := filepath.Rel(tg.Mod.Dir, f); err == nil {
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// Goal says what an optimization must achieve under an objective.
func Goal(objective string) string {
	return map[string]string{
		"speed":   "Make it faster: fewer operations, better algorithms or data structures, less allocation on its hot path. The change is accepted only if its benchmarks show a significant speed-up.",
		"allocs":  "Make it allocate less (allocs/op and B/op) without making it slower.",
		"quality": "Make it simpler and clearer without making it slower; prefer the modern standard library.",
	}[objective]
}

// Change names the kind of change an objective asks for: "speed-up of Top".
func Change(objective string) string {
	return map[string]string{"speed": "speed-up", "allocs": "fewer allocations", "quality": "rewrite"}[objective]
}

// Step is one kind of change asked of the model: the files its answers may
// change and the judge of the result.
type Step struct {
	Task    string // the task's ID, for candidate IDs
	Kind    string // "tests", "optimization", "candidate 2", … : part of the candidate ID
	Allowed []string
	// Rename, when set, moves an edit of a path outside Allowed to the
	// path it returns with ok (a new test file under another name to the
	// canonical one) instead of refusing it.
	Rename   func(path string) (to string, ok bool)
	Describe func(files []string) string
	Validate func(ctx context.Context, patch []byte, opts ...methods.ValidateOption) (*validate.Report, error)
}

// Candidate turns one answer into a validated (or refused) candidate made
// in the pass's worktree, which it leaves clean, and returns it with the
// feedback for the model should it be rejected.
func Candidate(ctx context.Context, pass *methods.Pass, objective string, st Step, attempt int, answer string) (*methods.Candidate, string) {
	c := &methods.Candidate{ID: ID(st.Task, st.Kind, attempt, answer), Description: st.Describe(st.Allowed)}
	refuse := func(err error) (*methods.Candidate, string) {
		reason := strings.Join(edit.Reasons(err), "; ")
		c.Validation = &validate.Report{
			Objective: objective, RejectedBy: RejectedByAnswer,
			Levels: []validate.Level{{Name: RejectedByAnswer, Status: validate.Fail, Detail: reason}},
		}
		return c, edit.Feedback(err)
	}
	edits, err := edit.Parse(answer)
	if err != nil {
		return refuse(err)
	}
	if st.Rename != nil {
		for i, e := range edits {
			if to, ok := st.Rename(e.Path); ok && !slices.Contains(st.Allowed, e.Path) {
				edits[i].Path = to
			}
		}
	}
	var files []string
	made, err := pass.Propose(ctx, "", func(string) error {
		var err error
		files, err = edit.Apply(pass.ModuleDir, edits, st.Allowed)
		return err
	})
	if err != nil {
		var ee *edit.Error
		if !errors.As(err, &ee) {
			c.Error = err.Error()
			return c, "The edit could not be written or turned into a patch; answer again."
		}
		return refuse(err)
	}
	if made == nil {
		c.Error = "the edit changed nothing"
		return c, "Your edit leaves every file as it was; answer with a change."
	}
	for _, f := range files {
		c.Files = append(c.Files, pass.Rel(filepath.Join(pass.ModuleDir, filepath.FromSlash(f))))
	}
	c.Description = st.Describe(c.Files)
	c.Patch, c.Reverse = made.Patch, made.Reverse
	rep, err := st.Validate(ctx, c.Patch)
	if err != nil {
		c.Error = "could not be validated: " + err.Error()
		return c, "Your change could not be validated (" + err.Error() + "). Answer again with a change that applies to the files as shown."
	}
	c.Validation = rep
	if rep.Accepted {
		return c, ""
	}
	return c, Rejection(rep)
}

// Rejection tells the model why validation rejected its change, in enough
// detail to fix it: the level, its detail, and the findings with their lines.
func Rejection(rep *validate.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Your change was rejected by the %s check.\n", rep.RejectedBy)
	for _, l := range rep.Levels {
		if l.Name == rep.RejectedBy && l.Detail != "" {
			fmt.Fprintf(&b, "%s\n", clip.Bytes(l.Detail, 3000, "…"))
		}
	}
	for i, f := range rep.Findings {
		if i == 10 {
			break
		}
		fmt.Fprintf(&b, "- %s:%d: %s\n", f.File, f.Line, clip.Bytes(f.Message, 300, "…"))
	}
	b.WriteString("Fix this and give the complete change again, as edits to the files as they were originally.")
	return b.String()
}

// QuoteFiles renders files of the worktree at root (repository-relative
// paths) for a prompt, each labelled with its path relative to the module
// at modDir, as the code context labels its files.
func QuoteFiles(root, modDir string, files []string) string {
	var b strings.Builder
	for _, f := range files {
		abs := filepath.Join(root, filepath.FromSlash(f))
		data, err := os.ReadFile(abs)
		if err != nil {
			continue
		}
		label := f
		if rel, err := filepath.Rel(modDir, abs); err == nil {
			label = filepath.ToSlash(rel)
		}
		fmt.Fprintf(&b, "%s\n```go\n%s```\n", label, data)
	}
	return b.String()
}

// ID is a candidate's ID: a short hash of where its answer came from and
// the answer itself.
func ID(task, kind string, attempt int, answer string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s", task, kind, attempt, answer))
	return hex.EncodeToString(sum[:])[:12]
}

// Why says in one line why a candidate was not accepted, for progress
// lines: the rejecting level and its detail ("answer: … is not one of the
// files this task may change"), or the error that kept it from validation.
func Why(c *methods.Candidate) string {
	if v := c.Validation; v != nil && !v.Accepted {
		for _, l := range v.Levels {
			if l.Name == v.RejectedBy && l.Detail != "" {
				return v.RejectedBy + ": " + clip.Bytes(clip.FirstLine(l.Detail), 300, "…")
			}
		}
		return "rejected by " + v.RejectedBy
	}
	return clip.Bytes(clip.FirstLine(c.Error), 300, "…")
}
