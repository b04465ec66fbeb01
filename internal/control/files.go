package control

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/github"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// changeFiles applies the patch in a worktree at commit and returns the
// files it changes as the Git Data API takes them — content and mode as git
// has them in the index after the apply, deletions — and the tree the
// commit and the patch make (git write-tree), which GitHub computes the
// same way from the same content.
func changeFiles(ctx context.Context, wts *gitx.Worktrees, commit string, p []byte) ([]github.FileChange, string, error) {
	files, err := diff.Parse(p)
	if err != nil {
		return nil, "", err
	}
	wt, err := wts.Add(ctx, "publish", commit)
	if err != nil {
		return nil, "", err
	}
	defer wts.Remove(context.WithoutCancel(ctx), wt)
	if err := gitx.Apply(ctx, wt.Dir, p, gitx.ApplyOptions{Index: true}); err != nil {
		return nil, "", fmt.Errorf("apply the patch at %.12s: %w", commit, err)
	}
	tree, err := wt.Git(ctx, "write-tree")
	if err != nil {
		return nil, "", err
	}
	var out []github.FileChange
	seen := map[string]bool{}
	add := func(fc github.FileChange) {
		if !seen[fc.Path] {
			seen[fc.Path] = true
			out = append(out, fc)
		}
	}
	for _, f := range files {
		if f.OldPath != "" && f.OldPath != f.NewPath {
			add(github.FileChange{Path: f.OldPath, Delete: true})
		}
		if f.NewPath == "" {
			continue
		}
		// ls-files --stage: "<mode> <object> <stage>\t<path>".
		line, err := wt.Git(ctx, "ls-files", "--stage", "--", f.NewPath)
		if err != nil {
			return nil, "", err
		}
		meta, _, _ := strings.Cut(line, "\t")
		fields := strings.Fields(meta)
		if len(fields) != 3 {
			return nil, "", fmt.Errorf("%s is not in the index after the apply", f.NewPath)
		}
		mode, object := fields[0], fields[1]
		if mode != "100644" && mode != "100755" && mode != "120000" {
			return nil, "", fmt.Errorf("%s: git mode %s cannot be published", f.NewPath, mode)
		}
		content, err := wt.Git(ctx, "cat-file", "blob", object)
		if err != nil {
			return nil, "", err
		}
		add(github.FileChange{Path: f.NewPath, Content: []byte(content), Mode: mode})
	}
	return out, strings.TrimSpace(tree), nil
}

// checkPublishable checks a patch once more right before it leaves the
// machine: every path inside the module, none under .github/ or .git, no
// symbolic link, no binary file but a PGO profile, no credential added
// (the validation's policy level refused them already; this is the check
// "right before a patch leaves the machine" of docs/design.md's security
// model, with the same rules).
func checkPublishable(files []diff.File, moduleDir string) error {
	moduleDir = path.Clean(moduleDir)
	var problems []string
	for _, f := range files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p == "" {
				continue
			}
			clean := path.Clean(p)
			parts := strings.Split(clean, "/")
			switch {
			case clean != p || path.IsAbs(p) || parts[0] == "..":
				problems = append(problems, p+": not a clean relative path")
			case parts[0] == ".github" || slices.Contains(parts, ".git"):
				problems = append(problems, p+": under .github/ or .git")
			case moduleDir != "." && !strings.HasPrefix(clean, moduleDir+"/"):
				problems = append(problems, p+": outside the module "+moduleDir)
			}
		}
		if f.NewMode == "120000" || f.OldMode == "120000" {
			problems = append(problems, f.Path()+": a symbolic link")
		}
		if f.Binary && !validate.IsProfile(f.Path()) {
			problems = append(problems, f.Path()+": a binary file")
		}
		for _, n := range validate.Credentials(f) {
			problems = append(problems, fmt.Sprintf("%s:%d: what looks like a credential", f.Path(), n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the patch may not be published: %s", strings.Join(problems, "; "))
	}
	return nil
}
