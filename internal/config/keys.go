package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key describes one configuration key for --help and documentation.
type Key struct {
	Name    string // key in .github/optimizer.yml and in Flags, e.g. "max_agents"
	Env     string // environment variable, e.g. "OPTIMIZER_MAX_AGENTS"
	Input   string // action input, e.g. "max-agents" (read from INPUT_MAX-AGENTS or INPUT_MAX_AGENTS)
	Default string // the default as text; "" when there is none
	Help    string // one line
	// Unset says what leaving the key unset means: its default, or what
	// is used instead ("empty" when nothing is).
	Unset string
}

// Keys returns the known keys in a stable order, each with a one-line
// description: the built-in ones, then options.
func Keys(options ...Option) []Key {
	ks, err := keysWith(options)
	if err != nil {
		panic(err) // options are the program's own: a clash is a programming error that every test of the CLI meets
	}
	keys := make([]Key, len(ks))
	for i, k := range ks {
		keys[i] = Key{Name: k.name, Env: k.env(), Input: k.inputName(), Default: k.defaultText(), Help: k.helpText(keyName), Unset: k.defaultPhrase(keyName)}
	}
	return keys
}

// keyConfigFile names the file to read; it can be set everywhere but in the file.
const keyConfigFile = "config_file"

// keySpec is one key: its names, its default, how it is parsed and how a
// good value looks.
type keySpec struct {
	name    string // YAML key; the env variable is OPTIMIZER_ + upper case
	input   string // action input name when it is not the hyphenated name
	def     string // default, parsed like any other value
	help    string
	want    string // the accepted values, for errors: "1..64"
	example string // a good value as typed after --flag= or VAR=; lists comma-separated

	// defaultDoc says what happens when the key is unset, for the docs,
	// when def alone does not; it starts with def when def is not "".
	defaultDoc string
	// inputDefault is action.yml's default: for the input; only the token
	// has one (an input with a default hides every layer below it).
	inputDefault string

	notInFile bool // refused in .github/optimizer.yml

	set     func(c *Config, s string) error       // scalar keys
	setList func(c *Config, items []string) error // list keys
}

func (k *keySpec) env() string {
	return "OPTIMIZER_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(k.name))
}

func (k *keySpec) inputName() string {
	if k.input != "" {
		return k.input
	}
	return strings.NewReplacer("_", "-", ".", "-").Replace(k.name)
}

func (k *keySpec) defaultText() string {
	if k.name == "worktree_base" {
		return filepath.Join(os.TempDir(), "optimizer-worktrees")
	}
	return k.def
}

// keyTable is every key, in the order Keys reports them. It is never modified.
var keyTable = [...]keySpec{
	{
		name: "methods", input: "method", def: "modernize", // input and flag are singular, as in "method: modernize"
		help: "optimization methods to run, comma-separated (a list in the file), each by name as docs/methods.md and optimizer run --help list them; the ones that ask a model need one (see {llm_provider})",
		want: "lower-case method names such as modernize or test-driven", example: "modernize,test-driven",
		setList: setMethods,
	},
	{
		name:       "paths",
		help:       "target packages or files, relative to the module's directory (--repo; the action's working-directory), comma-separated (a list in the file), e.g. ./internal/...,cmd/tool/main.go; a file aims its package's tasks at the file's functions, and FILE.go:FUNC (F or T.M) at one function",
		defaultDoc: "empty, which means the packages holding files changed since {base} when it is set, else the whole module",
		want:       "package directories or files inside the repository, relative to it", example: "./internal/foo,cmd/bar/main.go",
		setList: setPaths,
	},
	{
		name:       "base",
		help:       "git ref or commit to compare with: only packages holding files changed since its merge base with HEAD are targets",
		defaultDoc: "empty, which means the whole module; in the action, unless {paths} is set, on pull_request the pull request's base commit and on push the commit before the push (check out with fetch-depth: 0 so that it is in the clone)",
		want:       "a git ref or commit", example: "origin/main",
		set: func(c *Config, s string) error { return setString(&c.Base, s, checkRef) },
	},
	{
		name: "objective", def: "quality",
		help: "what an accepted change must improve: speed (significantly faster benchmarks), allocs (fewer allocations) or quality (nothing worse)",
		want: "speed, allocs or quality", example: "speed",
		set: func(c *Config, s string) error { return setEnum(&c.Objective, s, "speed", "allocs", "quality") },
	},
	{
		name: "control", def: "auto",
		help: "how accepted changes are published: patch (patches in the output directory), github (also a draft pull request, review suggestions on the triggering pull request, issues with findings; the run fails when GitHub cannot be used) or auto (github when the token, repository and API allow it, else patch with the reason in the summary)",
		want: "auto, patch or github", example: "patch",
		set: func(c *Config, s string) error { return setEnum(&c.Control, s, "auto", "patch", "github") },
	},
	{
		name:       "out",
		help:       "output directory for report.json, patches and CAR files",
		defaultDoc: ".optimizer in the module's directory (--repo; the action's working-directory)",
		want:       "a directory", example: ".optimizer",
		set: func(c *Config, s string) error { return setString(&c.Out, s, nil) },
	},
	{
		name: "max_agents", def: "5",
		help: "how many agents validate candidates in parallel, each in its own git worktree, 1..64",
		want: "1..64", example: "4",
		set: func(c *Config, s string) error { return setInt(&c.MaxAgents, s, 1, 64) },
	},
	{
		name: "timeout", def: "30m",
		help: "time limit of the whole run, a Go duration such as 45m",
		want: "a duration > 0 such as 45m or 1h30m", example: "45m",
		set: func(c *Config, s string) error { return setTimeout(&c.Timeout, s) },
	},
	{
		name: "dry_run", def: "false",
		help: "when true, validate and report without writing patches or report.json",
		want: "true or false (or yes/no, 1/0)", example: "true",
		set: func(c *Config, s string) error { return setBool(&c.DryRun, s) },
	},
	{
		name: "isolation", def: "strict",
		help: "how much of the sandbox a run requires: strict refuses to run the code under test when the platform lacks a sandbox mechanism it should have: Landlock, and as root a uid of the run's own for the code under test; best-effort runs with what there is, and the summary says what is missing",
		want: "strict or best-effort", example: "best-effort",
		set: func(c *Config, s string) error { return setEnum(&c.Isolation, s, "strict", "best-effort") },
	},
	{
		name:       "worktree_base",
		help:       "directory under which the agents' git worktrees are created (in the action, inside the container)",
		defaultDoc: "$TMPDIR/optimizer-worktrees",
		want:       "a directory", example: "/tmp/optimizer-worktrees",
		set: func(c *Config, s string) error { return setString(&c.WorktreeBase, s, nil) },
	},
	{
		name: "github_token", input: "token", notInFile: true,
		help:         "GitHub token for draft pull requests, review suggestions and issues, from a secret, never in the file (the job needs contents: write and pull-requests: write for a draft pull request, pull-requests: write for suggestions, issues: write for issues). Pull requests opened with the default GITHUB_TOKEN do not trigger your other workflows: pass a GitHub App token (actions/create-github-app-token) or a fine-grained PAT to have CI run on them",
		defaultDoc:   "empty; in the action, the workflow's GITHUB_TOKEN (github.token)",
		inputDefault: "${{ github.token }}",
		want:         "a GitHub token", example: "${{ secrets.GITHUB_TOKEN }}",
		set: setToken,
	},
	{
		name:       "github_repo",
		help:       "repository as owner/name",
		defaultDoc: "in GitHub Actions, the repository running the workflow (GITHUB_REPOSITORY); else empty",
		want:       "owner/name", example: "octo-org/octo-repo",
		set: func(c *Config, s string) error { return setString(&c.GitHubRepo, s, checkRepo) },
	},
	{
		name: "github_cache_ttl", def: "300",
		help: "how long GitHub API answers are cached: seconds, or a Go duration",
		want: "seconds or a duration >= 0", example: "300",
		set: func(c *Config, s string) error { return setSeconds(&c.GitHubCacheTTL, s) },
	},
	{
		name: "github_rate_limit_threshold", def: "100",
		help: "remaining GitHub API requests below which publishing falls back to patches",
		want: "an integer >= 0", example: "100",
		set: func(c *Config, s string) error { return setInt(&c.RateLimitThreshold, s, 0, 1<<31-1) },
	},
	{
		name: "allow_pull_request_target", def: "false", notInFile: true,
		help:       "when true, run on pull_request_target although the pull request's code is checked out: its tests then run beside the workflow's write token and secrets, so only if you trust every pull request's author; never in the file",
		defaultDoc: "false (such a run is refused)",
		want:       "true or false (or yes/no, 1/0)", example: "true",
		set: func(c *Config, s string) error { return setBool(&c.AllowPullRequestTarget, s) },
	},
	{
		name:       "ipfs_api",
		help:       "kubo RPC API to pin patches to: a multiaddr (/dns/ipfs/tcp/5001) or an http(s) URL",
		defaultDoc: "empty (CIDs are computed locally and CAR files written; nothing is pinned)",
		want:       "a multiaddr such as /ip4/127.0.0.1/tcp/5001 or /dns/ipfs/tcp/5001, or an http(s) URL", example: "/ip4/127.0.0.1/tcp/5001",
		set: func(c *Config, s string) error { return setString(&c.IPFSAPI, s, checkIPFSAPI) },
	},
	{
		name:       "ipfs_gateway",
		help:       "IPFS HTTP gateway used in links to stored patches",
		defaultDoc: "empty (no links)",
		want:       "an http(s) URL", example: "http://localhost:8080",
		set: func(c *Config, s string) error { return setString(&c.IPFSGateway, s, checkHTTPURL) },
	},
	{
		name:       "llm_provider",
		help:       "model for the model methods: provider:model (openai, anthropic, github, ollama), or a bare gpt-*/claude-* name",
		defaultDoc: "empty, which means openai:gpt-4.1 when OPENAI_API_KEY is set, else anthropic:claude-sonnet-4-5 when ANTHROPIC_API_KEY is set, else GitHub Models (github:openai/gpt-4.1) in GitHub Actions with a GitHub token, else no model",
		want:       "provider:model or a model name", example: "openai:gpt-4.1",
		set: func(c *Config, s string) error { return setString(&c.LLMProvider, s, checkModel) },
	},
	{
		name:       "llm_fallback",
		help:       "model used when the primary one fails, in the same form as {llm_provider}",
		defaultDoc: "empty (none)",
		want:       "provider:model or a model name", example: "anthropic:claude-sonnet-4-5",
		set: func(c *Config, s string) error { return setString(&c.LLMFallback, s, checkModel) },
	},
	{
		name:       "llm_base_url",
		help:       "endpoint of an OpenAI-compatible or Anthropic API, e.g. https://models.github.ai/inference",
		defaultDoc: "empty, which means OPENAI_BASE_URL or ANTHROPIC_BASE_URL when set, else the provider's own",
		want:       "an http(s) URL", example: "https://models.github.ai/inference",
		set: func(c *Config, s string) error { return setString(&c.LLMBaseURL, s, checkHTTPURL) },
	},
	{
		name: "llm_budget_tokens", def: "500000",
		help: "most prompt and completion tokens the run may spend on models; 0 for no limit",
		want: "an integer 0..1000000000", example: "200000",
		set: func(c *Config, s string) error { return setInt(&c.LLMBudgetTokens, s, 0, 1_000_000_000) },
	},
	{
		name: "llm_budget_usd", def: "0",
		help: "most dollars the run may spend on models (needs {llm_prices}); 0 for no limit",
		want: "an amount of dollars >= 0", example: "2.50",
		set: func(c *Config, s string) error { return setDollars(&c.LLMBudgetUSD, s) },
	},
	{
		name:       "llm_prices",
		help:       "model prices in dollars per million prompt/completion tokens, comma-separated model=prompt/completion, e.g. gpt-4.1=2/8",
		defaultDoc: "empty (no prices)",
		want:       "model=prompt/completion items such as gpt-4.1=2/8", example: "gpt-4.1=2/8,anthropic:claude-sonnet-4-5=3/15",
		setList: setPrices,
	},
	{
		name: "llm_timeout", def: "3m",
		help: "timeout of one model request, a Go duration",
		want: "a duration > 0 such as 90s or 5m", example: "90s",
		set: func(c *Config, s string) error { return setTimeout(&c.LLMTimeout, s) },
	},
	{
		name: "llm_max_requests", def: "0",
		help: "most requests the run may send to each model, retries included; a model past it is not asked again and {llm_fallback} answers. 0 for no limit",
		want: "an integer 0..100000", example: "40",
		set: func(c *Config, s string) error { return setInt(&c.LLMMaxRequests, s, 0, 100_000) },
	},
	{
		name: "llm_max_concurrent", def: "0",
		help: "most requests in flight to each model; 0 for the provider's own limit (GitHub Models: 2; none for others)",
		want: "an integer 0..64", example: "4",
		set: func(c *Config, s string) error { return setInt(&c.LLMMaxConcurrent, s, 0, 64) },
	},
	{
		name: "llm_requests_per_minute", def: "0",
		help: "most requests a minute to each model, paced evenly; 0 for the provider's own limit (GitHub Models: 10; none for others)",
		want: "an integer 0..100000", example: "15",
		set: func(c *Config, s string) error { return setInt(&c.LLMRequestsPerMinute, s, 0, 100_000) },
	},
	{
		name: "min_test_coverage", def: "80",
		help: "percent of the statements of the functions a patch changes that the tests (the patch's own included) must cover, or the patch is rejected; 0 accepts untested changes, marked UNTESTED in the report",
		want: "a percentage 0..100", example: "75%",
		set: func(c *Config, s string) error { return setPercent(&c.MinTestCoverage, s, 100) },
	},
	{
		name: "min_performance_improvement", def: "10",
		help: "minimum significant speed-up for the speed objective, percent",
		want: "a percentage 0..1000", example: "5%",
		set: func(c *Config, s string) error { return setPercent(&c.MinPerformanceImprovement, s, 1000) },
	},
	{
		name: "max_regression", def: "5",
		help: "largest significant slow-down tolerated in other benchmarks, percent",
		want: "a percentage 0..1000", example: "2%",
		set: func(c *Config, s string) error { return setPercent(&c.MaxRegression, s, 1000) },
	},
	{
		name: "min_coverage_gain", def: "0.1",
		help: "percentage points of statement coverage that a patch adding only tests must add",
		want: "a percentage 0..100", example: "1",
		set: func(c *Config, s string) error { return setPercent(&c.MinCoverageGain, s, 100) },
	},
	{
		name:       "integration_tags",
		help:       "build tags under which the integration level runs the affected tests again, comma-separated",
		defaultDoc: "empty (no tagged run)",
		want:       "build tags of letters, digits, underscores and dots", example: "integration,e2e",
		setList: setTags,
	},
	{
		name:       "integration_command",
		help:       "command the integration level runs in the module directory, in the sandbox (sh -c)",
		defaultDoc: "empty (no command; with no {integration_tags} either, the level is skipped)",
		want:       "a shell command", example: "go test -tags=e2e ./e2e/...",
		set: func(c *Config, s string) error { return setString(&c.IntegrationCommand, s, nil) },
	},
	{
		name: "cid_version", def: "1",
		help: "CID version of stored patches, 0 or 1 (as ipfs add --cid-version)",
		want: "0 or 1", example: "1",
		set: func(c *Config, s string) error { return setInt(&c.CIDVersion, s, 0, 1) },
	},
	{
		name: keyConfigFile, def: ".github/optimizer.yml", notInFile: true,
		help:       "configuration file to read instead of .github/optimizer.yml, relative to the current directory (in the action, the workspace); never in the file",
		defaultDoc: ".github/optimizer.yml (or .yaml) in the module's directory, when it exists",
		want:       "a YAML file", example: ".github/optimizer.yml",
		// No parser: Load resolves this key before reading the file (see loadFile).
	},
}

// lookupKey returns the built-in key named name, or nil.
func lookupKey(name string) *keySpec {
	for i := range keyTable {
		if keyTable[i].name == name {
			return &keyTable[i]
		}
	}
	return nil
}

// keySet is the keys one Load knows: the table's and the options'.
type keySet []*keySpec

// keysWith returns the table's keys followed by options; an option whose
// name is not a method's name, a dot and a key name, or that names a key
// twice, is an error.
func keysWith(options []Option) (keySet, error) {
	ks := make(keySet, 0, len(keyTable)+len(options))
	for i := range keyTable {
		ks = append(ks, &keyTable[i])
	}
	for _, o := range options {
		method, name, ok := strings.Cut(o.Name, ".")
		if !ok || !isLowerName(method) || !isOptionName(name) || o.Parse == nil {
			return nil, fmt.Errorf("config: option %q: want a name such as adversarial.candidates and a Parse function", o.Name)
		}
		if ks.lookup(o.Name) != nil || ks.lookup(strings.ReplaceAll(o.Name, ".", "_")) != nil {
			return nil, fmt.Errorf("config: option %q is defined twice", o.Name)
		}
		ks = append(ks, o.spec())
	}
	return ks, nil
}

func (ks keySet) lookup(name string) *keySpec {
	for _, k := range ks {
		if k.name == name {
			return k
		}
	}
	return nil
}

// hasPrefix reports whether a key starts with prefix: "adversarial." when
// the file holds a mapping of the adversarial method's options.
func (ks keySet) hasPrefix(prefix string) bool {
	for _, k := range ks {
		if strings.HasPrefix(k.name, prefix) {
			return true
		}
	}
	return false
}

func (ks keySet) names() []string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.name
	}
	return names
}

func (ks keySet) fileNames() []string {
	var names []string
	for _, k := range ks {
		if !k.notInFile {
			names = append(names, k.name)
		}
	}
	return names
}

// unknownKeyMsg says that key is unknown and either names the close known key
// the user probably meant or lists the known ones.
func unknownKeyMsg(key string, known []string) string {
	// A method's option used without its method's name: rounds for actor-critic.rounds.
	for _, k := range known {
		if _, name, ok := strings.Cut(k, "."); ok && name == normalizeKey(key) {
			return fmt.Sprintf("unknown key %q (did you mean %q? a method's settings are named after it)", key, k)
		}
	}
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, s)
	}
	return fmt.Sprintf("unknown key %q (known keys: %s)", key, strings.Join(known, ", "))
}

// normalizeKey maps the spellings people carry over from the other layers
// (MAX-AGENTS, OPTIMIZER_MAX_AGENTS, INPUT_MAX-AGENTS) to the YAML form.
func normalizeKey(key string) string {
	k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "-", "_")
	k = strings.TrimPrefix(k, "optimizer_")
	return strings.TrimPrefix(k, "input_")
}

// suggest returns the known key closest to key when it is close enough to be
// a likely typo (see Suggest).
func suggest(key string, known []string) string { return Suggest(normalizeKey(key), known) }

// isOptionName reports whether s names an option within its method: lower-case
// words joined by _, as the built-in keys are.
func isOptionName(s string) bool {
	return s != "" && s[0] >= 'a' && s[0] <= 'z' && !strings.HasSuffix(s, "_") &&
		!strings.ContainsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') })
}
