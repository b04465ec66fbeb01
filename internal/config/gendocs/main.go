// Command gendocs writes the reference text that is generated, never kept
// by hand (see internal/refdocs): action.yml's inputs,
// docs/configuration.md, and the methods and levels tables of
// docs/methods.md and docs/validation.md. It is run by go generate in
// internal/config.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentic-optimizer/optimizer/internal/refdocs"
)

func main() {
	root := flag.String("root", ".", "the module's root directory")
	flag.Parse()
	if err := generate(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func generate(root string) error {
	files, err := refdocs.Files(root)
	if err != nil {
		return err
	}
	for rel, b := range files {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := writeFile(path, b); err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces path with b atomically: a temporary file beside it,
// renamed over it.
func writeFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
