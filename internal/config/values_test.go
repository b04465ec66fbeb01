package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestGoodValues parses accepted spellings through a flag.
func TestGoodValues(t *testing.T) {
	tests := []struct {
		key, raw string
		get      func(*Config) any
		want     any
	}{
		{"methods", "modernize, test-driven ,pgo", func(c *Config) any { return fmt.Sprint(c.Methods) }, "[modernize test-driven pgo]"},
		{"methods", "actor-critic", func(c *Config) any { return fmt.Sprint(c.Methods) }, "[actor-critic]"},
		{"paths", "", func(c *Config) any { return fmt.Sprint(c.Paths) }, "[]"},
		{"paths", "./...,internal/x/y.go,a/./b,pkg/...", func(c *Config) any { return fmt.Sprint(c.Paths) }, "[./... internal/x/y.go a/./b pkg/...]"},
		{"base", "", func(c *Config) any { return c.Base }, ""},
		{"base", "refs/heads/main", func(c *Config) any { return c.Base }, "refs/heads/main"},
		{"objective", "Allocs", func(c *Config) any { return c.Objective }, "allocs"},
		{"control", "GitHub", func(c *Config) any { return c.Control }, "github"},
		{"out", "", func(c *Config) any { return c.Out }, ""},
		{"max_agents", "+7", func(c *Config) any { return c.MaxAgents }, 7},
		{"timeout", "1h2m3s", func(c *Config) any { return c.Timeout }, time.Hour + 2*time.Minute + 3*time.Second},
		{"timeout", "1.5h", func(c *Config) any { return c.Timeout }, 90 * time.Minute},
		{"dry_run", "Yes", func(c *Config) any { return c.DryRun }, true},
		{"dry_run", "1", func(c *Config) any { return c.DryRun }, true},
		{"dry_run", "FALSE", func(c *Config) any { return c.DryRun }, false},
		{"dry_run", "no", func(c *Config) any { return c.DryRun }, false},
		{"github_cache_ttl", "300", func(c *Config) any { return c.GitHubCacheTTL }, 300 * time.Second},
		{"github_cache_ttl", "5m", func(c *Config) any { return c.GitHubCacheTTL }, 5 * time.Minute},
		{"github_cache_ttl", "0", func(c *Config) any { return c.GitHubCacheTTL }, time.Duration(0)},
		{"github_repo", "Octo-Org/repo.name_1", func(c *Config) any { return c.GitHubRepo }, "Octo-Org/repo.name_1"},
		{"github_repo", "", func(c *Config) any { return c.GitHubRepo }, ""},
		{"github_rate_limit_threshold", "0", func(c *Config) any { return c.RateLimitThreshold }, 0},
		{"ipfs_api", "/ip4/127.0.0.1/tcp/5001", func(c *Config) any { return c.IPFSAPI }, "/ip4/127.0.0.1/tcp/5001"},
		{"ipfs_api", "/dns4/ipfs.example.com/tcp/443/https", func(c *Config) any { return c.IPFSAPI }, "/dns4/ipfs.example.com/tcp/443/https"},
		{"ipfs_api", "/dns6/node/tcp/5001/tls/http", func(c *Config) any { return c.IPFSAPI }, "/dns6/node/tcp/5001/tls/http"},
		{"ipfs_api", "https://user:pw@ipfs.example.com:5001", func(c *Config) any { return c.IPFSAPI }, "https://user:pw@ipfs.example.com:5001"},
		{"ipfs_api", "", func(c *Config) any { return c.IPFSAPI }, ""},
		{"llm_provider", "claude-sonnet-4-5", func(c *Config) any { return c.LLMProvider }, "claude-sonnet-4-5"},
		{"llm_provider", "github:openai/gpt-4.1", func(c *Config) any { return c.LLMProvider }, "github:openai/gpt-4.1"},
		{"min_test_coverage", "100", func(c *Config) any { return c.MinTestCoverage }, 100.0},
		{"min_test_coverage", "62.5 %", func(c *Config) any { return c.MinTestCoverage }, 62.5},
		{"min_performance_improvement", "0%", func(c *Config) any { return c.MinPerformanceImprovement }, 0.0},
		{"max_regression", "1000", func(c *Config) any { return c.MaxRegression }, 1000.0},
		{"cid_version", "0", func(c *Config) any { return c.CIDVersion }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.raw, func(t *testing.T) {
			c := mustLoad(t, t.TempDir(), Flags{tt.key: tt.raw}, nil)
			if got := tt.get(c); got != tt.want {
				t.Errorf("%s = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

// TestBadValues names every validation error; each comes through the env
// layer, so the message carries the variable and an example for it.
func TestBadValues(t *testing.T) {
	tests := []struct {
		key, raw, want string
	}{
		{"methods", ",", `entry 1 is empty (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"methods", "modernize,,pgo", `entry 2 is empty (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"methods", "Modernize", `method "Modernize" is not a lower-case name of letters, digits and hyphens (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"methods", "test_driven", `method "test_driven" is not a lower-case name of letters, digits and hyphens (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"methods", "a--b", `method "a--b" is not a lower-case name of letters, digits and hyphens (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"methods", "pgo,chaos,pgo", `method "pgo" is listed twice (want lower-case method names such as modernize or test-driven, e.g. OPTIMIZER_METHODS=modernize,test-driven)`},
		{"paths", "/etc", `path "/etc" is absolute (want package directories or files inside the repository, relative to it, e.g. OPTIMIZER_PATHS=./internal/foo,cmd/bar/main.go)`},
		{"paths", `C:\src`, `path "C:\\src" is absolute (want package directories or files inside the repository, relative to it, e.g. OPTIMIZER_PATHS=./internal/foo,cmd/bar/main.go)`},
		{"paths", "ok,../x", `path "../x" contains ".." (want package directories or files inside the repository, relative to it, e.g. OPTIMIZER_PATHS=./internal/foo,cmd/bar/main.go)`},
		{"paths", `a\..\..\b`, `path "a\\..\\..\\b" contains ".." (want package directories or files inside the repository, relative to it, e.g. OPTIMIZER_PATHS=./internal/foo,cmd/bar/main.go)`},
		{"paths", "a,", `entry 2 is empty (want package directories or files inside the repository, relative to it, e.g. OPTIMIZER_PATHS=./internal/foo,cmd/bar/main.go)`},
		{"base", "--output=x", `"--output=x" starts with "-" (want a git ref or commit, e.g. OPTIMIZER_BASE=origin/main)`},
		{"base", "main dev", `"main dev" contains whitespace (want a git ref or commit, e.g. OPTIMIZER_BASE=origin/main)`},
		{"objective", "fast", `"fast" is not allowed (want speed, allocs or quality, e.g. OPTIMIZER_OBJECTIVE=speed)`},
		{"control", "pr", `"pr" is not allowed (want auto, patch or github, e.g. OPTIMIZER_CONTROL=patch)`},
		{"max_agents", "five", `"five" is not an integer (want 1..64, e.g. OPTIMIZER_MAX_AGENTS=4)`},
		{"max_agents", "0", `0 is out of range (want 1..64, e.g. OPTIMIZER_MAX_AGENTS=4)`},
		{"max_agents", "2.5", `"2.5" is not an integer (want 1..64, e.g. OPTIMIZER_MAX_AGENTS=4)`},
		{"timeout", "30", `"30" has no unit, add one (want a duration > 0 such as 45m or 1h30m, e.g. OPTIMIZER_TIMEOUT=45m)`},
		{"timeout", "soon", `"soon" is not a duration (want a duration > 0 such as 45m or 1h30m, e.g. OPTIMIZER_TIMEOUT=45m)`},
		{"timeout", "-5m", `"-5m" is not positive (want a duration > 0 such as 45m or 1h30m, e.g. OPTIMIZER_TIMEOUT=45m)`},
		{"timeout", "0s", `"0s" is not positive (want a duration > 0 such as 45m or 1h30m, e.g. OPTIMIZER_TIMEOUT=45m)`},
		{"dry_run", "maybe", `"maybe" is not a boolean (want true or false (or yes/no, 1/0), e.g. OPTIMIZER_DRY_RUN=true)`},
		{"github_token", "a b", `the token contains whitespace or a control character (check the secret for a pasted line break or a second value)`},
		{"github_repo", "https://github.com/o/r", `"https://github.com/o/r" is not a repository of the form owner/name (want owner/name, e.g. OPTIMIZER_GITHUB_REPO=octo-org/octo-repo)`},
		{"github_repo", "-o/r", `"-o/r" is not a repository of the form owner/name (want owner/name, e.g. OPTIMIZER_GITHUB_REPO=octo-org/octo-repo)`},
		{"github_repo", "o/..", `"o/.." is not a repository of the form owner/name (want owner/name, e.g. OPTIMIZER_GITHUB_REPO=octo-org/octo-repo)`},
		{"github_cache_ttl", "-1", `"-1" is out of range (want seconds or a duration >= 0, e.g. OPTIMIZER_GITHUB_CACHE_TTL=300)`},
		{"github_cache_ttl", "-1m", `"-1m" is negative (want seconds or a duration >= 0, e.g. OPTIMIZER_GITHUB_CACHE_TTL=300)`},
		{"github_cache_ttl", "5 min", `"5 min" is neither a number of seconds nor a duration (want seconds or a duration >= 0, e.g. OPTIMIZER_GITHUB_CACHE_TTL=300)`},
		{"github_cache_ttl", "99999999999", `"99999999999" is out of range (want seconds or a duration >= 0, e.g. OPTIMIZER_GITHUB_CACHE_TTL=300)`},
		{"github_rate_limit_threshold", "-1", `-1 is out of range (want an integer >= 0, e.g. OPTIMIZER_GITHUB_RATE_LIMIT_THRESHOLD=100)`},
		{"ipfs_api", "localhost:5001", `"localhost:5001" is not an http(s) URL (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip4/127.0.0.1/tcp", `multiaddr "/ip4/127.0.0.1/tcp" needs a host and a tcp port (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip4/300.0.0.1/tcp/5001", `multiaddr "/ip4/300.0.0.1/tcp/5001" has an invalid IPv4 address (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip6/127.0.0.1/tcp/5001", `multiaddr "/ip6/127.0.0.1/tcp/5001" has an invalid IPv6 address (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/dns/bad_host/tcp/5001", `multiaddr "/dns/bad_host/tcp/5001" has an invalid host name (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip4/127.0.0.1/udp/5001", `multiaddr "/ip4/127.0.0.1/udp/5001" needs /tcp/PORT after the host (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip4/127.0.0.1/tcp/70000", `multiaddr "/ip4/127.0.0.1/tcp/70000" has an invalid port (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/ip4/127.0.0.1/tcp/5001/ws", `multiaddr "/ip4/127.0.0.1/tcp/5001/ws" has unsupported components after the port (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/quic/x/tcp/1", `multiaddr "/quic/x/tcp/1" starts with an unsupported protocol "quic" (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_api", "/unix/", `multiaddr "/unix/" has no socket path (want a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL, e.g. OPTIMIZER_IPFS_API=/ip4/127.0.0.1/tcp/5001)`},
		{"ipfs_gateway", "ftp://x", `"ftp://x" is not an http(s) URL (want an http(s) URL, e.g. OPTIMIZER_IPFS_GATEWAY=http://localhost:8080)`},
		{"llm_base_url", "https://user:hunter2@api.example.com/v1 x", `"https://user:xxxxx@api.example.com/v1 x" contains whitespace (want an http(s) URL, e.g. OPTIMIZER_LLM_BASE_URL=https://models.github.ai/inference)`},
		{"llm_base_url", "https://user:hunter2@/v1", `"https://user:xxxxx@/v1" is not an http(s) URL (want an http(s) URL, e.g. OPTIMIZER_LLM_BASE_URL=https://models.github.ai/inference)`},
		{"llm_base_url", "api.openai.com/v1", `"api.openai.com/v1" is not an http(s) URL (want an http(s) URL, e.g. OPTIMIZER_LLM_BASE_URL=https://models.github.ai/inference)`},
		{"llm_provider", "open ai:gpt", `"open ai:gpt" contains whitespace (want provider:model or a model name, e.g. OPTIMIZER_LLM_PROVIDER=openai:gpt-4.1)`},
		{"llm_provider", "OpenAI:gpt-4", `provider "OpenAI" in "OpenAI:gpt-4" is not a lower-case name (want provider:model or a model name, e.g. OPTIMIZER_LLM_PROVIDER=openai:gpt-4.1)`},
		{"llm_provider", "openai:", `"openai:" names no model after the colon (want provider:model or a model name, e.g. OPTIMIZER_LLM_PROVIDER=openai:gpt-4.1)`},
		{"llm_fallback", "https://api.openai.com/v1", `a URL is not a model name (put the endpoint in llm_base_url and the model here, e.g. openai:gpt-4.1)`},
		{"llm_budget_tokens", "-1", `-1 is out of range (want an integer 0..1000000000, e.g. OPTIMIZER_LLM_BUDGET_TOKENS=200000)`},
		{"llm_budget_usd", "-3", `"-3" is negative (want an amount of dollars >= 0, e.g. OPTIMIZER_LLM_BUDGET_USD=2.50)`},
		{"llm_budget_usd", "lots", `"lots" is not an amount of dollars (want an amount of dollars >= 0, e.g. OPTIMIZER_LLM_BUDGET_USD=2.50)`},
		{"llm_prices", "gpt-4.1", `"gpt-4.1" is not model=prompt/completion (want model=prompt/completion items such as gpt-4.1=2/8, e.g. OPTIMIZER_LLM_PRICES=gpt-4.1=2/8,anthropic:claude-sonnet-4-5=3/15)`},
		{"llm_prices", "gpt-4.1=2", `"gpt-4.1=2": the price must be two amounts >= 0 in dollars per million tokens, prompt/completion (want model=prompt/completion items such as gpt-4.1=2/8, e.g. OPTIMIZER_LLM_PRICES=gpt-4.1=2/8,anthropic:claude-sonnet-4-5=3/15)`},
		{"llm_prices", "a=1/2,a=3/4", `"a" is priced twice (want model=prompt/completion items such as gpt-4.1=2/8, e.g. OPTIMIZER_LLM_PRICES=gpt-4.1=2/8,anthropic:claude-sonnet-4-5=3/15)`},
		{"llm_timeout", "0s", `"0s" is not positive (want a duration > 0 such as 90s or 5m, e.g. OPTIMIZER_LLM_TIMEOUT=90s)`},
		{"min_test_coverage", "101", `"101" is out of range (want a percentage 0..100, e.g. OPTIMIZER_MIN_TEST_COVERAGE=75%)`},
		{"min_test_coverage", "-1%", `"-1%" is out of range (want a percentage 0..100, e.g. OPTIMIZER_MIN_TEST_COVERAGE=75%)`},
		{"min_test_coverage", "high", `"high" is not a number (want a percentage 0..100, e.g. OPTIMIZER_MIN_TEST_COVERAGE=75%)`},
		{"min_performance_improvement", "NaN", `"NaN" is not a number (want a percentage 0..1000, e.g. OPTIMIZER_MIN_PERFORMANCE_IMPROVEMENT=5%)`},
		{"min_performance_improvement", "1001%", `"1001%" is out of range (want a percentage 0..1000, e.g. OPTIMIZER_MIN_PERFORMANCE_IMPROVEMENT=5%)`},
		{"max_regression", "Inf", `"Inf" is not a number (want a percentage 0..1000, e.g. OPTIMIZER_MAX_REGRESSION=2%)`},
		{"cid_version", "2", `2 is out of range (want 0 or 1, e.g. OPTIMIZER_CID_VERSION=1)`},
		{"cid_version", "v1", `"v1" is not an integer (want 0 or 1, e.g. OPTIMIZER_CID_VERSION=1)`},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.raw, func(t *testing.T) {
			env := "OPTIMIZER_" + strings.ToUpper(tt.key)
			_, err := Load(t.TempDir(), nil, envOf(map[string]string{env: tt.raw}), "")
			want := "config: env " + env + ": " + tt.want
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n got %v\nwant %s", err, want)
			}
			if cerr, ok := err.(*Error); !ok || cerr.Key != tt.key || cerr.Source != "env "+env {
				t.Errorf("error = %#v, want Key %q and Source %q", err, tt.key, "env "+env)
			}
		})
	}
}

// TestEmptyFlagValues: a flag set to "" is set, unlike an empty env variable.
func TestEmptyFlagValues(t *testing.T) {
	tests := []struct {
		key  string
		want string // "" means accepted
	}{
		{"base", ""},
		{"paths", ""},
		{"out", ""},
		{"llm_provider", ""},
		{"methods", `config: flag: methods: no method is given (want lower-case method names such as modernize or test-driven, e.g. modernize,test-driven)`},
		{"max_agents", `config: flag: max_agents: "" is not an integer (want 1..64, e.g. 4)`},
		{"dry_run", `config: flag: dry_run: "" is not a boolean (want true or false (or yes/no, 1/0), e.g. true)`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			env := map[string]string{"OPTIMIZER_" + strings.ToUpper(tt.key): "x"}
			if tt.key == "methods" || tt.key == "max_agents" || tt.key == "dry_run" {
				env = nil
			}
			c, err := Load(t.TempDir(), Flags{tt.key: ""}, envOf(env), "")
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("error:\n got %v\nwant %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Sources[tt.key] != "flag" {
				t.Errorf("Sources[%q] = %q, want the empty flag to win", tt.key, c.Sources[tt.key])
			}
		})
	}
}
