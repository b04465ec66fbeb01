package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Role says what a tree's commands may write in the shared build cache.
type Role int

const (
	// Candidate trees read the shared build cache and write their own.
	Candidate Role = iota
	// Base trees hold the repository as it is: their commands fill the
	// shared build cache that candidates read.
	Base
)

// tree is a copy of a source directory (a worktree) that children run in,
// with the identity they run as and private directories beside it.
type tree struct {
	src  string // the source root
	dir  string // its copy
	home string // HOME, TMPDIR, the private build cache, temporary directories
	uid  int    // -1: the optimizer's own
	role Role

	mu      sync.Mutex
	running int
	copied  map[string]copyState // by path relative to the root
}

// copyState remembers a copied file: the source as it was and the copy as
// it was made, so that a sync copies again exactly what changed on either
// side.
type copyState struct {
	srcSize  int64
	srcMtime int64
	srcIno   uint64
	srcMode  fs.FileMode
	dstIno   uint64
	dstCtime int64
}

// Tree registers src (a worktree's root) as a source whose commands run on
// a copy, with the given role and a fresh identity. A tree registered for
// src before is replaced: call it when a worktree starts on a new
// candidate. Run registers a Candidate tree by itself for a directory it
// does not know.
func (r *Runner) Tree(src string, role Role) error {
	src, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("sandbox: tree %s: %w", src, err)
	}
	r.mu.Lock()
	old := r.trees[src]
	delete(r.trees, src)
	r.mu.Unlock()
	if old != nil {
		if err := r.drop(old); err != nil {
			return err
		}
	}
	_, err = r.treeFor(src, role)
	return err
}

// Release forgets the tree of src and removes its copy, killing whatever
// of it still runs. The next command run from src gets a new tree and a
// new identity.
func (r *Runner) Release(src string) error {
	src, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	r.mu.Lock()
	t := r.trees[src]
	delete(r.trees, src)
	r.mu.Unlock()
	if t == nil {
		return nil
	}
	return r.drop(t)
}

// treeFor returns the tree of the source root src, making one.
func (r *Runner) treeFor(src string, role Role) (*tree, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.trees[src]; t != nil {
		return t, nil
	}
	r.next++
	base := filepath.Join(r.root, fmt.Sprintf("t%d", r.next))
	t := &tree{src: src, dir: filepath.Join(base, "src"), home: filepath.Join(base, "home"), uid: -1, role: role, copied: map[string]copyState{}}
	if r.ids != nil {
		if role == Base {
			t.uid = r.ids.base()
		} else {
			t.uid = r.ids.take()
		}
	}
	if err := os.Mkdir(base, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: tree: %w", err)
	}
	for _, d := range []string{t.dir, t.home, filepath.Join(t.home, "tmp"), filepath.Join(t.home, "gocache"), filepath.Join(t.home, "layer")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox: tree: %w", err)
		}
		if err := t.own(d); err != nil {
			return nil, err
		}
	}
	r.trees[src] = t
	return t, nil
}

// treeOf finds the tree that dir belongs to: a tree's copy or private
// directory, or a source directory (then the tree of its source root,
// made if needed).
func (r *Runner) treeOf(dir string) (*tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %s: %w", dir, err)
	}
	r.mu.Lock()
	for _, t := range r.trees {
		if within(abs, t.src) || within(abs, t.dir) || within(abs, t.home) {
			r.mu.Unlock()
			return t, nil
		}
	}
	r.mu.Unlock()
	if within(abs, r.root) {
		return nil, fmt.Errorf("sandbox: %s belongs to no live tree", dir)
	}
	return r.treeFor(sourceRoot(abs), Candidate)
}

// sourceRoot is the nearest directory at or above dir that holds a .git
// (a worktree's root), or dir itself.
func sourceRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}

// Path returns where path (inside a tree's source) is found by children:
// its place in the copy. Arguments that name files of the source (an
// overlay, a profile) must go through it. Other paths come back as they
// are.
func (r *Runner) Path(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.trees {
		if within(abs, t.src) {
			rel, _ := filepath.Rel(t.src, abs)
			return filepath.Join(t.dir, rel)
		}
	}
	return path
}

// TempDir makes a new directory, private to the tree of owner (a source
// directory, or a directory of the tree), where its children may write
// what the optimizer reads back with ReadFile. It is removed with the tree.
func (r *Runner) TempDir(owner, pattern string) (string, error) {
	t, err := r.treeOf(owner)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(filepath.Join(t.home, "tmp"), pattern)
	if err != nil {
		return "", fmt.Errorf("sandbox: temporary directory: %w", err)
	}
	if err := t.own(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// unmap rewrites the copy's paths in a command's output to the source's.
func (t *tree) unmap(out []byte) []byte {
	return bytes.ReplaceAll(out, []byte(t.dir), []byte(t.src))
}

// own gives path to the tree's identity.
func (t *tree) own(path string) error {
	if t.uid < 0 {
		return nil
	}
	if err := os.Lchown(path, t.uid, t.uid); err != nil {
		return fmt.Errorf("sandbox: %s: %w", path, err)
	}
	return nil
}

// sync brings the copy in step with the source: files that changed on
// either side since the last sync are copied again, files the source does
// not have are removed. Nothing called .git is copied. Every change to the
// copy goes through an os.Root, so a link a child left cannot lead a write
// outside it. The caller holds t.mu and no command of the tree runs.
func (t *tree) sync() error {
	root, err := os.OpenRoot(t.dir)
	if err != nil {
		return fmt.Errorf("sandbox: sync %s: %w", t.src, err)
	}
	defer root.Close()
	keep := map[string]bool{".": true}
	err = filepath.WalkDir(t.src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(t.src, path)
		if d.Name() == ".git" && rel != "." {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		keep[rel] = true
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return t.syncEntry(root, path, rel, info)
	})
	if err != nil {
		return fmt.Errorf("sandbox: sync %s: %w", t.src, err)
	}
	// What the source lacks goes: files a child made, or the source removed.
	var extra []string
	filepath.WalkDir(t.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(t.dir, path)
		if !keep[rel] {
			extra = append(extra, rel)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	for _, rel := range extra {
		delete(t.copied, rel)
		if err := root.RemoveAll(rel); err != nil {
			root.Chmod(rel, 0o700)
			if err := root.RemoveAll(rel); err != nil {
				return fmt.Errorf("sandbox: sync %s: %w", t.src, err)
			}
		}
	}
	return nil
}

// syncEntry makes rel in the copy what path is in the source.
func (t *tree) syncEntry(root *os.Root, path, rel string, info fs.FileInfo) error {
	dst, dstErr := root.Lstat(rel)
	switch {
	case info.IsDir():
		if dstErr == nil && !dst.IsDir() {
			if err := root.RemoveAll(rel); err != nil {
				return err
			}
			dstErr = fs.ErrNotExist
		}
		if dstErr != nil {
			if err := root.Mkdir(rel, 0o700); err != nil {
				return err
			}
		}
		if err := root.Chmod(rel, info.Mode().Perm()|0o700); err != nil {
			return err
		}
		return t.chown(root, rel)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		if dstErr == nil {
			if old, err := root.Readlink(rel); err == nil && old == target {
				return nil
			}
			if err := root.RemoveAll(rel); err != nil {
				return err
			}
		}
		if err := root.Symlink(target, rel); err != nil {
			return err
		}
		return t.chown(root, rel)
	case info.Mode().IsRegular():
		want := copyState{srcSize: info.Size(), srcMtime: info.ModTime().UnixNano(), srcMode: info.Mode()}
		want.srcIno, _ = fileID(info)
		if old, ok := t.copied[rel]; ok && dstErr == nil {
			if ino, ctime := fileID(dst); ino == old.dstIno && ctime == old.dstCtime &&
				old.srcSize == want.srcSize && old.srcMtime == want.srcMtime && old.srcIno == want.srcIno && old.srcMode == want.srcMode {
				return nil
			}
		}
		if dstErr == nil {
			if err := root.RemoveAll(rel); err != nil {
				return err
			}
		}
		if err := copyInto(root, path, rel, info.Mode().Perm()); err != nil {
			return err
		}
		if err := t.chown(root, rel); err != nil {
			return err
		}
		if dst, err := root.Lstat(rel); err == nil {
			want.dstIno, want.dstCtime = fileID(dst)
		}
		t.copied[rel] = want
		return nil
	}
	return nil // sockets, devices, FIFOs: not copied
}

func (t *tree) chown(root *os.Root, rel string) error {
	if t.uid < 0 {
		return nil
	}
	return root.Lchown(rel, t.uid, t.uid)
}

// copyInto copies the file at path to rel in root, as a new file.
func copyInto(root *os.Root, path, rel string, perm fs.FileMode) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm|0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Chmod(rel, perm|0o600)
	}
	return err
}

// drop kills what is left of a tree and removes its directories.
func (r *Runner) drop(t *tree) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.sweep(t)
	base := filepath.Dir(t.dir)
	if err := removeAll(base); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sandbox: remove tree of %s: %w", t.src, err)
	}
	if r.ids != nil && t.role != Base {
		r.ids.give(t.uid)
	}
	return nil
}

// Scratch makes an empty source directory with a tree of its own, for a
// command that needs no repository (go env). Release it when done.
func (r *Runner) Scratch(pattern string) (string, error) {
	dir, err := os.MkdirTemp(r.root, pattern)
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	if err := r.Tree(dir, Candidate); err != nil {
		return "", err
	}
	return dir, nil
}
