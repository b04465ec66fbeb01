package githubtest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// --- blobs ---

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Content == nil {
		unprocessable(w, `Invalid request.`+"\n\n"+`"content" wasn't supplied.`)
		return
	}
	var data []byte
	switch in.Encoding {
	case "", "utf-8":
		data = []byte(*in.Content)
	case "base64":
		var err error
		if data, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(*in.Content, "\n", "")); err != nil {
			unprocessable(w, "Invalid request.\n\nContent is not valid Base64.")
			return
		}
	default:
		unprocessable(w, fmt.Sprintf("Invalid request.\n\n%q is not a valid encoding.", in.Encoding))
		return
	}
	sha := rp.putBlob(data)
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, map[string]string{"sha": sha, "url": rp.apiURL(r, "git/blobs/%s", sha)})
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, rp *repo) {
	sha := r.PathValue("sha")
	o := rp.objects[sha]
	if o == nil || o.kind != "blob" {
		notFound(w)
		return
	}
	enc := base64.StdEncoding.EncodeToString(o.data)
	var lines []string
	for len(enc) > 60 {
		lines, enc = append(lines, enc[:60]), enc[60:]
	}
	lines = append(lines, enc)
	writeJSON(w, http.StatusOK, map[string]any{
		"sha": sha, "node_id": "B_" + sha[:12], "size": len(o.data), "url": rp.apiURL(r, "git/blobs/%s", sha),
		"content": strings.Join(lines, "\n") + "\n", "encoding": "base64",
	})
}

// --- trees ---

var validModes = map[string]string{"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}

func (s *Server) createTree(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path    string  `json:"path"`
			Mode    string  `json:"mode"`
			Type    string  `json:"type"`
			SHA     *string `json:"sha"`
			Content *string `json:"content"`
		} `json:"tree"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Tree == nil {
		unprocessable(w, `Invalid request.`+"\n\n"+`"tree" wasn't supplied.`)
		return
	}
	flat := make(map[string]treeEntry)
	if in.BaseTree != "" {
		o := rp.objects[in.BaseTree]
		if o == nil || o.kind != "tree" {
			unprocessable(w, "Invalid tree info")
			return
		}
		flat = rp.flatten(in.BaseTree)
	}
	for _, e := range in.Tree {
		p := e.Path
		if p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") || p == "." || strings.HasPrefix(p, "../") || slices.Contains(strings.Split(p, "/"), ".git") {
			unprocessable(w, fmt.Sprintf("Invalid request.\n\nInvalid path %q.", p))
			return
		}
		typ, ok := validModes[e.Mode]
		if !ok || (e.Type != "" && e.Type != typ) {
			unprocessable(w, fmt.Sprintf("Invalid request.\n\nInvalid tree entry for %q: mode %q, type %q.", p, e.Mode, e.Type))
			return
		}
		if e.SHA != nil && e.Content != nil {
			unprocessable(w, "Invalid request.\n\nOnly one of content or sha may be given.")
			return
		}
		if e.SHA == nil && e.Content == nil { // deletion: a file or a whole directory
			found := false
			for q := range flat {
				if q == p || strings.HasPrefix(q, p+"/") {
					delete(flat, q)
					found = true
				}
			}
			if !found {
				unprocessable(w, "GitRPC::BadObjectState")
				return
			}
			continue
		}
		for q := range flat { // a file replaces a directory and the other way round
			if strings.HasPrefix(q, p+"/") || strings.HasPrefix(p, q+"/") {
				delete(flat, q)
			}
		}
		if e.Content != nil {
			if typ != "blob" {
				unprocessable(w, "Invalid request.\n\ncontent is only allowed for blobs.")
				return
			}
			flat[p] = treeEntry{mode: e.Mode, typ: typ, sha: rp.putBlob([]byte(*e.Content))}
			continue
		}
		o := rp.objects[*e.SHA]
		switch {
		case typ == "commit": // a submodule points at a commit of another repository
		case o == nil || o.kind != typ:
			unprocessable(w, "Invalid request.\n\nsha "+*e.SHA+" is not a "+typ+".")
			return
		}
		if typ == "tree" {
			for q, sub := range rp.flatten(*e.SHA) {
				flat[p+"/"+q] = sub
			}
			continue
		}
		flat[p] = treeEntry{mode: e.Mode, typ: typ, sha: *e.SHA}
	}
	sha := rp.build(flat)
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, rp.treeJSON(r, sha, false))
}

func (s *Server) getTree(w http.ResponseWriter, r *http.Request, rp *repo) {
	sha := r.PathValue("sha")
	if c, ok := rp.objects[sha]; ok && c.kind == "commit" { // GitHub accepts a commit (tree-ish) here
		sha = c.commit.tree
	} else if ref, ok := rp.refs["refs/heads/"+sha]; ok {
		sha = rp.objects[ref].commit.tree
	}
	if o := rp.objects[sha]; o == nil || o.kind != "tree" {
		notFound(w)
		return
	}
	recursive := r.URL.Query().Get("recursive")
	writeJSON(w, http.StatusOK, rp.treeJSON(r, sha, recursive != "" && recursive != "0" && recursive != "false"))
}

func (rp *repo) treeJSON(r *http.Request, sha string, recursive bool) map[string]any {
	entries := []map[string]any{}
	var walk func(sha, prefix string)
	walk = func(sha, prefix string) {
		for _, e := range rp.objects[sha].entries {
			m := map[string]any{"path": prefix + e.name, "mode": e.mode, "type": e.typ, "sha": e.sha}
			switch e.typ {
			case "blob":
				m["size"] = len(rp.objects[e.sha].data)
				m["url"] = rp.apiURL(r, "git/blobs/%s", e.sha)
			case "tree":
				m["url"] = rp.apiURL(r, "git/trees/%s", e.sha)
			}
			entries = append(entries, m)
			if e.typ == "tree" && recursive {
				walk(e.sha, prefix+e.name+"/")
			}
		}
	}
	walk(sha, "")
	return map[string]any{"sha": sha, "url": rp.apiURL(r, "git/trees/%s", sha), "tree": entries, "truncated": false}
}

// --- commits ---

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		Message   *string  `json:"message"`
		Tree      string   `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *person  `json:"author"`
		Committer *person  `json:"committer"`
		Signature *string  `json:"signature"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Message == nil {
		unprocessable(w, `Invalid request.`+"\n\n"+`"message" wasn't supplied.`)
		return
	}
	if o := rp.objects[in.Tree]; o == nil || o.kind != "tree" {
		unprocessable(w, "Tree SHA does not exist")
		return
	}
	for _, p := range in.Parents {
		if o := rp.objects[p]; o == nil || o.kind != "commit" {
			unprocessable(w, "Parent SHA does not exist or is not a commit object")
			return
		}
	}
	tok := tokenOf(r)
	now := timestamp(s.nowFunc())
	c := &commit{tree: in.Tree, parents: slices.Clone(in.Parents), message: *in.Message}
	if c.parents == nil {
		c.parents = []string{}
	}
	switch {
	case in.Author != nil:
		c.author = *in.Author
		if c.author.Date == "" {
			c.author.Date = now
		}
	default:
		c.author = person{Name: tok.Login, Email: fmt.Sprintf("%d+%s@users.noreply.github.com", tok.id, tok.Login), Date: now}
		// GitHub signs the commits a bot makes through the API when it
		// chooses the author.
		c.verified = tok.Bot && in.Signature == nil
	}
	c.committer = c.author
	if in.Committer != nil {
		c.committer = *in.Committer
		if c.committer.Date == "" {
			c.committer.Date = now
		}
	}
	sha := rp.putCommit(c)
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, rp.commitJSON(r, sha))
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request, rp *repo) {
	sha := r.PathValue("sha")
	if o := rp.objects[sha]; o == nil || o.kind != "commit" {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, rp.commitJSON(r, sha))
}

func (rp *repo) commitJSON(r *http.Request, sha string) map[string]any {
	c := rp.objects[sha].commit
	parents := []map[string]string{}
	for _, p := range c.parents {
		parents = append(parents, map[string]string{"sha": p, "url": rp.apiURL(r, "git/commits/%s", p), "html_url": rp.htmlURL(r, "commit/%s", p)})
	}
	reason := "unsigned"
	if c.verified {
		reason = "valid"
	}
	return map[string]any{
		"sha": sha, "node_id": "C_" + sha[:12], "url": rp.apiURL(r, "git/commits/%s", sha), "html_url": rp.htmlURL(r, "commit/%s", sha),
		"author": c.author, "committer": c.committer, "message": c.message,
		"tree":         map[string]string{"sha": c.tree, "url": rp.apiURL(r, "git/trees/%s", c.tree)},
		"parents":      parents,
		"verification": map[string]any{"verified": c.verified, "reason": reason, "signature": nil, "payload": nil, "verified_at": nil},
	}
}

// --- refs ---

func (rp *repo) refJSON(r *http.Request, name string) map[string]any {
	sha := rp.refs[name]
	short := strings.TrimPrefix(name, "refs/")
	return map[string]any{
		"ref": name, "node_id": "REF_" + sha[:12], "url": rp.apiURL(r, "git/refs/%s", short),
		"object": map[string]string{"type": "commit", "sha": sha, "url": rp.apiURL(r, "git/commits/%s", sha)},
	}
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request, rp *repo) {
	name := "refs/" + r.PathValue("ref")
	if _, ok := rp.refs[name]; !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, rp.refJSON(r, name))
}

func (s *Server) matchingRefs(w http.ResponseWriter, r *http.Request, rp *repo) {
	prefix := "refs/" + r.PathValue("ref")
	out := []map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(rp.refs)) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, rp.refJSON(r, name))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !decode(w, r, &in) {
		return
	}
	if !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 || !validRefName(in.Ref) {
		unprocessable(w, "Reference name is invalid")
		return
	}
	if _, ok := rp.refs[in.Ref]; ok {
		unprocessable(w, "Reference already exists")
		return
	}
	if o := rp.objects[in.SHA]; o == nil || o.kind != "commit" {
		unprocessable(w, "Object does not exist")
		return
	}
	rp.refs[in.Ref] = in.SHA
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, rp.refJSON(r, in.Ref))
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request, rp *repo) {
	name := "refs/" + r.PathValue("ref")
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if !decode(w, r, &in) {
		return
	}
	old, ok := rp.refs[name]
	if !ok {
		unprocessable(w, "Reference does not exist")
		return
	}
	if o := rp.objects[in.SHA]; o == nil || o.kind != "commit" {
		unprocessable(w, "Object does not exist")
		return
	}
	if !in.Force && !rp.isAncestor(old, in.SHA) {
		unprocessable(w, "Update is not a fast forward")
		return
	}
	rp.refs[name] = in.SHA
	rp.modified = s.tick()
	writeJSON(w, http.StatusOK, rp.refJSON(r, name))
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request, rp *repo) {
	name := "refs/" + r.PathValue("ref")
	if _, ok := rp.refs[name]; !ok {
		unprocessable(w, "Reference does not exist")
		return
	}
	delete(rp.refs, name)
	rp.modified = s.tick()
	w.WriteHeader(http.StatusNoContent)
}

func validRefName(ref string) bool {
	if strings.Contains(ref, "..") || strings.ContainsAny(ref, " ~^:?*[\\") || strings.HasSuffix(ref, "/") ||
		strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "//") || strings.Contains(ref, "@{") || !utf8.ValidString(ref) {
		return false
	}
	for _, c := range ref {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// ancestors is the set of commits reachable from sha, itself included.
func (rp *repo) ancestors(sha string) map[string]bool {
	seen := make(map[string]bool)
	stack := []string{sha}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		if o := rp.objects[c]; o != nil && o.kind == "commit" {
			stack = append(stack, o.commit.parents...)
		}
	}
	return seen
}

func (rp *repo) isAncestor(ancestor, of string) bool { return rp.ancestors(of)[ancestor] }

// mergeBase is a best common ancestor of a and b: the first commit reachable
// from b, breadth first, that is also reachable from a.
func (rp *repo) mergeBase(a, b string) string {
	fromA := rp.ancestors(a)
	queue, seen := []string{b}, map[string]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c] {
			continue
		}
		seen[c] = true
		if fromA[c] {
			return c
		}
		if o := rp.objects[c]; o != nil && o.kind == "commit" {
			queue = append(queue, o.commit.parents...)
		}
	}
	return ""
}
