package main

import (
	"os"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
)

// TestREADMEListsEveryKeyAndCommand keeps the README true to the code.
func TestREADMEListsEveryKeyAndCommand(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, k := range config.Keys() {
		if !strings.Contains(readme, "| `"+k.Name+"` | `"+k.Env+"` |") {
			t.Errorf("README's configuration table lacks %s (%s)", k.Name, k.Env)
		}
	}
	for _, c := range commands() {
		if !strings.Contains(readme, "optimizer "+c.name) {
			t.Errorf("README does not show the %s command", c.name)
		}
	}
	for _, m := range pipeline.Methods() {
		if !strings.Contains(readme, "`"+m.Name()+"`") {
			t.Errorf("README does not describe the %s method", m.Name())
		}
	}
}
