package github

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/github/githubtest"
)

const (
	repoName  = "octo/app"
	writer    = "ghs_writer"   // an installation token that may write
	reader    = "ghs_reader"   // an installation token that may only read
	userRead  = "ghp_userread" // a person's token without write access
	testGap   = 2 * time.Millisecond
	testBound = 5 * time.Second
)

var testRepo = Repo{Owner: "octo", Name: "app"}

var baseFiles = map[string]string{
	"go.mod":        "module example.com/app\n\ngo 1.26\n",
	"main.go":       "package main\n\nfunc main() {\n\tprintln(sum(1, 2))\n}\n",
	"sum.go":        "package main\n\nfunc sum(a, b int) int {\n\tvar s int\n\ts = a + b\n\treturn s\n}\n",
	"old.go":        "package main\n\n// unused\n",
	"internal/x.go": "package internal\n",
}

// newServer is a fake GitHub with the test repository and three tokens.
func newServer(t *testing.T) (*githubtest.Server, string) {
	t.Helper()
	s := githubtest.New()
	t.Cleanup(s.Close)
	s.AddToken(writer, githubtest.Token{Login: "optimizer[bot]", Bot: true, Write: true})
	s.AddToken(reader, githubtest.Token{Login: "github-actions[bot]", Bot: true})
	s.AddToken(userRead, githubtest.Token{Login: "visitor"})
	base := s.AddRepo(repoName, "main", baseFiles)
	return s, base
}

// newClient is a client of s with the defaults, except short waits.
func newClient(t *testing.T, s *githubtest.Server, token string, edit ...func(*Options)) *Client {
	t.Helper()
	opts := DefaultOptions(token)
	opts.BaseURL = s.URL + "/"
	opts.Transport = s.Client().Transport
	opts.WriteGap = testGap
	opts.SecondaryWait = testBound
	for _, e := range edit {
		e(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// withFiles is base with files written and paths deleted.
func withFiles(base map[string]string, files map[string]string, deleted ...string) map[string]string {
	out := maps.Clone(base)
	maps.Copy(out, files)
	for _, p := range deleted {
		delete(out, p)
	}
	return out
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want one of kind %q", err, kind)
	}
}
