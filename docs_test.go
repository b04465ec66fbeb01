package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/config"
)

// TestGeneratedDocsAreFresh regenerates, in memory, the files go generate
// writes from the configuration key table and compares them with the
// committed ones, as cmd/go's alldocs test does.
func TestGeneratedDocsAreFresh(t *testing.T) {
	cur, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	action, err := config.ActionYAML(cur)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{
		"action.yml":            action,
		"docs/configuration.md": config.ConfigurationDoc(),
	} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./...", path)
		}
	}
}
