package validate

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// integrationLevel runs the tests that unit testing leaves out. It runs
// the candidate's code, judged as the unit level judges it: it requires
// the types level as the unit level does.
var integrationLevel = &level{
	name:     "integration",
	doc:      "the affected packages' tests under the configured build tags, and the configured command, pass",
	requires: []*level{typesLevel},
	run:      checkIntegration,
}

// checkIntegration runs the tests that unit testing leaves out: the
// affected packages' tests again under the configured build tags, and the
// configured command in the module directory.
func checkIntegration(ctx context.Context, c *pass) (*outcome, error) {
	tags, command := c.v.IntegrationTags, strings.TrimSpace(c.v.IntegrationCommand)
	if len(tags) == 0 && command == "" {
		return skipped("not configured (set integration_tags or integration_command)"), nil
	}
	var done []string
	if len(tags) > 0 {
		out, err := c.taggedTests(ctx, tags)
		if err != nil || out.status != Pass {
			return out, err
		}
		done = append(done, out.detail())
	}
	if command != "" {
		out, err := c.integrationCommand(ctx, command)
		if err != nil || out.status != Pass {
			return out, err
		}
		done = append(done, out.detail())
	}
	return passed(strings.Join(done, "; ")), nil
}

// taggedTests runs the affected packages' tests with the tags, judged as
// the unit level judges them: by the base's tests, with failures the base
// shares not blamed.
func (c *pass) taggedTests(ctx context.Context, tags []string) (*outcome, error) {
	what := "go test -tags=" + strings.Join(tags, ",")
	pkgs, err := c.affected(ctx)
	if err != nil {
		return failed(err.Error()), nil
	}
	if len(pkgs) == 0 {
		return passed(what + ": no Go package affected"), nil
	}
	spec, err := c.testSpec(ctx, patternsOf(pkgs), tags)
	if err != nil {
		return nil, err
	}
	j, err := c.judgeRuns(ctx, pkgs, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ran := &outcome{status: j.status, problems: j.problems, notes: append(j.notes, spec.raceNote())}
	if j.status == Pass {
		ran.summary = fmt.Sprintf("%d tests passed in %d packages%s%s", j.judged.passed(), len(pkgs), j.ownPassed(), spec.withRace())
	}
	if j.status != Pass {
		return failed(what + ": " + ran.detail()), nil
	}
	return passed(what + ": " + ran.detail()), nil
}

// integrationCommand runs sh -c command in the module directory through
// the sandbox; a non-zero exit or a timeout fails.
func (c *candidate) integrationCommand(ctx context.Context, command string) (*outcome, error) {
	timeout := commandTimeout(c.v.Timeout)
	res, err := c.v.Runner.Run(ctx, c.modDir, timeout, "sh", "-c", command)
	if err != nil {
		return nil, fmt.Errorf("integration command %q: %w", command, err)
	}
	switch {
	case res.TimedOut:
		return failed(fmt.Sprintf("integration command %q did not finish within %v: %s", command, timeout, trimOutput(res.Stdout, res.Stderr))), nil
	case res.ExitCode != 0:
		return failed(fmt.Sprintf("integration command %q exited with status %d: %s", command, res.ExitCode, trimOutput(res.Stdout, res.Stderr))), nil
	}
	return passed(fmt.Sprintf("integration command %q passed in %v", command, res.Duration.Round(time.Millisecond))), nil
}
