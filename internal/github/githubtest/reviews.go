package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// diffLines are the lines of a file's diff that a review comment may
// target: per side, the line number → the index of its hunk.
type diffLines struct {
	right, left map[int]int
}

func commentable(patch string) diffLines {
	d := diffLines{right: map[int]int{}, left: map[int]int{}}
	hunks, err := diff.ParseHunks([]byte(patch))
	if err != nil {
		return d
	}
	for hi, h := range hunks {
		oldN, newN := h.OldStart, h.NewStart
		for _, l := range h.Body {
			switch l.Op {
			case '+':
				d.right[newN] = hi
				newN++
			case '-':
				d.left[oldN] = hi
				oldN++
			default:
				d.right[newN], d.left[oldN] = hi, hi
				oldN, newN = oldN+1, newN+1
			}
		}
	}
	return d
}

func (s *Server) createReview(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	var in struct {
		CommitID string `json:"commit_id"`
		Body     string `json:"body"`
		Event    string `json:"event"`
		Comments []struct {
			Path      string `json:"path"`
			Position  *int   `json:"position"`
			Body      string `json:"body"`
			Line      *int   `json:"line"`
			Side      string `json:"side"`
			StartLine *int   `json:"start_line"`
			StartSide string `json:"start_side"`
		} `json:"comments"`
	}
	if !decode(w, r, &in) {
		return
	}
	tok := tokenOf(r)
	head := rp.headSHA(p)
	if in.CommitID == "" {
		in.CommitID = head
	} else if !rp.isAncestor(in.CommitID, head) {
		unprocessable(w, "Unprocessable Entity", "No commit found for SHA: "+in.CommitID)
		return
	}
	state := map[string]string{"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", "": "PENDING"}[in.Event]
	switch {
	case state == "":
		unprocessable(w, "Unprocessable Entity", fmt.Sprintf("Invalid event %q", in.Event))
		return
	case state == "APPROVED" && p.author.login == tok.Login:
		unprocessable(w, "Unprocessable Entity", "Can not approve your own pull request")
		return
	case state == "CHANGES_REQUESTED" && in.Body == "",
		state == "COMMENTED" && in.Body == "" && len(in.Comments) == 0:
		unprocessable(w, "Unprocessable Entity", "Review body is required")
		return
	}
	files := make(map[string]diffLines)
	for _, c := range rp.changes(p) {
		if c.hasPatch {
			files[c.path] = commentable(c.patch)
		}
	}
	now := s.nowFunc()
	rv := &review{Review: Review{User: tok.Login, Bot: tok.Bot, State: state, Body: in.Body, CommitID: in.CommitID}, submitted: now}
	for _, c := range in.Comments {
		d, ok := files[c.Path]
		if !ok {
			unprocessable(w, "Unprocessable Entity", "Path could not be resolved")
			return
		}
		rc := &reviewComment{ReviewComment: ReviewComment{Path: c.Path, Body: c.Body, Side: c.Side}, commitID: in.CommitID, created: now}
		if c.Position != nil { // the legacy form: a line of the diff, counted from its first hunk header
			if *c.Position < 1 || *c.Position >= len(strings.Split(rp.patchOf(p, c.Path), "\n")) || c.Line != nil {
				unprocessable(w, "Unprocessable Entity", "Position could not be resolved")
				return
			}
			rv.comments = append(rv.comments, rc)
			continue
		}
		if c.Line == nil {
			unprocessable(w, "Unprocessable Entity", "Line could not be resolved")
			return
		}
		if rc.Side == "" {
			rc.Side = "RIGHT"
		}
		lines := d.right
		if rc.Side == "LEFT" {
			lines = d.left
		} else if rc.Side != "RIGHT" {
			unprocessable(w, "Unprocessable Entity", "Side is invalid")
			return
		}
		hunk, ok := lines[*c.Line]
		if !ok {
			unprocessable(w, "Unprocessable Entity", "Line could not be resolved")
			return
		}
		rc.Line = *c.Line
		if c.StartLine != nil {
			rc.StartLine, rc.StartSide = *c.StartLine, c.StartSide
			if rc.StartSide == "" {
				rc.StartSide = rc.Side
			}
			startLines := d.right
			if rc.StartSide == "LEFT" {
				startLines = d.left
			}
			startHunk, ok := startLines[rc.StartLine]
			switch {
			case rc.StartSide == rc.Side && rc.StartLine >= rc.Line:
				unprocessable(w, "Unprocessable Entity", "pull_request_review_thread.start_line must precede the end line.")
				return
			case !ok:
				unprocessable(w, "Unprocessable Entity", "pull_request_review_thread.start_line could not be resolved")
				return
			case startHunk != hunk:
				unprocessable(w, "Unprocessable Entity", "pull_request_review_thread.start_line must be part of the same hunk as the line.")
				return
			}
		}
		rc.id = s.newID()
		rv.comments = append(rv.comments, rc)
	}
	rv.id = s.newID()
	rv.ID = rv.id
	p.reviews = append(p.reviews, rv)
	rp.modified = s.tick()
	writeJSON(w, http.StatusOK, s.reviewJSON(r, rp, p, rv))
}

func (rp *repo) patchOf(p *pull, path string) string {
	for _, c := range rp.changes(p) {
		if c.path == path {
			return c.patch
		}
	}
	return ""
}

func (s *Server) reviewJSON(r *http.Request, rp *repo, p *pull, rv *review) map[string]any {
	m := map[string]any{
		"id": rv.id, "node_id": fmt.Sprintf("PRR_%d", rv.id), "user": user{login: rv.User, bot: rv.Bot, id: rv.id}.json(r),
		"body": rv.Body, "state": rv.State, "commit_id": rv.CommitID, "author_association": cmp.Or(rv.Association, "CONTRIBUTOR"),
		"html_url":         rp.htmlURL(r, "pull/%d#pullrequestreview-%d", p.number, rv.id),
		"pull_request_url": rp.apiURL(r, "pulls/%d", p.number),
	}
	if rv.State != "PENDING" {
		m["submitted_at"] = timestamp(rv.submitted)
	}
	return m
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	var out []map[string]any
	for _, rv := range p.reviews {
		out = append(out, s.reviewJSON(r, rp, p, rv))
	}
	paginate(w, r, out)
}

func (s *Server) listReviewComments(w http.ResponseWriter, r *http.Request, rp *repo) {
	p := s.pathPull(w, r, rp)
	if p == nil {
		return
	}
	var out []map[string]any
	for _, rv := range p.reviews {
		for _, c := range rv.comments {
			m := map[string]any{
				"id": c.id, "pull_request_review_id": rv.id, "path": c.Path, "body": c.Body, "commit_id": c.commitID,
				"original_commit_id": c.commitID, "user": user{login: rv.User, bot: rv.Bot, id: rv.id}.json(r),
				"side": c.Side, "line": c.Line, "original_line": c.Line, "created_at": timestamp(c.created),
				"updated_at": timestamp(c.created), "html_url": rp.htmlURL(r, "pull/%d#discussion_r%d", p.number, c.id),
				"pull_request_url": rp.apiURL(r, "pulls/%d", p.number), "start_line": nil, "start_side": nil,
			}
			if c.StartLine != 0 {
				m["start_line"], m["original_start_line"], m["start_side"] = c.StartLine, c.StartLine, c.StartSide
			}
			out = append(out, m)
		}
	}
	paginate(w, r, out)
}
