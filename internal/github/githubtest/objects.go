package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// repo is one repository's state. Git objects are hashed exactly as git
// hashes them, so a blob's SHA is what `git hash-object` prints.
type repo struct {
	owner, name   string
	id            int64
	defaultBranch string
	objects       map[string]*object
	refs          map[string]string // "refs/heads/main" → commit SHA
	pulls         []*pull
	issues        []*issue // issues and pull requests share numbers, as on github.com
	labels        []*label
	modified      time.Time // Last-Modified of everything in the repository
}

type object struct {
	kind    string // "blob", "tree", "commit"
	data    []byte
	entries []treeEntry // a tree's entries, in git order
	commit  *commit
}

type treeEntry struct {
	name, mode, typ, sha string
}

type commit struct {
	tree      string
	parents   []string
	message   string
	author    person
	committer person
	verified  bool
}

type person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func repoKey(owner, name string) string { return strings.ToLower(owner + "/" + name) }

// AddRepo creates a repository whose default branch holds one commit with
// the files (path → content) and returns that commit's SHA.
func (s *Server) AddRepo(fullName, defaultBranch string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok {
		panic("githubtest: AddRepo wants owner/name, got " + fullName)
	}
	rp := &repo{
		owner: owner, name: name, id: s.newID(), defaultBranch: defaultBranch,
		objects: make(map[string]*object), refs: make(map[string]string),
	}
	s.repos[repoKey(owner, name)] = rp
	rp.modified = s.tick()
	sha := rp.commitFiles(nil, files, nil, "initial commit", s.nowFunc())
	rp.refs["refs/heads/"+defaultBranch] = sha
	return sha
}

// Push commits onto branch (created from the default branch when missing)
// the files to write and the paths to delete, and returns the new commit.
func (s *Server) Push(fullName, branch string, files map[string]string, deleted ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	parent, ok := rp.refs["refs/heads/"+branch]
	if !ok {
		parent = rp.refs["refs/heads/"+rp.defaultBranch]
	}
	sha := rp.commitFiles([]string{parent}, files, deleted, "push to "+branch, s.nowFunc())
	rp.refs["refs/heads/"+branch] = sha
	rp.modified = s.tick()
	return sha
}

// Ref is the commit a branch points at, "" when there is no such branch.
func (s *Server) Ref(fullName, branch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustRepo(fullName).refs["refs/heads/"+branch]
}

// Files is the tree of a branch, or of a commit given by its SHA, as path →
// content; nil when neither exists.
func (s *Server) Files(fullName, branchOrCommit string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	sha, ok := rp.refs["refs/heads/"+branchOrCommit]
	if !ok {
		sha = branchOrCommit
	}
	o := rp.objects[sha]
	if o == nil || o.kind != "commit" {
		return nil
	}
	out := make(map[string]string)
	for p, e := range rp.flatten(o.commit.tree) {
		if e.typ == "blob" {
			out[p] = string(rp.objects[e.sha].data)
		}
	}
	return out
}

// Commit describes a commit for assertions.
type Commit struct {
	SHA, Tree, Message string
	Parents            []string
	Author             string // name <email>
	Verified           bool
}

// Commit returns a commit of the repository, and whether it exists.
func (s *Server) Commit(fullName, sha string) (Commit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustRepo(fullName).objects[sha]
	if o == nil || o.kind != "commit" {
		return Commit{}, false
	}
	c := o.commit
	return Commit{SHA: sha, Tree: c.tree, Message: c.message, Parents: slices.Clone(c.parents),
		Author: c.author.Name + " <" + c.author.Email + ">", Verified: c.verified}, true
}

func (s *Server) mustRepo(fullName string) *repo {
	owner, name, _ := strings.Cut(fullName, "/")
	rp := s.repos[repoKey(owner, name)]
	if rp == nil {
		panic("githubtest: unknown repository " + fullName)
	}
	return rp
}

// put stores an object under its git hash.
func (rp *repo) put(kind string, body []byte, o *object) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(body))
	h.Write(body)
	sha := hex.EncodeToString(h.Sum(nil))
	o.kind = kind
	if rp.objects[sha] == nil {
		rp.objects[sha] = o
	}
	return sha
}

func (rp *repo) putBlob(data []byte) string {
	return rp.put("blob", data, &object{data: data})
}

func (rp *repo) putTree(entries []treeEntry) string {
	sort.Slice(entries, func(i, j int) bool { return gitName(entries[i]) < gitName(entries[j]) })
	var body []byte
	for _, e := range entries {
		raw, _ := hex.DecodeString(e.sha)
		body = fmt.Appendf(body, "%s %s\x00", strings.TrimPrefix(e.mode, "0"), e.name)
		body = append(body, raw...)
	}
	return rp.put("tree", body, &object{entries: entries})
}

// gitName is the name git sorts a tree entry by: a subtree as if it ended in "/".
func gitName(e treeEntry) string {
	if e.typ == "tree" {
		return e.name + "/"
	}
	return e.name
}

func (rp *repo) putCommit(c *commit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", c.tree)
	for _, p := range c.parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	fmt.Fprintf(&b, "author %s\ncommitter %s\n\n%s", gitPerson(c.author), gitPerson(c.committer), c.message)
	return rp.put("commit", []byte(b.String()), &object{commit: c})
}

func gitPerson(p person) string {
	t, err := time.Parse(time.RFC3339, p.Date)
	if err != nil {
		t = time.Unix(0, 0)
	}
	return fmt.Sprintf("%s <%s> %d +0000", p.Name, p.Email, t.Unix())
}

// flatten lists the non-tree entries under a tree by full path.
func (rp *repo) flatten(treeSHA string) map[string]treeEntry {
	out := make(map[string]treeEntry)
	var walk func(sha, prefix string)
	walk = func(sha, prefix string) {
		o := rp.objects[sha]
		if o == nil || o.kind != "tree" {
			return
		}
		for _, e := range o.entries {
			if e.typ == "tree" {
				walk(e.sha, prefix+e.name+"/")
				continue
			}
			out[prefix+e.name] = e
		}
	}
	walk(treeSHA, "")
	return out
}

// build stores the nested trees of a flat path → entry map and returns the root's SHA.
func (rp *repo) build(files map[string]treeEntry) string {
	var entries []treeEntry
	subdirs := make(map[string]map[string]treeEntry)
	for p, e := range files {
		dir, rest, nested := strings.Cut(p, "/")
		if !nested {
			e.name = p
			entries = append(entries, e)
			continue
		}
		if subdirs[dir] == nil {
			subdirs[dir] = make(map[string]treeEntry)
		}
		subdirs[dir][rest] = e
	}
	for dir, sub := range subdirs {
		entries = append(entries, treeEntry{name: dir, mode: "040000", typ: "tree", sha: rp.build(sub)})
	}
	return rp.putTree(entries)
}

// commitFiles writes a commit whose tree is the first parent's with files
// written and paths deleted; it is the setup helpers' shortcut.
func (rp *repo) commitFiles(parents []string, files map[string]string, deleted []string, message string, now time.Time) string {
	flat := make(map[string]treeEntry)
	if len(parents) > 0 {
		flat = rp.flatten(rp.objects[parents[0]].commit.tree)
	}
	for p, content := range files {
		flat[p] = treeEntry{mode: "100644", typ: "blob", sha: rp.putBlob([]byte(content))}
	}
	for _, p := range deleted {
		delete(flat, p)
	}
	who := person{Name: "Test User", Email: "test@example.com", Date: timestamp(now)}
	return rp.putCommit(&commit{tree: rp.build(flat), parents: parents, message: message, author: who, committer: who})
}

func (rp *repo) apiURL(r *http.Request, format string, args ...any) string {
	return fmt.Sprintf("http://%s/repos/%s/%s/", r.Host, rp.owner, rp.name) + fmt.Sprintf(format, args...)
}

func (rp *repo) htmlURL(r *http.Request, format string, args ...any) string {
	return fmt.Sprintf("http://%s/%s/%s/", r.Host, rp.owner, rp.name) + fmt.Sprintf(format, args...)
}
