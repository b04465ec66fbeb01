package edit

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestAnswers runs the model answers of testdata/answers/*.txt. Each is a
// txtar archive: the comment holds the expectations, "answer" is the model's
// answer, tree/<path> the work tree before, want/<path> each file the answer
// changes, after. Keys of the comment:
//
//	allowed: the files the task may change (Apply's allowed)
//	error:   parse|apply <sentinel>; without it the answer must apply
//	reason:  text that Feedback must contain (one per line, several allowed)
//	reasons: how many reasons the error has
//	format:  the Format of every parsed edit
//	crlf:    sections whose "\n" become "\r\n" (answer, tree/x.go, want/x.go)
//	symlink: work/<link> -> <target>, a symbolic link made in the tree
//
// The work tree is <root>/work; <root>/outside/secret.txt is a file outside
// it. Whatever the answer, nothing under <root> but the wanted files may
// change.
func TestAnswers(t *testing.T) {
	names, err := filepath.Glob("testdata/answers/*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("no answers: %v", err)
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".txt"), func(t *testing.T) {
			c := readCase(t, name)
			root := t.TempDir()
			dir := filepath.Join(root, "work")
			writeFile(t, filepath.Join(root, "outside", "secret.txt"), "secret\n", 0o644)
			for p, content := range c.tree {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(p)), content, 0o644)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for link, target := range c.symlinks {
				if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, root)

			stage := "parse"
			edits, err := Parse(c.answer)
			var changed []string
			if err == nil {
				for _, e := range edits {
					if c.format != "" && string(e.Format) != c.format {
						t.Errorf("edit %s has format %q, want %q", e.Source, e.Format, c.format)
					}
				}
				stage = "apply"
				changed, err = Apply(dir, edits, c.allowed)
			}
			after := snapshot(t, root)

			if c.err == nil {
				if err != nil {
					t.Fatalf("%s: %v\nfeedback:\n%s", stage, err, Feedback(err))
				}
				want := maps.Clone(before)
				for p, content := range c.want {
					for d := filepath.Dir(p); d != "."; d = filepath.Dir(d) {
						if _, ok := want["work/"+d]; !ok {
							want["work/"+d] = "dir"
						}
					}
					want["work/"+p] = "0644 " + content
					if old, ok := before["work/"+p]; ok {
						want["work/"+p] = old[:5] + content // keeps its mode
					}
				}
				compareTrees(t, want, after)
				if wantChanged := slices.Sorted(maps.Keys(c.want)); !slices.Equal(changed, wantChanged) {
					t.Errorf("changed = %q, want %q", changed, wantChanged)
				}
				return
			}

			compareTrees(t, before, after)
			if err == nil {
				t.Fatalf("the answer was accepted (changed %q); want a %s error wrapping %v", changed, c.stage, c.err)
			}
			if stage != c.stage {
				t.Errorf("rejected by %s: %v; want by %s", stage, err, c.stage)
			}
			if !errors.Is(err, c.err) {
				t.Errorf("error %v does not wrap %v", err, c.err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
			feedback := Feedback(err)
			for _, r := range c.reasons {
				if !strings.Contains(strings.ReplaceAll(feedback, "\n  ", "\n"), r) {
					t.Errorf("feedback does not say %q:\n%s", r, feedback)
				}
			}
			if c.nReasons > 0 && len(Reasons(err)) != c.nReasons {
				t.Errorf("%d reasons, want %d: %q", len(Reasons(err)), c.nReasons, Reasons(err))
			}
		})
	}
}

type answerCase struct {
	answer   string
	tree     map[string]string
	want     map[string]string
	allowed  []string
	stage    string
	err      error
	reasons  []string
	nReasons int
	format   string
	symlinks map[string]string
}

var sentinels = map[string]error{
	"ErrNoEdit": ErrNoEdit, "ErrMalformed": ErrMalformed, "ErrForbidden": ErrForbidden,
	"ErrNoMatch": ErrNoMatch, "ErrAmbiguous": ErrAmbiguous, "ErrNoChange": ErrNoChange,
}

func readCase(t *testing.T, name string) answerCase {
	t.Helper()
	ar, err := txtar.ParseFile(name)
	if err != nil {
		t.Fatal(err)
	}
	c := answerCase{tree: map[string]string{}, want: map[string]string{}, symlinks: map[string]string{}}
	crlf := map[string]bool{}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "allowed":
			c.allowed = strings.Fields(value)
		case "error":
			stage, sentinel, _ := strings.Cut(value, " ")
			c.stage, c.err = stage, sentinels[sentinel]
			if c.err == nil || stage != "parse" && stage != "apply" {
				t.Fatalf("bad error line %q", line)
			}
		case "reason":
			c.reasons = append(c.reasons, value)
		case "reasons":
			c.nReasons, _ = strconv.Atoi(value)
		case "format":
			c.format = value
		case "crlf":
			for _, f := range strings.Fields(value) {
				crlf[f] = true
			}
		case "symlink":
			link, target, _ := strings.Cut(value, " -> ")
			c.symlinks[link] = target
		default:
			t.Fatalf("unknown key %q", key)
		}
	}
	for _, f := range ar.Files {
		data := string(f.Data)
		if crlf[f.Name] {
			data = strings.ReplaceAll(data, "\n", "\r\n")
		}
		switch {
		case f.Name == "answer":
			c.answer = data
		case strings.HasPrefix(f.Name, "tree/"):
			c.tree[strings.TrimPrefix(f.Name, "tree/")] = data
		case strings.HasPrefix(f.Name, "want/"):
			c.want[strings.TrimPrefix(f.Name, "want/")] = data
		default:
			t.Fatalf("unknown section %q", f.Name)
		}
	}
	if c.err == nil && len(c.want) == 0 {
		t.Fatal("a case without an error must want a changed file")
	}
	return c
}

func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// snapshot describes every file, directory and link under root, without
// following links: "dir", "link <target>", or "<mode> <content>".
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	tree := make(map[string]string)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			tree[rel] = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			tree[rel] = "link " + target
		default:
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			tree[rel] = fmt.Sprintf("%04o %s", info.Mode().Perm(), data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func compareTrees(t testing.TB, want, got map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[p]; !ok {
			t.Errorf("%s is missing", p)
		} else if g != want[p] {
			t.Errorf("%s is\n%s\nwant\n%s", p, g, want[p])
		}
	}
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[p]; !ok {
			t.Errorf("%s appeared: %q", p, got[p])
		}
	}
}
