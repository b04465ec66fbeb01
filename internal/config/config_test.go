package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envOf returns a getenv that sees only m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// repoWithFile returns a repository directory whose .github/optimizer.yml
// holds content; with content "" there is no file.
func repoWithFile(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if content != "" {
		writeFile(t, filepath.Join(dir, ".github", "optimizer.yml"), content)
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t *testing.T, repo string, flags Flags, env map[string]string) *Config {
	t.Helper()
	c, err := Load(repo, flags, envOf(env), "")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir, and so the worktree default, follows it
	c := mustLoad(t, t.TempDir(), nil, nil)
	want := &Config{
		Methods:                   []string{"modernize"},
		Paths:                     []string{},
		Objective:                 "quality",
		Control:                   "auto",
		MaxAgents:                 5,
		Timeout:                   30 * time.Minute,
		Isolation:                 "strict",
		WorktreeBase:              filepath.Join(tmp, "optimizer-worktrees"),
		GitHubCacheTTL:            300 * time.Second,
		RateLimitThreshold:        100,
		MinTestCoverage:           80,
		MinPerformanceImprovement: 10,
		MaxRegression:             5,
		MinCoverageGain:           0.1,
		LLMBudgetTokens:           500000,
		LLMPrices:                 map[string]Price{},
		LLMTimeout:                3 * time.Minute,
		IntegrationTags:           []string{},
		CIDVersion:                1,
	}
	sources := c.Sources
	c.Sources = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	for _, k := range Keys() {
		if sources[k.Name] != "default" {
			t.Errorf("Sources[%q] = %q, want \"default\"", k.Name, sources[k.Name])
		}
	}
	if len(sources) != len(Keys()) {
		t.Errorf("Sources has %d entries, want one per key (%d): %v", len(sources), len(Keys()), sources)
	}
}

// TestSeedEnvironment loads the seed's documented environment.
func TestSeedEnvironment(t *testing.T) {
	env := map[string]string{
		"OPTIMIZER_GITHUB_TOKEN":                "ghp_xxx",
		"OPTIMIZER_GITHUB_REPO":                 "owner/repo",
		"OPTIMIZER_GITHUB_CACHE_TTL":            "300",
		"OPTIMIZER_GITHUB_RATE_LIMIT_THRESHOLD": "100",
		"OPTIMIZER_IPFS_API":                    "/ip4/127.0.0.1/tcp/5001",
		"OPTIMIZER_IPFS_GATEWAY":                "http://localhost:8080",
		"OPTIMIZER_LLM_PROVIDER":                "gpt-4",
		"OPTIMIZER_LLM_FALLBACK":                "claude-3-opus",
		"OPTIMIZER_MAX_AGENTS":                  "5",
		"OPTIMIZER_WORKTREE_BASE":               "/tmp/optimizer-worktrees",
		"OPTIMIZER_MIN_TEST_COVERAGE":           "80",
		"OPTIMIZER_MIN_PERFORMANCE_IMPROVEMENT": "10",
		"OPTIMIZER_LLM_BASE_URL":                "https://models.github.ai/inference",
		"OPTIMIZER_MAX_REGRESSION":              "5",
	}
	c := mustLoad(t, t.TempDir(), nil, env)
	got := []any{c.GitHubToken, c.GitHubRepo, c.GitHubCacheTTL, c.RateLimitThreshold, c.IPFSAPI, c.IPFSGateway,
		c.LLMProvider, c.LLMFallback, c.MaxAgents, c.WorktreeBase, c.MinTestCoverage, c.MinPerformanceImprovement,
		c.LLMBaseURL, c.MaxRegression}
	want := []any{"ghp_xxx", "owner/repo", 300 * time.Second, 100, "/ip4/127.0.0.1/tcp/5001", "http://localhost:8080",
		"gpt-4", "claude-3-opus", 5, "/tmp/optimizer-worktrees", 80.0, 10.0,
		"https://models.github.ai/inference", 5.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("seed environment:\n got %v\nwant %v", got, want)
	}
	for name := range env {
		key := strings.ToLower(strings.TrimPrefix(name, "OPTIMIZER_"))
		if c.Sources[key] != "env "+name {
			t.Errorf("Sources[%q] = %q, want %q", key, c.Sources[key], "env "+name)
		}
	}
}

// layerValues gives, for one key, a good value for each layer (file, env,
// input, flag) and how the resulting field prints.
type layerValues struct {
	key  string
	get  func(*Config) any
	raw  [4]string // file, env, input, flag
	want [4]string // fmt.Sprint of the field
}

var perKeyLayers = []layerValues{
	{"methods", func(c *Config) any { return c.Methods }, [4]string{"pgo", "chaos", "test-driven,pgo", "adversarial"}, [4]string{"[pgo]", "[chaos]", "[test-driven pgo]", "[adversarial]"}},
	{"paths", func(c *Config) any { return c.Paths }, [4]string{"./a", "b/...", "c,d", "./e/f.go"}, [4]string{"[./a]", "[b/...]", "[c d]", "[./e/f.go]"}},
	{"base", func(c *Config) any { return c.Base }, [4]string{"main", "origin/main", "v1.2.3", "HEAD~1"}, [4]string{"main", "origin/main", "v1.2.3", "HEAD~1"}},
	{"objective", func(c *Config) any { return c.Objective }, [4]string{"speed", "allocs", "quality", "SPEED"}, [4]string{"speed", "allocs", "quality", "speed"}},
	{"control", func(c *Config) any { return c.Control }, [4]string{"patch", "github", "auto", "patch"}, [4]string{"patch", "github", "auto", "patch"}},
	{"out", func(c *Config) any { return c.Out }, [4]string{"o1", "/o2", "o3", "o4"}, [4]string{"o1", "/o2", "o3", "o4"}},
	{"max_agents", func(c *Config) any { return c.MaxAgents }, [4]string{"1", "2", "3", "64"}, [4]string{"1", "2", "3", "64"}},
	{"isolation", func(c *Config) any { return c.Isolation }, [4]string{"strict", "best-effort", "STRICT", "best-effort"}, [4]string{"strict", "best-effort", "strict", "best-effort"}},
	{"timeout", func(c *Config) any { return c.Timeout }, [4]string{"1h", "90s", "1h30m", "2m"}, [4]string{"1h0m0s", "1m30s", "1h30m0s", "2m0s"}},
	{"dry_run", func(c *Config) any { return c.DryRun }, [4]string{"yes", "0", "TRUE", "no"}, [4]string{"true", "false", "true", "false"}},
	{"worktree_base", func(c *Config) any { return c.WorktreeBase }, [4]string{"/w1", "/w2", "/w3", "w4"}, [4]string{"/w1", "/w2", "/w3", "w4"}},
	{"github_token", func(c *Config) any { return c.GitHubToken }, [4]string{"", "t-env", "t-input", "t-flag"}, [4]string{"", "t-env", "t-input", "t-flag"}},
	{"github_repo", func(c *Config) any { return c.GitHubRepo }, [4]string{"a/b", "c/d.go", "e-f/g_h", "i/j"}, [4]string{"a/b", "c/d.go", "e-f/g_h", "i/j"}},
	{"github_cache_ttl", func(c *Config) any { return c.GitHubCacheTTL }, [4]string{"60", "5m", "0", "1h"}, [4]string{"1m0s", "5m0s", "0s", "1h0m0s"}},
	{"github_rate_limit_threshold", func(c *Config) any { return c.RateLimitThreshold }, [4]string{"0", "50", "500", "5000"}, [4]string{"0", "50", "500", "5000"}},
	{"allow_pull_request_target", func(c *Config) any { return c.AllowPullRequestTarget }, [4]string{"", "yes", "false", "true"}, [4]string{"", "true", "false", "true"}},
	{"ipfs_api", func(c *Config) any { return c.IPFSAPI }, [4]string{"/dns/ipfs/tcp/5001", "http://127.0.0.1:5001", "/ip6/::1/tcp/5001/http", "/unix/run/ipfs.sock"}, [4]string{"/dns/ipfs/tcp/5001", "http://127.0.0.1:5001", "/ip6/::1/tcp/5001/http", "/unix/run/ipfs.sock"}},
	{"ipfs_gateway", func(c *Config) any { return c.IPFSGateway }, [4]string{"http://localhost:8080", "https://ipfs.io", "https://dweb.link/", "http://gw:80"}, [4]string{"http://localhost:8080", "https://ipfs.io", "https://dweb.link/", "http://gw:80"}},
	{"llm_provider", func(c *Config) any { return c.LLMProvider }, [4]string{"gpt-4", "openai:gpt-4.1", "anthropic:claude-sonnet-4-5", "github:openai/gpt-4.1"}, [4]string{"gpt-4", "openai:gpt-4.1", "anthropic:claude-sonnet-4-5", "github:openai/gpt-4.1"}},
	{"llm_fallback", func(c *Config) any { return c.LLMFallback }, [4]string{"claude-3-opus", "ollama:llama3:8b", "openai:gpt-4o-mini", "gpt-4"}, [4]string{"claude-3-opus", "ollama:llama3:8b", "openai:gpt-4o-mini", "gpt-4"}},
	{"llm_base_url", func(c *Config) any { return c.LLMBaseURL }, [4]string{"http://localhost:11434/v1", "https://api.openai.com/v1", "https://models.github.ai/inference", "https://api.anthropic.com"}, [4]string{"http://localhost:11434/v1", "https://api.openai.com/v1", "https://models.github.ai/inference", "https://api.anthropic.com"}},
	{"llm_budget_tokens", func(c *Config) any { return c.LLMBudgetTokens }, [4]string{"0", "1000", "200000", "42"}, [4]string{"0", "1000", "200000", "42"}},
	{"llm_budget_usd", func(c *Config) any { return c.LLMBudgetUSD }, [4]string{"0", "$2.50", "10", "0.01"}, [4]string{"0", "2.5", "10", "0.01"}},
	{"llm_prices", func(c *Config) any { return c.LLMPrices }, [4]string{"[gpt-4.1=2/8]", "gpt-4o=$2.5/$10", "a=1/2,anthropic:b=3/15", "x=0/0"}, [4]string{"map[gpt-4.1:{2 8}]", "map[gpt-4o:{2.5 10}]", "map[a:{1 2} anthropic:b:{3 15}]", "map[x:{0 0}]"}},
	{"llm_timeout", func(c *Config) any { return c.LLMTimeout }, [4]string{"30s", "5m", "90s", "1h"}, [4]string{"30s", "5m0s", "1m30s", "1h0m0s"}},
	{"llm_max_requests", func(c *Config) any { return c.LLMMaxRequests }, [4]string{"0", "40", "100000", "1"}, [4]string{"0", "40", "100000", "1"}},
	{"llm_max_concurrent", func(c *Config) any { return c.LLMMaxConcurrent }, [4]string{"0", "1", "64", "5"}, [4]string{"0", "1", "64", "5"}},
	{"llm_requests_per_minute", func(c *Config) any { return c.LLMRequestsPerMinute }, [4]string{"0", "10", "15", "600"}, [4]string{"0", "10", "15", "600"}},
	{"min_test_coverage", func(c *Config) any { return c.MinTestCoverage }, [4]string{"70", "75%", "0", "100%"}, [4]string{"70", "75", "0", "100"}},
	{"min_performance_improvement", func(c *Config) any { return c.MinPerformanceImprovement }, [4]string{"5", "2.5%", "1000", "20%"}, [4]string{"5", "2.5", "1000", "20"}},
	{"max_regression", func(c *Config) any { return c.MaxRegression }, [4]string{"1", "0%", "7.5", "3%"}, [4]string{"1", "0", "7.5", "3"}},
	{"min_coverage_gain", func(c *Config) any { return c.MinCoverageGain }, [4]string{"1", "0.5%", "2", "0"}, [4]string{"1", "0.5", "2", "0"}},
	{"integration_tags", func(c *Config) any { return c.IntegrationTags }, [4]string{"[integration]", "e2e", "a,b", "slow"}, [4]string{"[integration]", "[e2e]", "[a b]", "[slow]"}},
	{"integration_command", func(c *Config) any { return c.IntegrationCommand }, [4]string{"make check", "./run.sh", "go test -tags=e2e ./...", "true"}, [4]string{"make check", "./run.sh", "go test -tags=e2e ./...", "true"}},
	{"cid_version", func(c *Config) any { return c.CIDVersion }, [4]string{"0", "1", "0", "1"}, [4]string{"0", "1", "0", "1"}},
}

// TestPrecedenceEveryKey sets each key in every layer and removes the layers
// from the top: flag beats input beats env beats file beats default.
func TestPrecedenceEveryKey(t *testing.T) {
	covered := map[string]bool{keyConfigFile: true}
	for _, tc := range perKeyLayers {
		covered[tc.key] = true
		k := lookupKey(tc.key)
		if k == nil {
			t.Fatalf("unknown key %q in test table", tc.key)
		}
		fileLine := ""
		if tc.raw[0] != "" {
			fileLine = "# comment\n" + tc.key + ": " + tc.raw[0] + "\n"
		}
		layers := []struct {
			name   string
			top    int // highest layer set: 0 file .. 3 flag, -1 none
			source string
		}{
			{"flag", 3, "flag"},
			{"input", 2, "input " + k.inputName()},
			{"env", 1, "env " + k.env()},
			{"file", 0, ".github/optimizer.yml:2"},
			{"default", -1, "default"},
		}
		for _, layer := range layers {
			if layer.top == 0 && fileLine == "" {
				continue // the token cannot be in the file
			}
			t.Run(tc.key+"/"+layer.name, func(t *testing.T) {
				repo := t.TempDir()
				env := map[string]string{}
				flags := Flags{}
				if layer.top >= 0 && fileLine != "" {
					writeFile(t, filepath.Join(repo, ".github", "optimizer.yml"), fileLine)
				}
				if layer.top >= 1 {
					env[k.env()] = tc.raw[1]
				}
				if layer.top >= 2 {
					env["INPUT_"+strings.ToUpper(k.inputName())] = tc.raw[2]
				}
				if layer.top >= 3 {
					flags[tc.key] = tc.raw[3]
				}
				c := mustLoad(t, repo, flags, env)
				want := ""
				if layer.top >= 0 {
					want = tc.want[layer.top]
				} else {
					def := mustLoad(t, t.TempDir(), nil, nil)
					want = fmt.Sprint(tc.get(def))
				}
				if got := fmt.Sprint(tc.get(c)); got != want {
					t.Errorf("%s = %s, want %s", tc.key, got, want)
				}
				if c.Sources[tc.key] != layer.source {
					t.Errorf("Sources[%q] = %q, want %q", tc.key, c.Sources[tc.key], layer.source)
				}
			})
		}
	}
	for _, k := range Keys() {
		if !covered[k.Name] {
			t.Errorf("key %q has no precedence case", k.Name)
		}
	}
}

func TestInputsAndEnvForms(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		file       string
		want       int
		wantSource string
	}{
		{"hyphen form", map[string]string{"INPUT_MAX-AGENTS": "7"}, "", 7, "input max-agents"},
		{"underscore form", map[string]string{"INPUT_MAX_AGENTS": "8"}, "", 8, "input max-agents"},
		{"hyphen form wins over underscore", map[string]string{"INPUT_MAX-AGENTS": "7", "INPUT_MAX_AGENTS": "8"}, "", 7, "input max-agents"},
		{"empty input is unset", map[string]string{"INPUT_MAX-AGENTS": "", "OPTIMIZER_MAX_AGENTS": "6"}, "", 6, "env OPTIMIZER_MAX_AGENTS"},
		{"blank input is unset", map[string]string{"INPUT_MAX-AGENTS": "  ", "INPUT_MAX_AGENTS": ""}, "max_agents: 3\n", 3, ".github/optimizer.yml:1"},
		{"empty env is unset", map[string]string{"OPTIMIZER_MAX_AGENTS": ""}, "max_agents: 3\n", 3, ".github/optimizer.yml:1"},
		{"value is trimmed", map[string]string{"OPTIMIZER_MAX_AGENTS": " 9\n"}, "", 9, "env OPTIMIZER_MAX_AGENTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, repoWithFile(t, tt.file), nil, tt.env)
			if c.MaxAgents != tt.want || c.Sources["max_agents"] != tt.wantSource {
				t.Errorf("max_agents = %d from %q, want %d from %q", c.MaxAgents, c.Sources["max_agents"], tt.want, tt.wantSource)
			}
		})
	}
}

func TestTokenInput(t *testing.T) {
	for _, name := range []string{"INPUT_TOKEN", "OPTIMIZER_GITHUB_TOKEN"} {
		c := mustLoad(t, t.TempDir(), nil, map[string]string{name: "tok"})
		if c.GitHubToken != "tok" {
			t.Errorf("%s: GitHubToken = %q, want %q", name, c.GitHubToken, "tok")
		}
	}
}

func TestGitHubRepositoryFallback(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		file       string
		want       string
		wantSource string
	}{
		{"actions default", map[string]string{"GITHUB_REPOSITORY": "octo/repo"}, "", "octo/repo", "env GITHUB_REPOSITORY"},
		{"file wins", map[string]string{"GITHUB_REPOSITORY": "octo/repo"}, "github_repo: other/repo\n", "other/repo", ".github/optimizer.yml:1"},
		{"env wins", map[string]string{"GITHUB_REPOSITORY": "octo/repo", "OPTIMIZER_GITHUB_REPO": "mine/repo"}, "", "mine/repo", "env OPTIMIZER_GITHUB_REPO"},
		{"unset", nil, "", "", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, repoWithFile(t, tt.file), nil, tt.env)
			if c.GitHubRepo != tt.want || c.Sources["github_repo"] != tt.wantSource {
				t.Errorf("github_repo = %q from %q, want %q from %q", c.GitHubRepo, c.Sources["github_repo"], tt.want, tt.wantSource)
			}
		})
	}
}

// TestErrorMessages pins the exact wording for each kind of source.
func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  string
	}{
		{
			name: "bad env value",
			env:  map[string]string{"OPTIMIZER_MAX_AGENTS": "five"},
			want: `config: env OPTIMIZER_MAX_AGENTS: "five" is not an integer (want 1..64, e.g. OPTIMIZER_MAX_AGENTS=4)`,
		},
		{
			name: "bad input value",
			env:  map[string]string{"INPUT_MAX-AGENTS": "65"},
			want: `config: input max-agents: 65 is out of range (want 1..64, e.g. max-agents: 4)`,
		},
		{
			name:  "bad flag value",
			flags: Flags{"max_agents": "five"},
			want:  `config: flag: max_agents: "five" is not an integer (want 1..64, e.g. 4)`,
		},
		{
			name: "bad file value",
			file: "objective: fast\n",
			want: `config: .github/optimizer.yml:1: objective: "fast" is not allowed (want speed, allocs or quality, e.g. objective: speed)`,
		},
		{
			name:  "unknown flag key",
			flags: Flags{"method": "modernize"},
			want:  `config: flag: unknown key "method" (did you mean "methods"?)`,
		},
		{
			name:  "unknown flag keys, sorted",
			flags: Flags{"method": "modernize", "dryrun": "true", "base": "main"},
			want: "config: flag: unknown key \"dryrun\" (did you mean \"dry_run\"?)\n" +
				`config: flag: unknown key "method" (did you mean "methods"?)`,
		},
		{
			name: "bad GITHUB_REPOSITORY",
			env:  map[string]string{"GITHUB_REPOSITORY": "nope"},
			want: `config: env GITHUB_REPOSITORY: "nope" is not a repository of the form owner/name (want owner/name, e.g. GITHUB_REPOSITORY=octo-org/octo-repo)`,
		},
		{
			name: "bare timeout",
			env:  map[string]string{"OPTIMIZER_TIMEOUT": "30"},
			want: `config: env OPTIMIZER_TIMEOUT: "30" has no unit, add one (want a duration > 0 such as 45m or 1h30m, e.g. OPTIMIZER_TIMEOUT=45m)`,
		},
		{
			name: "file list example",
			file: "methods: [modernize, modernize]\n",
			want: `config: .github/optimizer.yml:1: methods: method "modernize" is listed twice (want lower-case method names such as modernize or test-driven, e.g. methods: [modernize, test-driven])`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(repoWithFile(t, tt.file), tt.flags, envOf(tt.env), "")
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

// TestEveryLayerIsChecked: a bad file is an error even when a flag overrides
// the key, and all problems are reported at once.
func TestEveryLayerIsChecked(t *testing.T) {
	repo := repoWithFile(t, "max_agents: five\nobjective: fast\n")
	_, err := Load(repo, Flags{"max_agents": "4", "objective": "speed", "cid_version": "2"}, envOf(nil), "")
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	want := []string{
		`config: .github/optimizer.yml:1: max_agents: "five" is not an integer (want 1..64, e.g. max_agents: 4)`,
		`config: .github/optimizer.yml:2: objective: "fast" is not allowed (want speed, allocs or quality, e.g. objective: speed)`,
		`config: flag: cid_version: 2 is out of range (want 0 or 1, e.g. 1)`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Key != "max_agents" || cerr.Source != ".github/optimizer.yml:1" {
		t.Errorf("errors.As = %+v, want the first *Error (max_agents at line 1)", cerr)
	}
}

// TestTokenNeverLeaks checks errors, Sources and JSON for the token's text.
func TestTokenNeverLeaks(t *testing.T) {
	const secret = "ghp_S3cretS3cret"
	bad := secret + " x\n"
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
	}{
		{name: "env", env: map[string]string{"OPTIMIZER_GITHUB_TOKEN": bad}},
		{name: "input", env: map[string]string{"INPUT_TOKEN": bad}},
		{name: "flag", flags: Flags{"github_token": bad}},
		{name: "file", file: "github_token: " + secret + "\n"},
		{name: "file as token", file: "token: " + secret + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(repoWithFile(t, tt.file), tt.flags, envOf(tt.env), "")
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if strings.Contains(err.Error(), "S3cret") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}

	c := mustLoad(t, t.TempDir(), nil, map[string]string{"OPTIMIZER_GITHUB_TOKEN": secret})
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "S3cret") {
		t.Errorf("JSON leaks the token: %s", data)
	}
	if c.GitHubToken != secret {
		t.Errorf("GitHubToken = %q, want the secret", c.GitHubToken)
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.Name] {
			t.Errorf("key %q listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.Env != "OPTIMIZER_"+strings.ToUpper(k.Name) {
			t.Errorf("%s: Env = %q", k.Name, k.Env)
		}
		if k.Help == "" || strings.Contains(k.Help, "\n") {
			t.Errorf("%s: Help %q is not one line", k.Name, k.Help)
		}
	}
	wantInputs := map[string]string{"max_agents": "max-agents", "github_token": "token", "config_file": "config-file", "methods": "method"}
	for _, k := range keys {
		if in, ok := wantInputs[k.Name]; ok && k.Input != in {
			t.Errorf("%s: Input = %q, want %q", k.Name, k.Input, in)
		}
	}
	seedEnv := []string{"OPTIMIZER_GITHUB_TOKEN", "OPTIMIZER_GITHUB_REPO", "OPTIMIZER_GITHUB_CACHE_TTL",
		"OPTIMIZER_GITHUB_RATE_LIMIT_THRESHOLD", "OPTIMIZER_IPFS_API", "OPTIMIZER_IPFS_GATEWAY",
		"OPTIMIZER_LLM_PROVIDER", "OPTIMIZER_LLM_FALLBACK", "OPTIMIZER_MAX_AGENTS", "OPTIMIZER_WORKTREE_BASE",
		"OPTIMIZER_MIN_TEST_COVERAGE", "OPTIMIZER_MIN_PERFORMANCE_IMPROVEMENT",
		"OPTIMIZER_LLM_BASE_URL", "OPTIMIZER_MAX_REGRESSION"}
	for _, env := range seedEnv {
		if !seen[strings.ToLower(strings.TrimPrefix(env, "OPTIMIZER_"))] {
			t.Errorf("no key for %s", env)
		}
	}
	if keys[0].Name != "methods" || keys[0].Default != "modernize" {
		t.Errorf("first key = %+v, want methods with default modernize", keys[0])
	}
}
