package github

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestUpsertIssue(t *testing.T) {
	s, _ := newServer(t)
	// Someone else's issues with the label: one without a marker, one
	// quoting another key's marker.
	s.AddIssue(repoName, "flaky test", "not ours", "optimizer")
	s.AddIssue(repoName, "quote", "see "+Marker("vet/./pkg/foo-old"), "optimizer")
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	req := IssueRequest{Repo: testRepo, Key: "vet/./pkg/foo", Title: "optimizer: 2 findings in ./pkg/foo",
		Body: "- finding one\n- finding two\n", Labels: []string{"optimizer", "performance"}}

	first, err := c.UpsertIssue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.Number == 0 || first.URL == "" {
		t.Errorf("first UpsertIssue = %+v, want a new issue", first)
	}
	// list issues, list labels, create "performance", create the issue,
	// list issues again.
	if first.Requests != 5 {
		t.Errorf("first UpsertIssue sent %d requests, want 5", first.Requests)
	}

	s.ResetRequests()
	again, err := c.UpsertIssue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Updated || again.Number != first.Number {
		t.Errorf("unchanged UpsertIssue = %+v, want #%d untouched", again, first.Number)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != 304 {
		t.Errorf("unchanged UpsertIssue sent %+v, want one list answered 304", reqs)
	}

	req.Title, req.Body = "optimizer: 3 findings in ./pkg/foo", "- one\n- two\n- three "+Marker("other")+"\n"
	third, err := c.UpsertIssue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.Created || !third.Updated || third.Number != first.Number {
		t.Errorf("changed UpsertIssue = %+v, want #%d updated", third, first.Number)
	}

	other, err := c.UpsertIssue(ctx, IssueRequest{Repo: testRepo, Key: "vet/./pkg/bar", Title: "bar", Body: "x", Labels: []string{"optimizer"}})
	if err != nil {
		t.Fatal(err)
	}
	if !other.Created || other.Number == first.Number {
		t.Errorf("another key's UpsertIssue = %+v, want a new issue", other)
	}

	issues := s.Issues(repoName)
	if len(issues) != 4 {
		t.Fatalf("%d issues, want 4: %+v", len(issues), issues)
	}
	ours := issues[first.Number-1]
	if ours.Title != req.Title || strings.Count(ours.Body, "<!-- optimizer:") != 1 || !strings.HasSuffix(ours.Body, Marker(req.Key)+"\n") {
		t.Errorf("issue = %+v, want the new title and exactly one marker, its own", ours)
	}
	if !slices.Equal(ours.Labels, []string{"optimizer", "performance"}) {
		t.Errorf("issue labels = %v", ours.Labels)
	}
	if labels := s.Labels(repoName); !slices.Equal(labels, []string{"optimizer", "performance"}) {
		t.Errorf("repository labels = %v, want each created once", labels)
	}
	if issues[0].Body != "not ours" || issues[0].Title != "flaky test" {
		t.Errorf("someone else's issue changed: %+v", issues[0])
	}
}

func TestUpsertIssueBadKey(t *testing.T) {
	s, _ := newServer(t)
	c := newClient(t, s, writer)
	for _, key := range []string{"", "a b", "x-->y", "<!--", strings.Repeat("k", 201)} {
		if _, err := c.UpsertIssue(ctxT(t), IssueRequest{Repo: testRepo, Key: key, Title: "t"}); !errors.Is(err, ErrRejected) {
			t.Errorf("key %q: error = %v, want ErrRejected", key, err)
		}
	}
}
