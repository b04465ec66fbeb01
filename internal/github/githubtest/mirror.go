package githubtest

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Mirror copies into the repository fullName the commits of the local git
// repository dir that branches (branch → local commit) point at, with
// their history, and points the branches at them, so that a test can run
// against the fake the very commits it has checked out: a run's base commit
// must exist on GitHub. The commits must have UTC dates (the fake writes
// +0000) and no signature; Mirror checks that each gets its local SHA.
func (s *Server) Mirror(fullName, dir string, branches map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	for branch, tip := range branches {
		revs, err := git(dir, "rev-list", "--reverse", "--topo-order", tip)
		if err != nil {
			return err
		}
		for _, sha := range strings.Fields(revs) {
			if rp.objects[sha] != nil {
				continue
			}
			if err := rp.mirrorCommit(dir, sha); err != nil {
				return fmt.Errorf("githubtest: mirror %s: %w", sha, err)
			}
		}
		rp.refs["refs/heads/"+branch] = tip
	}
	rp.modified = s.tick()
	return nil
}

func (rp *repo) mirrorCommit(dir, sha string) error {
	list, err := git(dir, "ls-tree", "-r", "-z", sha)
	if err != nil {
		return err
	}
	flat := make(map[string]treeEntry)
	for _, line := range strings.Split(strings.TrimSuffix(list, "\x00"), "\x00") {
		meta, path, ok := strings.Cut(line, "\t")
		f := strings.Fields(meta) // mode type object
		if !ok || len(f) != 3 || f[1] != "blob" {
			return fmt.Errorf("ls-tree: %q: only files can be mirrored", line)
		}
		content, err := git(dir, "cat-file", "blob", f[2])
		if err != nil {
			return err
		}
		flat[path] = treeEntry{mode: f[0], typ: "blob", sha: rp.putBlob([]byte(content))}
	}
	raw, err := git(dir, "cat-file", "commit", sha)
	if err != nil {
		return err
	}
	headers, message, _ := strings.Cut(raw, "\n\n")
	c := &commit{tree: rp.build(flat), parents: []string{}, message: message}
	for _, h := range strings.Split(headers, "\n") {
		key, value, _ := strings.Cut(h, " ")
		switch key {
		case "tree":
		case "parent":
			c.parents = append(c.parents, value)
		case "author", "committer":
			p, err := gitIdent(value)
			if err != nil {
				return err
			}
			if key == "author" {
				c.author = p
			} else {
				c.committer = p
			}
		default:
			return fmt.Errorf("header %q cannot be mirrored", key)
		}
	}
	if got := rp.putCommit(c); got != sha {
		return fmt.Errorf("it hashes to %s here (the local commit must have UTC dates)", got)
	}
	return nil
}

// gitIdent reads "Name <email> 1700000000 +0000".
func gitIdent(s string) (person, error) {
	lt, gt := strings.Index(s, " <"), strings.LastIndex(s, "> ")
	if lt < 0 || gt < lt {
		return person{}, fmt.Errorf("identity %q", s)
	}
	f := strings.Fields(s[gt+2:])
	unix, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || len(f) != 2 || f[1] != "+0000" {
		return person{}, fmt.Errorf("identity %q: want a UTC date", s)
	}
	return person{Name: s[:lt], Email: s[lt+2 : gt], Date: timestamp(time.Unix(unix, 0))}, nil
}

func git(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %v: %s", args[0], err, msg)
	}
	return string(out), nil
}
