package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// PullRequest describes a pull request for assertions.
type PullRequest struct {
	Number        int
	Title, Body   string
	State         string // "open" or "closed"
	Draft         bool
	Head, Base    string // branch names
	HeadSHA       string
	Author        string
	Comments      []string // the issue comments on it
	ReviewComment int      // how many review comments it has
}

// Review describes a pull request review for assertions.
type Review struct {
	ID       int64
	User     string
	Bot      bool
	State    string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	Body     string
	CommitID string
	// Association is the reviewer's author_association; "" is
	// CONTRIBUTOR, someone without push access.
	Association string
	Comments    []ReviewComment
}

// ReviewComment is a comment on a line, or a range of lines, of a review.
type ReviewComment struct {
	Path      string
	Line      int
	StartLine int // 0 for a single line
	Side      string
	StartSide string
	Body      string
}

type pull struct {
	number      int
	id          int64
	title, body string
	state       string
	draft       bool
	head, base  string
	lastHead    string // the head's commit when it was last seen
	author      user
	created     time.Time
	updated     time.Time
	closed      time.Time
	reviews     []*review
}

type review struct {
	Review
	id        int64
	submitted time.Time
	comments  []*reviewComment
}

type reviewComment struct {
	ReviewComment
	id       int64
	commitID string
	created  time.Time
}

type user struct {
	login string
	bot   bool
	id    int64
}

func (u user) json(r *http.Request) map[string]any {
	typ := "User"
	if u.bot {
		typ = "Bot"
	}
	return map[string]any{
		"login": u.login, "id": u.id, "node_id": fmt.Sprintf("U_%d", u.id), "type": typ, "site_admin": false,
		"url": fmt.Sprintf("http://%s/users/%s", r.Host, u.login), "html_url": fmt.Sprintf("http://%s/%s", r.Host, u.login),
	}
}

func userOf(t *Token) user { return user{login: t.Login, bot: t.Bot, id: t.id} }

// OpenPR opens a pull request from head into base on behalf of author (a
// person, not a bot) and returns its number.
func (s *Server) OpenPR(fullName, head, base, title, author string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	if _, ok := rp.refs["refs/heads/"+head]; !ok {
		panic("githubtest: OpenPR: no branch " + head)
	}
	p := rp.newPull(s, title, "", head, base, false, user{login: author, id: s.newID()})
	return p.number
}

// AddReview submits a review of a pull request as someone else would.
func (s *Server) AddReview(fullName string, number int, rv Review) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	p := rp.pull(number)
	if p == nil {
		panic("githubtest: AddReview: no pull request " + strconv.Itoa(number))
	}
	if rv.CommitID == "" {
		rv.CommitID = rp.headSHA(p)
	}
	rv.ID = s.newID()
	added := &review{Review: rv, id: rv.ID, submitted: s.nowFunc()}
	for _, c := range rv.Comments {
		added.comments = append(added.comments, &reviewComment{ReviewComment: c, id: s.newID(), commitID: rv.CommitID, created: added.submitted})
	}
	p.reviews = append(p.reviews, added)
	rp.modified = s.tick()
}

// PullRequests returns the repository's pull requests, by number.
func (s *Server) PullRequests(fullName string) []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	var out []PullRequest
	for _, p := range rp.pulls {
		pr := PullRequest{Number: p.number, Title: p.title, Body: p.body, State: p.state, Draft: p.draft,
			Head: p.head, Base: p.base, HeadSHA: rp.headSHA(p), Author: p.author.login}
		if is := rp.issue(p.number); is != nil {
			for _, c := range is.comments {
				pr.Comments = append(pr.Comments, c.body)
			}
		}
		for _, rv := range p.reviews {
			pr.ReviewComment += len(rv.comments)
		}
		out = append(out, pr)
	}
	return out
}

// Reviews returns the reviews of a pull request, oldest first.
func (s *Server) Reviews(fullName string, number int) []Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustRepo(fullName).pull(number)
	if p == nil {
		return nil
	}
	var out []Review
	for _, rv := range p.reviews {
		r := rv.Review
		r.Comments = nil
		for _, c := range rv.comments {
			r.Comments = append(r.Comments, c.ReviewComment)
		}
		out = append(out, r)
	}
	return out
}

func (rp *repo) pull(number int) *pull {
	for _, p := range rp.pulls {
		if p.number == number {
			return p
		}
	}
	return nil
}

func (rp *repo) headSHA(p *pull) string {
	if sha, ok := rp.refs["refs/heads/"+p.head]; ok && p.state == "open" {
		p.lastHead = sha
	}
	return p.lastHead
}

func (rp *repo) newPull(s *Server, title, body, head, base string, draft bool, author user) *pull {
	now := s.nowFunc()
	is := rp.newIssue(s, title, body, nil, author)
	p := &pull{number: is.number, id: s.newID(), title: title, body: body, state: "open", draft: draft,
		head: head, base: base, author: author, created: now, updated: now}
	is.pull = p
	rp.pulls = append(rp.pulls, p)
	rp.headSHA(p)
	rp.modified = s.tick()
	return p
}

// changes is the pull request's diff: from the merge base of its base
// branch and its head, to its head, as GitHub shows it.
type fileChange struct {
	path, status, sha      string
	patch                  string
	hasPatch               bool
	additions, deletions   int
	oldContent, newContent string
}

func (rp *repo) changes(p *pull) []fileChange {
	head := rp.headSHA(p)
	base := rp.mergeBase(rp.refs["refs/heads/"+p.base], head)
	if base == "" || head == "" {
		return nil
	}
	before := rp.flatten(rp.objects[base].commit.tree)
	after := rp.flatten(rp.objects[head].commit.tree)
	var paths []string
	for q := range before {
		paths = append(paths, q)
	}
	for q := range after {
		if _, ok := before[q]; !ok {
			paths = append(paths, q)
		}
	}
	slices.Sort(paths)
	var out []fileChange
	for _, q := range paths {
		b, inBefore := before[q]
		a, inAfter := after[q]
		if inBefore && inAfter && a.sha == b.sha && a.mode == b.mode {
			continue
		}
		fc := fileChange{path: q, status: "modified"}
		switch {
		case !inBefore:
			fc.status, fc.sha = "added", a.sha
		case !inAfter:
			fc.status, fc.sha = "removed", b.sha
		default:
			fc.sha = a.sha
		}
		if inBefore {
			fc.oldContent = string(rp.objects[b.sha].data)
		}
		if inAfter {
			fc.newContent = string(rp.objects[a.sha].data)
		}
		if !strings.Contains(fc.oldContent, "\x00") && !strings.Contains(fc.newContent, "\x00") {
			fc.patch, fc.additions, fc.deletions = unifiedHunks(fc.oldContent, fc.newContent)
			fc.hasPatch = fc.patch != ""
		}
		out = append(out, fc)
	}
	return out
}

func (s *Server) pullJSON(r *http.Request, rp *repo, p *pull, full bool) map[string]any {
	headSHA := rp.headSHA(p)
	branch := func(ref, sha string) map[string]any {
		return map[string]any{"label": rp.owner + ":" + ref, "ref": ref, "sha": sha,
			"repo": s.repoJSON(r, rp, nil), "user": user{login: rp.owner, id: rp.id}.json(r)}
	}
	var closed any
	if p.state == "closed" {
		closed = timestamp(p.closed)
	}
	m := map[string]any{
		"id": p.id, "node_id": fmt.Sprintf("PR_%d", p.id), "number": p.number, "state": p.state, "locked": false,
		"title": p.title, "body": nullable(p.body), "draft": p.draft, "user": p.author.json(r),
		"url":      rp.apiURL(r, "pulls/%d", p.number),
		"html_url": rp.htmlURL(r, "pull/%d", p.number), "diff_url": rp.htmlURL(r, "pull/%d.diff", p.number),
		"patch_url": rp.htmlURL(r, "pull/%d.patch", p.number), "issue_url": rp.apiURL(r, "issues/%d", p.number),
		"created_at": timestamp(p.created), "updated_at": timestamp(p.updated), "closed_at": closed,
		"merged_at": nil, "merge_commit_sha": nil, "labels": []any{}, "author_association": "CONTRIBUTOR",
		"head": branch(p.head, headSHA), "base": branch(p.base, rp.refs["refs/heads/"+p.base]),
	}
	if full {
		changes := rp.changes(p)
		add, del := 0, 0
		for _, c := range changes {
			add, del = add+c.additions, del+c.deletions
		}
		comments := 0
		if is := rp.issue(p.number); is != nil {
			comments = len(is.comments)
		}
		m["merged"], m["mergeable"], m["mergeable_state"] = false, nil, "unknown"
		m["additions"], m["deletions"], m["changed_files"] = add, del, len(changes)
		m["comments"], m["maintainer_can_modify"] = comments, false
	}
	return m
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, rp *repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var out []map[string]any
	for _, p := range slices.Backward(rp.pulls) { // newest first, GitHub's default
		if state != "all" && p.state != state {
			continue
		}
		// GitHub filters by head only in the user:ref-name form.
		if owner, ref, ok := strings.Cut(q.Get("head"), ":"); ok && (!strings.EqualFold(owner, rp.owner) || ref != p.head) {
			continue
		}
		if b := q.Get("base"); b != "" && b != p.base {
			continue
		}
		out = append(out, s.pullJSON(r, rp, p, false))
	}
	paginate(w, r, out)
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		Title *string `json:"title"`
		Head  string  `json:"head"`
		Base  string  `json:"base"`
		Body  *string `json:"body"`
		Draft bool    `json:"draft"`
	}
	if !decode(w, r, &in) {
		return
	}
	head := in.Head
	if owner, ref, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(owner, rp.owner) {
			unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "head", "code": "invalid"})
			return
		}
		head = ref
	}
	if in.Title == nil || *in.Title == "" {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "title", "code": "missing_field"})
		return
	}
	headSHA, okHead := rp.refs["refs/heads/"+head]
	baseSHA, okBase := rp.refs["refs/heads/"+in.Base]
	switch {
	case !okBase:
		unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "base", "code": "invalid"})
		return
	case !okHead:
		unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "head", "code": "invalid"})
		return
	}
	for _, p := range rp.pulls {
		if p.state == "open" && p.head == head && p.base == in.Base {
			unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "code": "custom",
				"message": fmt.Sprintf("A pull request already exists for %s:%s.", rp.owner, head)})
			return
		}
	}
	if rp.isAncestor(headSHA, baseSHA) {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "code": "custom",
			"message": fmt.Sprintf("No commits between %s and %s", in.Base, head)})
		return
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	p := rp.newPull(s, *in.Title, body, head, in.Base, in.Draft, userOf(tokenOf(r)))
	writeJSON(w, http.StatusCreated, s.pullJSON(r, rp, p, true))
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	if accept := r.Header.Get("Accept"); strings.Contains(accept, ".diff") || strings.Contains(accept, ".patch") {
		var files []diff.File
		for _, c := range rp.changes(p) {
			f := diff.File{OldPath: c.path, NewPath: c.path, Binary: !c.hasPatch}
			switch c.status {
			case "added":
				f.OldPath, f.NewMode = "", "100644"
			case "removed":
				f.NewPath, f.OldMode = "", "100644"
			}
			if c.hasPatch {
				hunks, err := diff.ParseHunks([]byte(c.patch))
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				f.Hunks = hunks
			}
			files = append(files, f)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-GitHub-Media-Type", "github.v3; param=diff")
		w.WriteHeader(http.StatusOK)
		w.Write(diff.Format(files))
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(r, rp, p, true))
}

func (s *Server) updatePull(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Base != nil {
		if _, ok := rp.refs["refs/heads/"+*in.Base]; !ok {
			unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "base", "code": "invalid"})
			return
		}
		p.base = *in.Base
	}
	if in.State != nil {
		switch *in.State {
		case "closed":
			if p.state == "open" {
				rp.headSHA(p)
				p.state, p.closed = "closed", s.nowFunc()
			}
		case "open":
			if _, ok := rp.refs["refs/heads/"+p.head]; !ok {
				unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "state", "code": "invalid"})
				return
			}
			p.state = "open"
		default:
			unprocessable(w, "Validation Failed", map[string]string{"resource": "PullRequest", "field": "state", "code": "invalid"})
			return
		}
	}
	if in.Title != nil {
		p.title = *in.Title
	}
	if in.Body != nil {
		p.body = *in.Body
	}
	if is := rp.issue(p.number); is != nil {
		is.title, is.body, is.state = p.title, p.body, p.state
	}
	p.updated = s.nowFunc()
	rp.modified = s.tick()
	writeJSON(w, http.StatusOK, s.pullJSON(r, rp, p, true))
}

func (s *Server) listPullFiles(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	var out []map[string]any
	for _, c := range rp.changes(p) {
		m := map[string]any{
			"sha": c.sha, "filename": c.path, "status": c.status,
			"additions": c.additions, "deletions": c.deletions, "changes": c.additions + c.deletions,
			"blob_url":     rp.htmlURL(r, "blob/%s/%s", rp.headSHA(p), c.path),
			"raw_url":      rp.htmlURL(r, "raw/%s/%s", rp.headSHA(p), c.path),
			"contents_url": rp.apiURL(r, "contents/%s?ref=%s", c.path, rp.headSHA(p)),
		}
		if c.hasPatch {
			m["patch"] = c.patch
		}
		out = append(out, m)
	}
	paginate(w, r, out)
}

func (s *Server) pathPull(w http.ResponseWriter, r *http.Request, rp *repo) *pull {
	n, err := strconv.Atoi(r.PathValue("number"))
	p := rp.pull(n)
	if err != nil || p == nil {
		notFound(w)
		return nil
	}
	return p
}
