package patch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
)

// snapshot is the state of some paths of a work tree and its index, saved
// so that a failed 3-way merge can be undone.
type snapshot struct {
	repo  *gitx.Repo
	paths []string
	files map[string]fileState
	// index holds the index entries of the paths as `git update-index
	// --cacheinfo` takes them: "mode,object,path".
	index []string
}

type fileState struct {
	exists  bool
	symlink bool
	data    []byte // content, or the symlink's target
	mode    fs.FileMode
	// keep is the deepest ancestor directory that existed; directories
	// below it that the merge created are removed again.
	keep string
}

// takeSnapshot saves the files at paths (relative to the root of repo)
// and their index entries.
func takeSnapshot(ctx context.Context, repo *gitx.Repo, paths []string) (*snapshot, error) {
	s := &snapshot{repo: repo, paths: paths, files: make(map[string]fileState)}
	for _, p := range paths {
		abs := filepath.Join(repo.Root, filepath.FromSlash(p))
		var st fileState
		info, err := os.Lstat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			st.keep = filepath.Dir(abs)
			for st.keep != repo.Root {
				if _, err := os.Lstat(st.keep); err == nil {
					break
				}
				st.keep = filepath.Dir(st.keep)
			}
		case err != nil:
			return nil, err
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(abs)
			if err != nil {
				return nil, err
			}
			st = fileState{exists: true, symlink: true, data: []byte(target)}
		case info.Mode().IsRegular():
			data, err := os.ReadFile(abs)
			if err != nil {
				return nil, err
			}
			st = fileState{exists: true, data: data, mode: info.Mode().Perm()}
		default:
			return nil, fmt.Errorf("%s is not a regular file or symlink", p)
		}
		s.files[p] = st
	}
	args := []string{"ls-files", "--stage", "-z", "--"}
	for _, p := range paths {
		args = append(args, ":(literal)"+p)
	}
	out, err := repo.Git(ctx, args...)
	if err != nil {
		return nil, err
	}
	for _, rec := range strings.Split(out, "\x00") {
		if rec == "" {
			continue
		}
		// "<mode> <object> <stage>\t<path>"
		info, path, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(info)
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("unexpected `git ls-files` output %q", rec)
		}
		if fields[2] != "0" {
			return nil, fmt.Errorf("%s has unresolved merge conflicts (resolve them first)", path)
		}
		s.index = append(s.index, fields[0]+","+fields[1]+","+path)
	}
	return s, nil
}

// restore puts the saved files and index entries back.
func (s *snapshot) restore(ctx context.Context) error {
	var errs []error
	for _, p := range s.paths {
		if err := s.restoreFile(p, s.files[p]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	// Drop whatever the merge left in the index for the paths (unmerged
	// stages included), then put the saved entries back.
	args := append([]string{"update-index", "--force-remove", "--"}, s.paths...)
	if _, err := s.repo.Git(ctx, args...); err != nil {
		errs = append(errs, err)
	} else if len(s.index) > 0 {
		args := []string{"update-index", "--add"}
		for _, e := range s.index {
			args = append(args, "--cacheinfo", e)
		}
		if _, err := s.repo.Git(ctx, args...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *snapshot) restoreFile(p string, st fileState) error {
	abs := filepath.Join(s.repo.Root, filepath.FromSlash(p))
	info, err := os.Lstat(abs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	exists := err == nil
	switch {
	case !st.exists:
		if !exists {
			return nil
		}
		if err := os.Remove(abs); err != nil {
			return err
		}
		// Remove the directories the merge created, as long as they are empty.
		for dir := filepath.Dir(abs); dir != st.keep && strings.HasPrefix(dir, s.repo.Root+string(filepath.Separator)); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break
			}
		}
		return nil
	case st.symlink:
		if exists && info.Mode()&fs.ModeSymlink != 0 {
			if target, err := os.Readlink(abs); err == nil && target == string(st.data) {
				return nil
			}
		}
		if exists {
			if err := os.Remove(abs); err != nil {
				return err
			}
		}
		return os.Symlink(string(st.data), abs)
	default:
		if exists && info.Mode().IsRegular() && info.Mode().Perm() == st.mode {
			if cur, err := os.ReadFile(abs); err == nil && bytes.Equal(cur, st.data) {
				return nil
			}
		}
		if exists && !info.Mode().IsRegular() {
			if err := os.Remove(abs); err != nil {
				return err
			}
		}
		return atomicfile.WriteFile(abs, st.data, st.mode)
	}
}
