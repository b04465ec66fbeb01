package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileErrors(t *testing.T) {
	knownFileKeys := "methods, paths, base, objective, control, out, max_agents, timeout, dry_run, isolation, worktree_base, " +
		"github_repo, github_cache_ttl, github_rate_limit_threshold, ipfs_api, ipfs_gateway, llm_provider, " +
		"llm_fallback, llm_base_url, llm_budget_tokens, llm_budget_usd, llm_prices, llm_timeout, llm_max_requests, llm_max_concurrent, llm_requests_per_minute, min_test_coverage, min_performance_improvement, max_regression, min_coverage_gain, integration_tags, integration_command, cid_version"
	tests := []struct {
		name, file, want string
	}{
		{
			name: "unknown key with suggestion",
			file: "# optimizer settings\n\nmethods:\n  - modernize\nobjective: speed\n\nmax_agent: 4\n",
			want: `config: .github/optimizer.yml:7: unknown key "max_agent" (did you mean "max_agents"?)`,
		},
		{
			name: "method is not methods",
			file: "method: modernize\n",
			want: `config: .github/optimizer.yml:1: unknown key "method" (did you mean "methods"?)`,
		},
		{
			name: "hyphenated input name",
			file: "max-agents: 4\n",
			want: `config: .github/optimizer.yml:1: unknown key "max-agents" (did you mean "max_agents"?)`,
		},
		{
			name: "env variable name",
			file: "OPTIMIZER_MIN_TEST_COVERAGE: 70\n",
			want: `config: .github/optimizer.yml:1: unknown key "OPTIMIZER_MIN_TEST_COVERAGE" (did you mean "min_test_coverage"?)`,
		},
		{
			name: "unknown key without a close match",
			file: "colour: blue\n",
			want: `config: .github/optimizer.yml:1: unknown key "colour" (known keys: ` + knownFileKeys + `)`,
		},
		{
			name: "short key is not matched loosely",
			file: "bar: x\n", // two edits from "base" is too far for a four-letter key
			want: `config: .github/optimizer.yml:1: unknown key "bar" (known keys: ` + knownFileKeys + `)`,
		},
		{
			name: "duplicate key",
			file: "max_agents: 3\nobjective: speed\nmax_agents: 4\n",
			want: `config: .github/optimizer.yml:3: duplicate key "max_agents" (also on line 1; keep one)`,
		},
		{
			name: "token in the file",
			file: "objective: speed\ngithub_token: abc\n",
			want: `config: .github/optimizer.yml:2: "github_token": a token must not be in a committed file (remove it, revoke it if it was pushed, and pass it from a secret: action input token: ${{ secrets.GITHUB_TOKEN }}, or env OPTIMIZER_GITHUB_TOKEN)`,
		},
		{
			name: "token under its input name",
			file: "token: \"\"\n",
			want: `config: .github/optimizer.yml:1: "token": a token must not be in a committed file (remove it, revoke it if it was pushed, and pass it from a secret: action input token: ${{ secrets.GITHUB_TOKEN }}, or env OPTIMIZER_GITHUB_TOKEN)`,
		},
		{
			name: "config_file in the file",
			file: "config_file: other.yml\n",
			want: `config: .github/optimizer.yml:1: config_file cannot be set inside a config file (use --config, the action input config-file or OPTIMIZER_CONFIG_FILE)`,
		},
		{
			name: "allow_pull_request_target in the file",
			file: "allow_pull_request_target: true\n",
			want: `config: .github/optimizer.yml:1: allow_pull_request_target cannot be set inside a config file, which a pull request can change (use the action input allow-pull-request-target or OPTIMIZER_ALLOW_PULL_REQUEST_TARGET in the workflow)`,
		},
		{
			name: "config-file in the file",
			file: "config-file: other.yml\n",
			want: `config: .github/optimizer.yml:1: config-file cannot be set inside a config file (use --config, the action input config-file or OPTIMIZER_CONFIG_FILE)`,
		},
		{
			name: "wrong type",
			file: "objective: speed\nmax_agents: five\n",
			want: `config: .github/optimizer.yml:2: max_agents: "five" is not an integer (want 1..64, e.g. max_agents: 4)`,
		},
		{
			name: "value on its own line",
			file: "timeout:\n  30\n",
			want: `config: .github/optimizer.yml:2: timeout: "30" has no unit, add one (want a duration > 0 such as 45m or 1h30m, e.g. timeout: 45m)`,
		},
		{
			name: "list where one value belongs",
			file: "max_agents: [1, 2]\n",
			want: `config: .github/optimizer.yml:1: max_agents: a list was given where one value belongs (want 1..64, e.g. max_agents: 4)`,
		},
		{
			name: "mapping where a value belongs",
			file: "objective:\n  speed: true\n",
			want: `config: .github/optimizer.yml:2: objective: a mapping was given where a value belongs (want speed, allocs or quality, e.g. objective: speed)`,
		},
		{
			name: "nested list item",
			file: "paths:\n  - ./a\n  - [b, c]\n",
			want: `config: .github/optimizer.yml:3: paths: list items must be plain values (want package directories or files inside the repository, relative to it, e.g. paths: [./internal/foo, cmd/bar/main.go])`,
		},
		{
			name: "bad list item points at its line",
			file: "paths:\n  - ./a\n  - ../b\n",
			want: `config: .github/optimizer.yml:3: paths: path "../b" contains ".." (want package directories or files inside the repository, relative to it, e.g. paths: [./internal/foo, cmd/bar/main.go])`,
		},
		{
			name: "empty methods list",
			file: "methods: []\n",
			want: `config: .github/optimizer.yml:1: methods: no method is given (want lower-case method names such as modernize or test-driven, e.g. methods: [modernize, test-driven])`,
		},
		{
			name: "syntax error",
			file: "objective: speed\nmax_agents: 4\n  timeout: 5m\n",
			want: `config: .github/optimizer.yml:3: invalid YAML: mapping values are not allowed in this context (fix the syntax; keys look like max_agents: 4)`,
		},
		{
			name: "not a mapping",
			file: "- modernize\n",
			want: `config: .github/optimizer.yml:1: the file must be a mapping of keys to values (e.g. max_agents: 4)`,
		},
		{
			name: "non-scalar key",
			file: "? [a, b]\n: 1\n",
			want: `config: .github/optimizer.yml:1: keys must be plain names (e.g. max_agents: 4)`,
		},
		{
			name: "two documents",
			file: "max_agents: 4\n---\nmax_agents: 5\n",
			want: `config: .github/optimizer.yml:2: a second YAML document starts here (keep one document: remove the "---" and merge the keys)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(repoWithFile(t, tt.file), nil, envOf(nil), "")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.want)
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
		})
	}
}

func TestFileForms(t *testing.T) {
	tests := []struct {
		name, file string
		check      func(*Config) string // "" when right
	}{
		{"empty file", "\n", func(c *Config) string { return want(c.MaxAgents, 5) }},
		{"comments only", "# nothing yet\n", func(c *Config) string { return want(c.MaxAgents, 5) }},
		{"document markers", "---\nmax_agents: 3\n...\n", func(c *Config) string { return want(c.MaxAgents, 3) }},
		{"null leaves the default", "max_agents:\nobjective: ~\n", func(c *Config) string {
			return want(c.MaxAgents, 5) + want(c.Objective, "quality") + want(c.Sources["max_agents"], "default")
		}},
		{"flow list", "methods: [modernize, pgo]\n", func(c *Config) string { return want(fmt.Sprint(c.Methods), "[modernize pgo]") }},
		{"block list", "methods:\n  - modernize\n  - test-driven\n", func(c *Config) string {
			return want(fmt.Sprint(c.Methods), "[modernize test-driven]")
		}},
		{"comma string is a list", "methods: modernize, pgo\n", func(c *Config) string { return want(fmt.Sprint(c.Methods), "[modernize pgo]") }},
		{"list items are not split", "paths:\n  - ./a,b\n", func(c *Config) string { return want(fmt.Sprint(c.Paths), "[./a,b]") }},
		{"empty paths", "paths: []\n", func(c *Config) string {
			return want(len(c.Paths), 0) + want(c.Sources["paths"], ".github/optimizer.yml:1")
		}},
		{"typed scalars", "dry_run: yes\ntimeout: 1h\nmin_test_coverage: 75%\ncid_version: 0\n", func(c *Config) string {
			return want(c.DryRun, true) + want(c.Timeout.String(), "1h0m0s") + want(c.MinTestCoverage, 75.0) + want(c.CIDVersion, 0)
		}},
		{"alias", "x_anchor: &n 7\n", nil}, // unknown key: aliases are resolved, but keys are still checked
		{"alias value", "max_agents: &n 7\n", func(c *Config) string { return want(c.MaxAgents, 7) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(repoWithFile(t, tt.file), nil, envOf(nil), "")
			if tt.check == nil {
				if err == nil {
					t.Fatal("Load succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(c); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func want[T comparable](got, want T) string {
	if got != want {
		return fmt.Sprintf("got %v, want %v; ", got, want)
	}
	return ""
}

func TestConfigFileChoice(t *testing.T) {
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, ".github", "optimizer.yml"), "max_agents: 2\n")
	writeFile(t, filepath.Join(repo, "ci", "flag.yml"), "max_agents: 3\n")
	writeFile(t, filepath.Join(repo, "ci", "input.yml"), "max_agents: 4\n")
	writeFile(t, filepath.Join(repo, "ci", "env.yml"), "max_agents: 5\n")
	outside := filepath.Join(t.TempDir(), "shared.yml")
	writeFile(t, outside, "max_agents: 6\n")
	p := func(name string) string { return filepath.Join(repo, "ci", name) }

	tests := []struct {
		name       string
		configFile string
		flags      Flags
		env        map[string]string
		wantAgents int
		wantFile   string
		wantSource string
		wantLine   string // Sources["max_agents"]
	}{
		{"default file", "", nil, nil, 2, filepath.Join(repo, ".github", "optimizer.yml"), "default", ".github/optimizer.yml:1"},
		{"argument", p("flag.yml"), nil, map[string]string{"INPUT_CONFIG-FILE": p("input.yml")}, 3, p("flag.yml"), "flag", "ci/flag.yml:1"},
		{"flags key", "", Flags{"config_file": p("flag.yml")}, nil, 3, p("flag.yml"), "flag", "ci/flag.yml:1"},
		{"input beats env", "", nil, map[string]string{"INPUT_CONFIG-FILE": p("input.yml"), "OPTIMIZER_CONFIG_FILE": p("env.yml")}, 4, p("input.yml"), "input config-file", "ci/input.yml:1"},
		{"input underscore form", "", nil, map[string]string{"INPUT_CONFIG_FILE": p("input.yml")}, 4, p("input.yml"), "input config-file", "ci/input.yml:1"},
		{"env", "", nil, map[string]string{"OPTIMIZER_CONFIG_FILE": p("env.yml")}, 5, p("env.yml"), "env OPTIMIZER_CONFIG_FILE", "ci/env.yml:1"},
		{"outside the repository", outside, nil, nil, 6, outside, "flag", outside + ":1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(repo, tt.flags, envOf(tt.env), tt.configFile)
			if err != nil {
				t.Fatal(err)
			}
			if c.MaxAgents != tt.wantAgents || c.ConfigFile != tt.wantFile || c.Sources["config_file"] != tt.wantSource || c.Sources["max_agents"] != tt.wantLine {
				t.Errorf("got max_agents %d from %q, file %q from %q; want %d from %q, file %q from %q",
					c.MaxAgents, c.Sources["max_agents"], c.ConfigFile, c.Sources["config_file"],
					tt.wantAgents, tt.wantLine, tt.wantFile, tt.wantSource)
			}
		})
	}
}

func TestConfigFileMissingOrAmbiguous(t *testing.T) {
	t.Run("no file at all", func(t *testing.T) {
		c := mustLoad(t, t.TempDir(), nil, nil)
		if c.ConfigFile != "" || c.Sources["config_file"] != "default" {
			t.Errorf("ConfigFile = %q from %q, want none", c.ConfigFile, c.Sources["config_file"])
		}
	})
	t.Run(".yaml is read when .yml is absent", func(t *testing.T) {
		repo := t.TempDir()
		writeFile(t, filepath.Join(repo, ".github", "optimizer.yaml"), "max_agents: 9\n")
		c := mustLoad(t, repo, nil, nil)
		if c.MaxAgents != 9 || c.Sources["max_agents"] != ".github/optimizer.yaml:1" {
			t.Errorf("max_agents = %d from %q, want 9 from the .yaml file", c.MaxAgents, c.Sources["max_agents"])
		}
	})

	tests := []struct {
		name       string
		setup      func(repo string)
		configFile string
		env        map[string]string
		want       string
		prefix     bool
	}{
		{
			name:       "explicit file missing",
			configFile: "nope.yml",
			want:       `config: flag: config file "nope.yml" does not exist (fix the path, or unset it to read .github/optimizer.yml)`,
		},
		{
			name: "env file missing",
			env:  map[string]string{"OPTIMIZER_CONFIG_FILE": "ci/missing.yml"},
			want: `config: env OPTIMIZER_CONFIG_FILE: config file "ci/missing.yml" does not exist (fix the path, or unset it to read .github/optimizer.yml)`,
		},
		{
			name: "both .yml and .yaml",
			setup: func(repo string) {
				writeFile(t, filepath.Join(repo, ".github", "optimizer.yml"), "")
				writeFile(t, filepath.Join(repo, ".github", "optimizer.yaml"), "")
			},
			want: `config: .github/optimizer.yaml: both .github/optimizer.yml and .github/optimizer.yaml exist (merge them into .github/optimizer.yml and delete the other)`,
		},
		{
			name: "config file is a directory",
			setup: func(repo string) {
				if err := os.MkdirAll(filepath.Join(repo, ".github", "optimizer.yml"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want:   `config: .github/optimizer.yml: cannot read the config file: read `,
			prefix: true, // the rest is the operating system's message
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			if tt.setup != nil {
				tt.setup(repo)
			}
			_, err := Load(repo, nil, envOf(tt.env), tt.configFile)
			if err == nil || err.Error() != tt.want && !(tt.prefix && strings.HasPrefix(err.Error(), tt.want)) {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.want)
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ key, want string }{
		{"max_agent", "max_agents"},
		{"dryrun", "dry_run"},
		{"TIMEOUT", "timeout"},
		{"cid-version", "cid_version"},
		{"llm_providers", "llm_provider"},
		{"INPUT_MIN-TEST-COVERAGE", "min_test_coverage"},
		{"objectiv", "objective"},
		{"ou", "out"},
		{"bar", ""},
		{"model", ""},
		{"github", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.key, mustKeys(t).fileNames()); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func mustKeys(t *testing.T, options ...Option) keySet {
	ks, err := keysWith(options)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}
