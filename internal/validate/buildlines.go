package validate

import (
	"context"
	"fmt"
	"go/build/constraint"
	"go/version"
	"os"
	"slices"
	"strings"
)

// plusBuildBreaks lists the Go files the patch leaves whose build
// constraint a toolchain before go1.17 would read differently from the
// file's //go:build line, in a module whose go directive admits such a
// toolchain. Those toolchains read only "// +build" lines: a patch that
// drops them (as go fix's buildtag rewrite does) makes them build the file
// everywhere, where it may need API or platform it does not have. A file
// the base already had in that state is not held against the patch.
func (c *pass) plusBuildBreaks(ctx context.Context) []string {
	gv := c.mod.GoVersion
	if gv == "" || version.Compare("go"+gv, "go1.17") >= 0 {
		return nil
	}
	var out []string
	for _, f := range c.files {
		if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") {
			continue
		}
		src, err := os.ReadFile(c.abs(f.NewPath))
		if err != nil {
			continue
		}
		line, why := plusBuildMismatch(src)
		if why == "" {
			continue
		}
		if _, before := plusBuildMismatch(c.baseSource(ctx, f)); before != "" {
			continue // pre-existing
		}
		msg := fmt.Sprintf("%s:%d: %s; the module declares go %s, and toolchains before go1.17 read only // +build lines (keep them beside //go:build, as gofmt writes them)", f.NewPath, line, why, gv)
		out = append(out, msg)
		c.report(Finding{File: f.NewPath, Line: line, Message: msg})
	}
	return out
}

// plusBuildMismatch reads the build constraint lines of a Go file's header
// and says how its // +build lines fail to express its //go:build line
// ("" when they express it, or the file has no //go:build line), with the
// //go:build line's number.
func plusBuildMismatch(src []byte) (line int, why string) {
	var goBuild constraint.Expr
	var plus []constraint.Expr
	for i, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "package ") {
			break
		}
		switch {
		case constraint.IsGoBuild(l):
			x, err := constraint.Parse(l)
			if err != nil {
				return 0, "" // go vet reports a malformed line
			}
			goBuild, line = x, i+1
		case constraint.IsPlusBuild(l):
			x, err := constraint.Parse(l)
			if err != nil {
				return 0, ""
			}
			plus = append(plus, x)
		}
	}
	if goBuild == nil {
		return 0, ""
	}
	if len(plus) == 0 {
		return line, "the file's //go:build " + goBuild.String() + " has no // +build line"
	}
	var all constraint.Expr = plus[0]
	for _, x := range plus[1:] {
		all = &constraint.AndExpr{X: all, Y: x} // several plus-build lines are ANDed
	}
	if !equivalent(goBuild, all) {
		return line, "the file's // +build lines (" + all.String() + ") do not say what its //go:build line says (" + goBuild.String() + ")"
	}
	return 0, ""
}

// equivalent reports whether two constraints agree on every assignment
// of their tags (at most 2^16 of them; more tags are taken as different).
func equivalent(a, b constraint.Expr) bool {
	var tags []string
	collect := func(tag string) bool {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
		return false
	}
	a.Eval(collect)
	b.Eval(collect)
	if len(tags) > 16 {
		return false
	}
	for m := 0; m < 1<<len(tags); m++ {
		on := func(tag string) bool { return m&(1<<slices.Index(tags, tag)) != 0 }
		if a.Eval(on) != b.Eval(on) {
			return false
		}
	}
	return true
}
