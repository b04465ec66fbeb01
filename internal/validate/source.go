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

// syntaxLevel parses the Go files the patch leaves.
var syntaxLevel = &level{
	name: "syntax",
	doc:  "every changed Go file parses",
	run:  checkSyntax,
}

// styleLevel requires gofmt-clean files; a file that does not parse is the
// syntax level's to report.
var styleLevel = &level{
	name:     "style",
	doc:      "every changed Go file is gofmt-clean, or was not before the patch either",
	requires: []*level{syntaxLevel},
	run:      checkStyle,
}

// checkSyntax parses every changed Go file.
func checkSyntax(ctx context.Context, c *pass) (*outcome, error) {
	var problems []string
	files := c.changedGoFiles()
	for _, name := range files {
		src, err := os.ReadFile(c.abs(name))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), name, src, parser.AllErrors|parser.SkipObjectResolution); err != nil {
			if list, ok := err.(scanner.ErrorList); ok && len(list) > 3 {
				err = fmt.Errorf("%v (and %d more)", list[:3], len(list)-3)
			}
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return failed(problems...), nil
	}
	return passed(fmt.Sprintf("%d Go files parse", len(files))), nil
}

// checkStyle requires gofmt-clean files. A file that was not gofmt-clean
// before the patch is not held against the patch.
func checkStyle(ctx context.Context, c *pass) (*outcome, error) {
	var problems, notes []string
	for _, f := range c.files {
		if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") {
			continue
		}
		src, err := os.ReadFile(c.abs(f.NewPath))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.NewPath, err)
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
		return failed(problems...), nil
	}
	if len(notes) > 0 {
		return passed("", notes...), nil
	}
	return passed("gofmt-clean"), nil
}

func formatted(src []byte) bool {
	out, err := format.Source(src)
	return err == nil && bytes.Equal(out, src)
}
