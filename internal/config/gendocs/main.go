// Command gendocs writes the reference text kept in the configuration key
// table (internal/config/keys.go) and in the methods' options (methods/all):
// the inputs of action.yml, between its
// generated-inputs lines, and docs/configuration.md. It is run by go
// generate in internal/config.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/methods/all"
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
	actionPath := filepath.Join(root, "action.yml")
	cur, err := os.ReadFile(actionPath)
	if err != nil {
		return err
	}
	options := all.Options(all.Methods())
	action, err := config.ActionYAML(cur, options...)
	if err != nil {
		return err
	}
	doc, err := config.ConfigurationDoc(options...)
	if err != nil {
		return err
	}
	for path, b := range map[string][]byte{
		actionPath: action,
		filepath.Join(root, "docs", "configuration.md"): doc,
	} {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
