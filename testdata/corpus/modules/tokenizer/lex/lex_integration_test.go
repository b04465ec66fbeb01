//go:build integration

package lex

import (
	"os"
	"testing"
)

// TestTokenizeProgram tokenizes a whole program from testdata, with
// identifiers in several scripts.
func TestTokenizeProgram(t *testing.T) {
	src, err := os.ReadFile("testdata/program.txt")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := Tokenize(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 29 {
		t.Errorf("got %d tokens, want 29: %v", len(toks), toks)
	}
}
