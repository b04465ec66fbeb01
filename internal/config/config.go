// Package config builds the one Config a run uses from command-line flags,
// GitHub Action inputs (INPUT_*), OPTIMIZER_* environment variables, the
// repository's .github/optimizer.yml and built-in defaults, in that order of
// precedence. Unknown keys and bad values are errors that name the key, where
// it was set and how to fix it.
package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Config is everything a run needs to know before it starts. Sources records,
// for every key, where its value came from.
type Config struct {
	Methods                   []string         `json:"methods"`
	Paths                     []string         `json:"paths"` // relative to the repository directory; empty = the whole module
	Base                      string           `json:"base"`
	Objective                 string           `json:"objective"`
	Control                   string           `json:"control"`
	Out                       string           `json:"out"` // "" = <repo>/.optimizer, decided by the caller
	MaxAgents                 int              `json:"max_agents"`
	Isolation                 string           `json:"isolation"`
	Timeout                   time.Duration    `json:"timeout"`
	DryRun                    bool             `json:"dry_run"`
	WorktreeBase              string           `json:"worktree_base"`
	GitHubToken               string           `json:"-"` // never serialized, never in an error or in Sources
	GitHubRepo                string           `json:"github_repo"`
	GitHubCacheTTL            time.Duration    `json:"github_cache_ttl"`
	RateLimitThreshold        int              `json:"rate_limit_threshold"`
	AllowPullRequestTarget    bool             `json:"allow_pull_request_target"`
	IPFSAPI                   string           `json:"ipfs_api"`
	IPFSGateway               string           `json:"ipfs_gateway"`
	LLMProvider               string           `json:"llm_provider"`
	LLMFallback               string           `json:"llm_fallback"`
	LLMBaseURL                string           `json:"llm_base_url"`
	LLMBudgetTokens           int              `json:"llm_budget_tokens"`
	LLMBudgetUSD              float64          `json:"llm_budget_usd"`
	LLMPrices                 map[string]Price `json:"llm_prices,omitempty"` // by model name as written
	LLMTimeout                time.Duration    `json:"llm_timeout"`
	LLMMaxRequests            int              `json:"llm_max_requests"`            // per model; 0 = no limit
	LLMMaxConcurrent          int              `json:"llm_max_concurrent"`          // per model; 0 = the provider's own
	LLMRequestsPerMinute      int              `json:"llm_requests_per_minute"`     // per model; 0 = the provider's own
	MinTestCoverage           float64          `json:"min_test_coverage"`           // percent
	MinPerformanceImprovement float64          `json:"min_performance_improvement"` // percent
	MaxRegression             float64          `json:"max_regression"`              // percent
	MinCoverageGain           float64          `json:"min_coverage_gain"`           // percentage points
	IntegrationTags           []string         `json:"integration_tags"`
	IntegrationCommand        string           `json:"integration_command"`
	CIDVersion                int              `json:"cid_version"`
	// Options holds the methods' own settings by key ("adversarial.candidates"),
	// as text checked by the option's Parse; every option Load was given is here.
	Options    map[string]string `json:"options,omitempty"`
	ConfigFile string            `json:"config_file"` // the file that was read, "" if none
	Sources    map[string]string `json:"sources"`     // key -> "flag", "input max-agents", "env OPTIMIZER_X", ".github/optimizer.yml:7" or "default"
}

// Price is what a model costs, in dollars per million tokens.
type Price struct {
	Prompt     float64 `json:"prompt_per_mtok"`
	Completion float64 `json:"completion_per_mtok"`
}

// Flags holds the flags the user actually set on the command line: key = the
// key name as in the YAML file (see Keys), value = the raw text as typed; lists
// are comma-separated.
type Flags map[string]string

// Error is returned for every bad key or value; the CLI exits 2 on it.
// When Load finds several problems it returns them joined with errors.Join,
// so errors.As still finds an *Error.
type Error struct {
	Source string // where the value was set: "flag", "input max-agents", "env OPTIMIZER_MAX_AGENTS", ".github/optimizer.yml:7"
	Key    string // the key concerned, "" when the problem is not about one key
	Msg    string // what is wrong and how to fix it
}

func (e *Error) Error() string {
	if e.Source == "" {
		return "config: " + e.Msg
	}
	return "config: " + e.Source + ": " + e.Msg
}

// Load builds the Config for the repository directory repoDir. options are
// the keys that the methods of this build define for themselves (see Option):
// Load knows them in every layer as it knows the built-in ones.
//
// getenv is os.Getenv in production; it is injected so that tests need no
// process environment. configFile is the --config flag: when it is "", Load
// looks at flags["config_file"], the action input config-file and
// OPTIMIZER_CONFIG_FILE, and failing those reads repoDir/.github/optimizer.yml
// (or .yaml) if it exists. A relative explicit path is relative to the current
// directory; an explicit file that is missing is an error.
//
// Every layer is checked even where a higher one overrides it, so a broken
// file is reported whatever the flags say.
func Load(repoDir string, flags Flags, getenv func(string) string, configFile string, options ...Option) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	keys, err := keysWith(options)
	if err != nil {
		return nil, err
	}
	l := &loader{
		repoDir: repoDir,
		getenv:  getenv,
		keys:    keys,
		cfg:     &Config{Sources: make(map[string]string, len(keys))},
	}
	for _, k := range keys {
		if k.name != keyConfigFile {
			l.apply(k, setting{origin: fromDefault, source: "default", text: k.defaultText()})
		}
	}
	// In GitHub Actions the repository is known without being configured; any
	// explicit setting, even in the file, wins over it.
	if repo := strings.TrimSpace(getenv("GITHUB_REPOSITORY")); repo != "" {
		l.apply(keys.lookup("github_repo"), envSetting("GITHUB_REPOSITORY", repo))
	}
	l.loadFile(flags, configFile)
	for _, k := range keys {
		if k.name == keyConfigFile {
			continue // loadFile has handled it
		}
		if v := strings.TrimSpace(getenv(k.env())); v != "" {
			l.apply(k, envSetting(k.env(), v))
		}
		if v, ok := inputValue(getenv, k.inputName()); ok {
			l.apply(k, setting{origin: fromInput, source: "input " + k.inputName(), text: v})
		}
	}
	l.applyFlags(flags)

	switch len(l.errs) {
	case 0:
		return l.cfg, nil
	case 1:
		return nil, l.errs[0]
	default:
		return nil, errors.Join(l.errs...)
	}
}

// loader carries one Load call's state.
type loader struct {
	repoDir string
	getenv  func(string) string
	keys    keySet
	cfg     *Config
	errs    []error
}

func (l *loader) fail(source, key, msg string) {
	l.errs = append(l.errs, &Error{Source: source, Key: key, Msg: msg})
}

// apply parses one setting for key k into the Config and records its source.
func (l *loader) apply(k *keySpec, s setting) {
	var err error
	switch {
	case k.setList != nil:
		items := s.items
		if !s.isSeq {
			items = splitList(s.text)
		}
		err = k.setList(l.cfg, items)
	case s.isSeq:
		err = badValue("a list was given where one value belongs")
	default:
		err = k.set(l.cfg, strings.TrimSpace(s.text))
	}
	if err == nil {
		l.cfg.Sources[k.name] = s.source
		return
	}
	ve, ok := err.(*valueError)
	if !ok {
		ve = &valueError{what: err.Error(), item: -1}
	}
	l.fail(s.errSource(ve.item), k.name, s.message(k, ve))
}

// applyFlags applies the command-line flags, known keys in table order, then
// unknown ones (which are errors) sorted by name.
func (l *loader) applyFlags(flags Flags) {
	for _, k := range l.keys {
		if v, ok := flags[k.name]; ok && k.name != keyConfigFile {
			l.apply(k, setting{origin: fromFlag, source: "flag", text: v})
		}
	}
	var unknown []string
	for name := range flags {
		if l.keys.lookup(name) == nil {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		l.fail("flag", name, unknownKeyMsg(name, l.keys.names()))
	}
}

// inputValue reads the action input name as GitHub sets it (INPUT_MAX-AGENTS,
// hyphens kept) or in the underscore form a shell can set (INPUT_MAX_AGENTS).
// Empty means unset: GitHub sets every declared input, empty when not given.
func inputValue(getenv func(string) string, name string) (string, bool) {
	up := strings.ToUpper(name)
	for _, v := range []string{"INPUT_" + up, "INPUT_" + strings.ReplaceAll(up, "-", "_")} {
		if s := strings.TrimSpace(getenv(v)); s != "" {
			return s, true
		}
	}
	return "", false
}

// origin is the kind of place a setting came from; it decides how an example
// of a good value is written in an error.
type origin int

const (
	fromDefault origin = iota
	fromFile
	fromEnv
	fromInput
	fromFlag
)

// setting is one raw value for one key from one place.
type setting struct {
	origin origin
	source string // recorded in Sources: "flag", "input max-agents", "env OPTIMIZER_X", "file:line", "default"
	envVar string // for fromEnv: the variable, e.g. "OPTIMIZER_MAX_AGENTS"
	text   string // a scalar, or a comma-separated list

	// From a YAML file only.
	valueSource string   // file:line of the value, for errors
	isSeq       bool     // the value was a YAML sequence
	items       []string // its items
	itemSources []string // file:line of each item
}

func envSetting(name, value string) setting {
	return setting{origin: fromEnv, source: "env " + name, envVar: name, text: value}
}

// errSource is where an error about the setting (or its item-th list item,
// when item >= 0) points.
func (s setting) errSource(item int) string {
	if item >= 0 && item < len(s.itemSources) {
		return s.itemSources[item]
	}
	if s.valueSource != "" {
		return s.valueSource
	}
	return s.source
}

// message turns a value error into a message that names the key (where the
// source does not already), what was wrong, the accepted values and an
// example written the way this source would write it.
func (s setting) message(k *keySpec, ve *valueError) string {
	msg := ve.what
	if ve.hint != "" {
		msg += " (" + ve.hint + ")"
	} else {
		msg += fmt.Sprintf(" (want %s, e.g. %s)", k.want, s.example(k))
	}
	if s.origin == fromFlag || s.origin == fromFile || s.origin == fromDefault {
		msg = k.name + ": " + msg
	}
	return msg
}

func (s setting) example(k *keySpec) string {
	switch s.origin {
	case fromEnv:
		return s.envVar + "=" + k.example
	case fromInput:
		return k.inputName() + ": " + k.example
	case fromFile:
		if k.setList != nil {
			return k.name + ": [" + strings.Join(splitList(k.example), ", ") + "]"
		}
		return k.name + ": " + k.example
	default:
		return k.example
	}
}

// valueError is what a key's parser reports; apply turns it into an *Error.
type valueError struct {
	what string // what is wrong, e.g. `"five" is not an integer`
	hint string // when set, replaces the "(want …, e.g. …)" suffix
	item int    // index of the offending list item, or -1
}

func (e *valueError) Error() string { return e.what }

func badValue(format string, args ...any) *valueError {
	return &valueError{what: fmt.Sprintf(format, args...), item: -1}
}

func badItem(item int, format string, args ...any) *valueError {
	return &valueError{what: fmt.Sprintf(format, args...), item: item}
}

// splitList splits a comma-separated list; "" is the empty list. Empty
// entries are kept so that the key's parser can reject them.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
