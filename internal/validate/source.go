package validate

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"strings"
)

// checkSyntax parses every changed Go file.
func checkSyntax(ctx context.Context, c *candidate) (Status, string) {
	var problems []string
	files := c.changedGoFiles()
	for _, name := range files {
		src, err := os.ReadFile(c.abs(name))
		if err != nil {
			return Error, fmt.Sprintf("read %s: %v", name, err)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), name, src, parser.AllErrors|parser.SkipObjectResolution); err != nil {
			if list, ok := err.(scanner.ErrorList); ok && len(list) > 3 {
				err = fmt.Errorf("%v (and %d more)", list[:3], len(list)-3)
			}
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return Fail, strings.Join(problems, "; ")
	}
	return Pass, fmt.Sprintf("%d Go files parse", len(files))
}

// checkStyle requires gofmt-clean files. A file that was not gofmt-clean
// before the patch is not held against the patch.
func checkStyle(ctx context.Context, c *candidate) (Status, string) {
	var problems, notes []string
	for _, f := range c.files {
		if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") {
			continue
		}
		src, err := os.ReadFile(c.abs(f.NewPath))
		if err != nil {
			return Error, fmt.Sprintf("read %s: %v", f.NewPath, err)
		}
		if formatted(src) {
			continue
		}
		if f.OldPath != "" {
			if old, err := c.wt.Git(ctx, "show", c.wt.Commit+":"+f.OldPath); err == nil && !formatted([]byte(old)) {
				notes = append(notes, f.NewPath+" was not gofmt-clean before the patch")
				continue
			}
		}
		problems = append(problems, f.NewPath+" is not gofmt-clean (run gofmt -w on it)")
	}
	if len(problems) > 0 {
		return Fail, strings.Join(problems, "; ")
	}
	if len(notes) > 0 {
		return Pass, strings.Join(notes, "; ")
	}
	return Pass, "gofmt-clean"
}

func formatted(src []byte) bool {
	out, err := format.Source(src)
	return err == nil && bytes.Equal(out, src)
}
