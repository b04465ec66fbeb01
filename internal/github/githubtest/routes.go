package githubtest

import (
	"context"
	"fmt"
	"net/http"
)

type tokenKey struct{}

func withToken(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

func tokenOf(r *http.Request) *Token { return r.Context().Value(tokenKey{}).(*Token) }

// routes registers the endpoints, with the paths of GitHub's REST reference.
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	repoRoutes := map[string]func(http.ResponseWriter, *http.Request, *repo){
		"GET /repos/{owner}/{repo}": s.getRepo,

		"POST /repos/{owner}/{repo}/git/blobs":                 s.createBlob,
		"GET /repos/{owner}/{repo}/git/blobs/{sha}":            s.getBlob,
		"POST /repos/{owner}/{repo}/git/trees":                 s.createTree,
		"GET /repos/{owner}/{repo}/git/trees/{sha}":            s.getTree,
		"POST /repos/{owner}/{repo}/git/commits":               s.createCommit,
		"GET /repos/{owner}/{repo}/git/commits/{sha}":          s.getCommit,
		"GET /repos/{owner}/{repo}/git/ref/{ref...}":           s.getRef,
		"GET /repos/{owner}/{repo}/git/matching-refs/{ref...}": s.matchingRefs,
		"POST /repos/{owner}/{repo}/git/refs":                  s.createRef,
		"PATCH /repos/{owner}/{repo}/git/refs/{ref...}":        s.updateRef,
		"DELETE /repos/{owner}/{repo}/git/refs/{ref...}":       s.deleteRef,

		"GET /repos/{owner}/{repo}/pulls":                     s.listPulls,
		"POST /repos/{owner}/{repo}/pulls":                    s.createPull,
		"GET /repos/{owner}/{repo}/pulls/{number}":            s.getPull,
		"PATCH /repos/{owner}/{repo}/pulls/{number}":          s.updatePull,
		"GET /repos/{owner}/{repo}/pulls/{number}/files":      s.listPullFiles,
		"GET /repos/{owner}/{repo}/pulls/{number}/reviews":    s.listReviews,
		"POST /repos/{owner}/{repo}/pulls/{number}/reviews":   s.createReview,
		"GET /repos/{owner}/{repo}/pulls/{number}/comments":   s.listReviewComments,
		"GET /repos/{owner}/{repo}/issues":                    s.listIssues,
		"POST /repos/{owner}/{repo}/issues":                   s.createIssue,
		"GET /repos/{owner}/{repo}/issues/{number}":           s.getIssue,
		"PATCH /repos/{owner}/{repo}/issues/{number}":         s.updateIssue,
		"GET /repos/{owner}/{repo}/issues/{number}/comments":  s.listIssueComments,
		"POST /repos/{owner}/{repo}/issues/{number}/comments": s.createIssueComment,
		"GET /repos/{owner}/{repo}/labels":                    s.listLabels,
		"POST /repos/{owner}/{repo}/labels":                   s.createLabel,
		"GET /repos/{owner}/{repo}/labels/{name}":             s.getLabel,
	}
	for pattern, h := range repoRoutes {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			rp := s.repos[repoKey(r.PathValue("owner"), r.PathValue("repo"))]
			if rp == nil {
				notFound(w)
				return
			}
			h(w, r, rp)
		})
	}
	s.mux.HandleFunc("GET /rate_limit", s.rateLimit)
	s.mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, userOf(tokenOf(r)).json(r))
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, rp *repo) {
	writeJSON(w, http.StatusOK, s.repoJSON(r, rp, tokenOf(r)))
}

// repoJSON is a repository; with a token it carries that token's
// permissions, as GET /repos/{owner}/{repo} does for a user's token.
func (s *Server) repoJSON(r *http.Request, rp *repo, tok *Token) map[string]any {
	m := map[string]any{
		"id": rp.id, "node_id": fmt.Sprintf("R_%d", rp.id), "name": rp.name, "full_name": rp.owner + "/" + rp.name,
		"owner": user{login: rp.owner, id: rp.id}.json(r), "private": false, "visibility": "public", "fork": false,
		"html_url": fmt.Sprintf("http://%s/%s/%s", r.Host, rp.owner, rp.name), "url": fmt.Sprintf("http://%s/repos/%s/%s", r.Host, rp.owner, rp.name),
		"default_branch": rp.defaultBranch, "archived": false, "disabled": false,
	}
	if tok != nil {
		m["permissions"] = map[string]bool{"admin": false, "maintain": false, "push": tok.Write, "triage": tok.Write, "pull": true}
	}
	return m
}

func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request) {
	tok := tokenOf(r)
	core := map[string]any{"limit": tok.Limit, "remaining": max(tok.Remaining, 0), "reset": tok.reset.Unix(), "used": tok.used, "resource": "core"}
	// GET /rate_limit does not count against the limit.
	tok.Remaining, tok.used = tok.Remaining+1, tok.used-1
	writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}
