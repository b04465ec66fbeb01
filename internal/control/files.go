package control

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/github"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// changeFiles applies the patch in a worktree at commit and returns the
// files it changes as the Git Data API takes them — content and mode as git
// has them in the index after the apply, deletions — and the tree the
// commit and the patch make (git write-tree), which GitHub computes the
// same way from the same content.
func changeFiles(ctx context.Context, wts *gitx.Worktrees, commit string, p []byte) ([]github.FileChange, string, error) {
	files, err := patch.Parse(p)
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
func checkPublishable(files []patch.File, moduleDir string) error {
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

// hunkRef names a hunk of a patch: the file's index in patch.Parse's
// result and the hunk's in the file, -1 for the whole file.
type hunkRef struct{ file, hunk int }

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// selectHunks is the part of a git-style patch made of the chosen hunks:
// each chosen file's header, its chosen hunks with their new-side starts
// shifted for the hunks left out before them. A whole file (hunk -1) is
// kept as it is.
func selectHunks(p []byte, keep []hunkRef) ([]byte, error) {
	want := map[hunkRef]bool{}
	for _, k := range keep {
		want[k] = true
	}
	var out bytes.Buffer
	for fi, sec := range splitFiles(p) {
		header, hunks := splitHunks(sec)
		if want[hunkRef{fi, -1}] {
			out.Write(sec)
			continue
		}
		shift, wrote := 0, false
		for hi, h := range hunks {
			m := hunkHeader.FindSubmatch(h)
			if m == nil {
				return nil, fmt.Errorf("file %d hunk %d: no hunk header", fi, hi)
			}
			oldN, newN := lineCount(m[2]), lineCount(m[4])
			if !want[hunkRef{fi, hi}] {
				shift -= newN - oldN
				continue
			}
			if !wrote {
				out.Write(header)
				wrote = true
			}
			newStart, _ := strconv.Atoi(string(m[3]))
			if newStart+shift < 0 {
				return nil, fmt.Errorf("file %d hunk %d: bad line numbers", fi, hi)
			}
			fmt.Fprintf(&out, "@@ -%s", m[1])
			if len(m[2]) > 0 {
				fmt.Fprintf(&out, ",%s", m[2])
			}
			fmt.Fprintf(&out, " +%d", newStart+shift)
			if len(m[4]) > 0 {
				fmt.Fprintf(&out, ",%s", m[4])
			}
			out.WriteString(" @@")
			out.Write(h[len(m[0]):])
		}
	}
	return out.Bytes(), nil
}

func lineCount(b []byte) int {
	if len(b) == 0 {
		return 1 // "@@ -5 +5 @@": one line
	}
	n, _ := strconv.Atoi(string(b))
	return n
}

// splitFiles cuts a git-style patch at its "diff --git" lines; text before
// the first is dropped, as patch.Parse ignores it.
func splitFiles(p []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i < len(p); {
		end := bytes.IndexByte(p[i:], '\n')
		next := len(p)
		if end >= 0 {
			next = i + end + 1
		}
		if bytes.HasPrefix(p[i:], []byte("diff --git ")) {
			if start >= 0 {
				out = append(out, p[start:i])
			}
			start = i
		}
		i = next
	}
	if start >= 0 {
		out = append(out, p[start:])
	}
	return out
}

// splitHunks cuts one file's section into its header and its hunks.
func splitHunks(sec []byte) (header []byte, hunks [][]byte) {
	start := -1
	for i := 0; i < len(sec); {
		end := bytes.IndexByte(sec[i:], '\n')
		next := len(sec)
		if end >= 0 {
			next = i + end + 1
		}
		if bytes.HasPrefix(sec[i:], []byte("@@ ")) {
			if start < 0 {
				header = sec[:i]
			} else {
				hunks = append(hunks, sec[start:i])
			}
			start = i
		}
		i = next
	}
	if start < 0 {
		return sec, nil
	}
	return header, append(hunks, sec[start:])
}
