package validate

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// checkIntegration runs the tests that unit testing leaves out: the
// affected packages' tests again under the configured build tags, and the
// configured command in the module directory.
func checkIntegration(ctx context.Context, c *candidate) (Status, string) {
	tags, command := c.v.IntegrationTags, strings.TrimSpace(c.v.IntegrationCommand)
	if len(tags) == 0 && command == "" {
		return Skip, "not configured (set integration_tags or integration_command)"
	}
	var done []string
	if len(tags) > 0 {
		st, detail := c.taggedTests(ctx, tags)
		if st != Pass {
			return st, detail
		}
		done = append(done, detail)
	}
	if command != "" {
		st, detail := c.integrationCommand(ctx, command)
		if st != Pass {
			return st, detail
		}
		done = append(done, detail)
	}
	return Pass, strings.Join(done, "; ")
}

// taggedTests runs the affected packages' tests with the tags, judged as
// the unit level judges them: by the base's tests, with failures the base
// shares not blamed.
func (c *candidate) taggedTests(ctx context.Context, tags []string) (Status, string) {
	what := "go test -tags=" + strings.Join(tags, ",")
	pkgs, err := c.affected(ctx)
	if err != nil {
		return Fail, err.Error()
	}
	if len(pkgs) == 0 {
		return Pass, what + ": no Go package affected"
	}
	spec, err := c.testSpec(ctx, patternsOf(pkgs), tags)
	if err != nil {
		return Error, err.Error()
	}
	j := c.judgeRuns(ctx, pkgs, spec)
	if j.status == Pass {
		j.detail = fmt.Sprintf("%d tests passed in %d packages%s%s%s", j.judged.passed(), len(pkgs), j.ownPassed(), spec.withRace(), j.detail)
	}
	return j.status, what + ": " + j.detail + spec.raceNote()
}

// integrationCommand runs sh -c command in the module directory through
// the sandbox; a non-zero exit or a timeout fails.
func (c *candidate) integrationCommand(ctx context.Context, command string) (Status, string) {
	timeout := commandTimeout(c.v.Timeout)
	res, err := c.v.Runner.Run(ctx, c.modDir, timeout, "sh", "-c", command)
	if err != nil {
		return Error, err.Error()
	}
	switch {
	case res.TimedOut:
		return Fail, fmt.Sprintf("integration command %q did not finish within %v: %s", command, timeout, trimOutput(res.Stdout, res.Stderr))
	case res.ExitCode != 0:
		return Fail, fmt.Sprintf("integration command %q exited with status %d: %s", command, res.ExitCode, trimOutput(res.Stdout, res.Stderr))
	}
	return Pass, fmt.Sprintf("integration command %q passed in %v", command, res.Duration.Round(time.Millisecond))
}
