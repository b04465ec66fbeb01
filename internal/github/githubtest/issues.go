package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue describes an issue for assertions; pull requests are left out.
type Issue struct {
	Number      int
	Title, Body string
	State       string // "open" or "closed"
	Labels      []string
	Comments    []string
	Author      string
}

type issue struct {
	number      int
	id          int64
	title, body string
	state       string
	stateReason string
	labels      []string
	author      user
	comments    []issueComment
	created     time.Time
	updated     time.Time
	closed      time.Time
	pull        *pull // set when the issue is a pull request
}

type issueComment struct {
	id      int64
	body    string
	author  user
	created time.Time
}

type label struct {
	id                       int64
	name, color, description string
}

// Issues returns the repository's issues (not its pull requests), by number.
func (s *Server) Issues(fullName string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.mustRepo(fullName).issues {
		if is.pull != nil {
			continue
		}
		i := Issue{Number: is.number, Title: is.title, Body: is.body, State: is.state, Labels: slices.Clone(is.labels), Author: is.author.login}
		for _, c := range is.comments {
			i.Comments = append(i.Comments, c.body)
		}
		out = append(out, i)
	}
	return out
}

// Labels returns the names of the repository's labels.
func (s *Server) Labels(fullName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.mustRepo(fullName).labels {
		out = append(out, l.name)
	}
	return out
}

// AddIssue opens an issue as someone else would and returns its number.
func (s *Server) AddIssue(fullName, title, body string, labels ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(fullName)
	is := rp.newIssue(s, title, body, labels, user{login: "someone", id: s.newID()})
	rp.modified = s.tick()
	return is.number
}

func (rp *repo) issue(number int) *issue {
	for _, is := range rp.issues {
		if is.number == number {
			return is
		}
	}
	return nil
}

func (rp *repo) label(name string) *label {
	for _, l := range rp.labels {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

func (rp *repo) newIssue(s *Server, title, body string, labels []string, author user) *issue {
	now := s.nowFunc()
	is := &issue{number: len(rp.issues) + 1, id: s.newID(), title: title, body: body, state: "open",
		author: author, created: now, updated: now}
	is.labels = rp.ensureLabels(s, labels)
	rp.issues = append(rp.issues, is)
	return is
}

// ensureLabels returns the canonical names of labels, creating the missing
// ones, as GitHub does for an issue created or edited with new label names.
func (rp *repo) ensureLabels(s *Server, names []string) []string {
	var out []string
	for _, n := range names {
		l := rp.label(n)
		if l == nil {
			l = &label{id: s.newID(), name: n, color: "ededed"}
			rp.labels = append(rp.labels, l)
		}
		if !slices.Contains(out, l.name) {
			out = append(out, l.name)
		}
	}
	return out
}

func (rp *repo) labelJSON(r *http.Request, l *label) map[string]any {
	return map[string]any{
		"id": l.id, "node_id": fmt.Sprintf("LA_%d", l.id), "url": rp.apiURL(r, "labels/%s", l.name),
		"name": l.name, "color": l.color, "description": nullable(l.description), "default": false,
	}
}

func (s *Server) issueJSON(r *http.Request, rp *repo, is *issue) map[string]any {
	labels := []map[string]any{}
	for _, n := range is.labels {
		if l := rp.label(n); l != nil {
			labels = append(labels, rp.labelJSON(r, l))
		}
	}
	var closed, reason any
	if is.state == "closed" {
		closed = timestamp(is.closed)
		reason = is.stateReason
	}
	m := map[string]any{
		"id": is.id, "node_id": fmt.Sprintf("I_%d", is.id), "number": is.number, "title": is.title,
		"body": nullable(is.body), "state": is.state, "state_reason": reason, "locked": false,
		"labels": labels, "user": is.author.json(r), "comments": len(is.comments), "assignees": []any{},
		"url": rp.apiURL(r, "issues/%d", is.number), "html_url": rp.htmlURL(r, "issues/%d", is.number),
		"repository_url": strings.TrimSuffix(rp.apiURL(r, ""), "/"), "author_association": "CONTRIBUTOR",
		"created_at": timestamp(is.created), "updated_at": timestamp(is.updated), "closed_at": closed,
	}
	if is.pull != nil {
		m["html_url"] = rp.htmlURL(r, "pull/%d", is.number)
		m["pull_request"] = map[string]any{
			"url": rp.apiURL(r, "pulls/%d", is.number), "html_url": rp.htmlURL(r, "pull/%d", is.number),
			"diff_url": rp.htmlURL(r, "pull/%d.diff", is.number), "patch_url": rp.htmlURL(r, "pull/%d.patch", is.number),
			"merged_at": nil,
		}
		m["draft"] = is.pull.draft
	}
	return m
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request, rp *repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	var out []map[string]any
	for _, is := range slices.Backward(rp.issues) { // newest first, GitHub's default
		if state != "all" && is.state != state {
			continue
		}
		if !slices.ContainsFunc(want, func(l string) bool {
			return !slices.ContainsFunc(is.labels, func(have string) bool { return strings.EqualFold(have, strings.TrimSpace(l)) })
		}) {
			out = append(out, s.issueJSON(r, rp, is))
		}
	}
	paginate(w, r, out)
}

type issueInput struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Labels      *[]string `json:"labels"`
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in issueInput
	if !decode(w, r, &in) {
		return
	}
	if in.Title == nil || *in.Title == "" {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "Issue", "field": "title", "code": "missing_field"})
		return
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	var labels []string
	if in.Labels != nil {
		labels = *in.Labels
	}
	is := rp.newIssue(s, *in.Title, body, labels, userOf(tokenOf(r)))
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, s.issueJSON(r, rp, is))
}

func (s *Server) pathIssue(w http.ResponseWriter, r *http.Request, rp *repo) *issue {
	n, err := strconv.Atoi(r.PathValue("number"))
	is := rp.issue(n)
	if err != nil || is == nil {
		notFound(w)
		return nil
	}
	return is
}

func (s *Server) getIssue(w http.ResponseWriter, r *http.Request, rp *repo) {
	if is := s.pathIssue(w, r, rp); is != nil {
		writeJSON(w, http.StatusOK, s.issueJSON(r, rp, is))
	}
}

func (s *Server) updateIssue(w http.ResponseWriter, r *http.Request, rp *repo) {
	is := s.pathIssue(w, r, rp)
	if is == nil {
		return
	}
	var in issueInput
	if !decode(w, r, &in) {
		return
	}
	if in.State != nil {
		switch *in.State {
		case "open", "closed":
		default:
			unprocessable(w, "Validation Failed", map[string]string{"resource": "Issue", "field": "state", "code": "invalid"})
			return
		}
		if *in.State == "closed" && is.state == "open" {
			is.closed, is.stateReason = s.nowFunc(), "completed"
		}
		is.state = *in.State
		if is.pull != nil {
			is.pull.state = is.state
		}
	}
	if in.StateReason != nil && is.state == "closed" {
		is.stateReason = *in.StateReason
	}
	if in.Title != nil {
		is.title = *in.Title
	}
	if in.Body != nil {
		is.body = *in.Body
	}
	if in.Labels != nil {
		is.labels = rp.ensureLabels(s, *in.Labels)
	}
	is.updated = s.nowFunc()
	rp.modified = s.tick()
	writeJSON(w, http.StatusOK, s.issueJSON(r, rp, is))
}

func (s *Server) createIssueComment(w http.ResponseWriter, r *http.Request, rp *repo) {
	is := s.pathIssue(w, r, rp)
	if is == nil {
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Body == nil || *in.Body == "" {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "IssueComment", "field": "body", "code": "missing_field"})
		return
	}
	c := issueComment{id: s.newID(), body: *in.Body, author: userOf(tokenOf(r)), created: s.nowFunc()}
	is.comments = append(is.comments, c)
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, commentJSON(r, rp, is, c))
}

func commentJSON(r *http.Request, rp *repo, is *issue, c issueComment) map[string]any {
	return map[string]any{
		"id": c.id, "node_id": fmt.Sprintf("IC_%d", c.id), "body": c.body, "user": c.author.json(r),
		"url":        rp.apiURL(r, "issues/comments/%d", c.id),
		"html_url":   rp.htmlURL(r, "issues/%d#issuecomment-%d", is.number, c.id),
		"issue_url":  rp.apiURL(r, "issues/%d", is.number),
		"created_at": timestamp(c.created), "updated_at": timestamp(c.created), "author_association": "CONTRIBUTOR",
	}
}

func (s *Server) listIssueComments(w http.ResponseWriter, r *http.Request, rp *repo) {
	is := s.pathIssue(w, r, rp)
	if is == nil {
		return
	}
	var out []map[string]any
	for _, c := range is.comments {
		out = append(out, commentJSON(r, rp, is, c))
	}
	paginate(w, r, out)
}

func (s *Server) listLabels(w http.ResponseWriter, r *http.Request, rp *repo) {
	var out []map[string]any
	for _, l := range rp.labels {
		out = append(out, rp.labelJSON(r, l))
	}
	paginate(w, r, out)
}

func (s *Server) getLabel(w http.ResponseWriter, r *http.Request, rp *repo) {
	l := rp.label(r.PathValue("name"))
	if l == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, rp.labelJSON(r, l))
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request, rp *repo) {
	var in struct {
		Name        string `json:"name"`
		Color       string `json:"color"`
		Description string `json:"description"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Name == "" {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "Label", "field": "name", "code": "missing_field"})
		return
	}
	if rp.label(in.Name) != nil {
		unprocessable(w, "Validation Failed", map[string]string{"resource": "Label", "field": "name", "code": "already_exists"})
		return
	}
	color := strings.TrimPrefix(in.Color, "#")
	if color == "" {
		color = "ededed"
	}
	l := &label{id: s.newID(), name: in.Name, color: color, description: in.Description}
	rp.labels = append(rp.labels, l)
	rp.modified = s.tick()
	writeJSON(w, http.StatusCreated, rp.labelJSON(r, l))
}
