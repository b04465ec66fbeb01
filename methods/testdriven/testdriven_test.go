package testdriven

import "testing"

func TestTestFile(t *testing.T) {
	for target, want := range map[string]string{
		"Top":           "pkg/top_optimizer_test.go",
		"ReadAll":       "pkg/read_all_optimizer_test.go",
		"Writer.Write":  "pkg/writer_write_optimizer_test.go",
		"parseHTTPLine": "pkg/parse_http_line_optimizer_test.go",
	} {
		s := &task{target: target, pkgRel: "pkg"}
		if got := s.testFile(); got != want {
			t.Errorf("testFile(%s) = %s, want %s", target, got, want)
		}
	}
}
