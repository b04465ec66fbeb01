package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
)

// only judges c by one level alone: its admission, the patch applied, and
// its run, as Validate would, with no results of other levels.
func (c *candidate) only(ctx context.Context, l *level) (*outcome, error) {
	if l.admit != nil {
		out, err := c.runLevel(ctx, l, l.admit, nil)
		if err != nil || out != nil && out.status == Fail {
			return out, err
		}
	}
	if err := c.apply(ctx); err != nil {
		return nil, err
	}
	return c.runLevel(ctx, l, l.run, nil)
}

// TestLevelList checks the package's list: in an order its requirements
// permit, names unique, each level documented, and Levels naming them in
// that order.
func TestLevelList(t *testing.T) {
	if err := checkOrder(levels); err != nil {
		t.Fatal(err)
	}
	want := []string{"policy", "syntax", "style", "types", "unit", "integration", "performance", "coverage"}
	if got := Levels(); !slices.Equal(got, want) {
		t.Errorf("Levels() = %q, want %q", got, want)
	}
	for _, l := range levels {
		if l.doc == "" || l.run == nil {
			t.Errorf("level %q has no doc or no run function", l.name)
		}
	}
}

// TestCheckOrder refuses lists that cannot run as they stand, with an
// error naming the levels.
func TestCheckOrder(t *testing.T) {
	without := func(name string) []*level {
		return slices.DeleteFunc(slices.Clone(levels), func(l *level) bool { return l.name == name })
	}
	move := func(name string, to int) []*level {
		i := slices.IndexFunc(levels, func(l *level) bool { return l.name == name })
		list := slices.Delete(slices.Clone(levels), i, i+1)
		return slices.Insert(list, to, levels[i])
	}
	for _, tc := range []struct {
		name string
		list []*level
		want string // "" for a list that runs
	}{
		{"the package's list", levels, ""},
		{"independent levels swapped: performance before integration before unit", []*level{policyLevel, syntaxLevel, styleLevel, typesLevel, performanceLevel, integrationLevel, unitLevel, coverageLevel}, ""},
		{"syntax and style before policy", []*level{syntaxLevel, styleLevel, policyLevel, typesLevel, unitLevel, integrationLevel, performanceLevel, coverageLevel}, ""},
		{"coverage before unit", move("coverage", 4), `level "coverage" requires "unit", which comes after it`},
		{"unit first", move("unit", 0), `level "unit" requires "types", which comes after it`},
		{"style before syntax", move("style", 1), `level "style" requires "syntax", which comes after it`},
		{"types without policy", without("policy"), `level "types" requires "policy", which is not in the list`},
		{"a level twice", append(slices.Clone(levels), syntaxLevel), `level "syntax" is in the list twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOrder(tc.list)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkOrder = %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, ErrLevelOrder) || !strings.Contains(fmt.Sprint(err), tc.want)):
				t.Errorf("checkOrder = %v, want an ErrLevelOrder saying %q", err, tc.want)
			}
		})
	}
}

// TestValidateRefusesMisorderedLevels: Validate runs no level of a list
// whose requirements are out of order, and touches no worktree.
func TestValidateRefusesMisorderedLevels(t *testing.T) {
	v := &Validator{Objective: "quality", levels: []*level{policyLevel, syntaxLevel, unitLevel, typesLevel}}
	rep, err := v.Validate(context.Background(), &gitx.Worktree{Dir: t.TempDir()}, []byte("not even a patch"))
	if !errors.Is(err, ErrLevelOrder) || rep != nil {
		t.Fatalf("Validate = %v, %v; want no report and an ErrLevelOrder", rep, err)
	}
	if want := `level "unit" requires "types", which comes after it`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestOutcomeDetail renders the outcome's parts in the report's detail:
// summary, problems, notes.
func TestOutcomeDetail(t *testing.T) {
	for _, tc := range []struct {
		out  outcome
		want string
	}{
		{outcome{summary: "3 Go files parse"}, "3 Go files parse"},
		{outcome{problems: []string{"a.go is not gofmt-clean", "b.go is not gofmt-clean"}}, "a.go is not gofmt-clean; b.go is not gofmt-clean"},
		{outcome{summary: "2 tests passed in 1 packages", notes: []string{"1 tests fail on the base too", ""}}, "2 tests passed in 1 packages; 1 tests fail on the base too"},
		{outcome{summary: "coverage 75.0% → 75.0%", problems: []string{"lost"}, notes: []string{"n"}}, "coverage 75.0% → 75.0%; lost; n"},
		{outcome{}, ""},
	} {
		if got := tc.out.detail(); got != tc.want {
			t.Errorf("detail of %+v = %q, want %q", tc.out, got, tc.want)
		}
	}
}
