package llmtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Exchange is one request and what the server answered, in the form kept
// in golden files: only the headers that matter, credentials replaced by
// "[key]", and bodies as JSON where they are JSON.
type Exchange struct {
	Request  HTTPMessage `json:"request"`
	Response HTTPMessage `json:"response"`

	req Request
}

// HTTPMessage is one side of an Exchange.
type HTTPMessage struct {
	Method string            `json:"method,omitempty"`
	Path   string            `json:"path,omitempty"`
	Status int               `json:"status,omitempty"` // 0: no answer was sent
	Header map[string]string `json:"header,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"` // the JSON body, or a JSON string holding a body that is not JSON
	Note   string            `json:"note,omitempty"` // why there was no answer
}

// Headers kept in exchanges; the SDKs' other headers name their version and
// the platform, and would make golden files change with them.
var (
	requestHeaders  = []string{"Anthropic-Version", "Authorization", "Content-Type", "X-Api-Key"}
	responseHeaders = []string{"Content-Type", "Retry-After", "Retry-After-Ms"}
)

func (s *Server) record(req Request, a answer, sent http.Header) {
	e := Exchange{
		Request: HTTPMessage{
			Method: req.Method,
			Path:   req.Path,
			Header: pick(req.Header, requestHeaders),
			Body:   jsonBody(req.Body),
		},
		Response: HTTPMessage{Status: a.status, Note: a.note},
		req:      req,
	}
	if a.status != 0 {
		e.Response.Header = pick(sent, responseHeaders)
		e.Response.Body = jsonBody(a.body)
	}
	if h := e.Request.Header; h != nil {
		if _, ok := h["Authorization"]; ok {
			h["Authorization"] = "Bearer [key]"
		}
		if _, ok := h["X-Api-Key"]; ok {
			h["X-Api-Key"] = "[key]"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges = append(s.exchanges, e)
}

func pick(h http.Header, names []string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		if v := h.Values(n); len(v) > 0 {
			m[n] = strings.Join(v, ", ")
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func jsonBody(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		var buf bytes.Buffer
		json.Compact(&buf, b)
		return buf.Bytes()
	}
	return mustJSON(string(b))
}

// Exchanges returns the exchanges so far, in the order the requests arrived,
// after waiting as Requests does.
func (s *Server) Exchanges() []Exchange {
	s.settle()
	s.mu.Lock()
	defer s.mu.Unlock()
	es := slices.Clone(s.exchanges)
	slices.SortFunc(es, func(a, b Exchange) int { return cmp.Compare(a.req.N, b.req.N) })
	return es
}

// CheckGolden compares the exchanges so far with the golden file, or
// rewrites the file when update is set (the test's -update flag).
func (s *Server) CheckGolden(t testing.TB, file string, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(s.Exchanges(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	Golden(t, file, append(b, '\n'), update)
}

// Golden compares got with the content of file, or writes got to file when
// update is set.
func Golden(t testing.TB, file string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run the test with -update to accept):\n%s", file, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows where want and got part ways, with a little context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	from := max(0, i-3)
	for _, l := range w[from:i] {
		b.WriteString("  " + l + "\n")
	}
	for _, l := range w[i:min(len(w), i+8)] {
		b.WriteString("- " + l + "\n")
	}
	for _, l := range g[i:min(len(g), i+8)] {
		b.WriteString("+ " + l + "\n")
	}
	return b.String()
}
