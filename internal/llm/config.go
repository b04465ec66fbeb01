package llm

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Models chosen when none is configured.
const (
	DefaultOpenAIModel    = "openai:gpt-4.1"              // when OPENAI_API_KEY is set
	DefaultAnthropicModel = "anthropic:claude-sonnet-4-5" // when ANTHROPIC_API_KEY is set
	DefaultGitHubModel    = "github:openai/gpt-4.1"       // in GitHub Actions with a GitHub token and no other key
)

// Endpoints of the providers, used when no base URL is configured.
const (
	openAIBaseURL    = "https://api.openai.com/v1"
	githubBaseURL    = "https://models.github.ai/inference"
	ollamaBaseURL    = "http://localhost:11434/v1"
	anthropicBaseURL = "https://api.anthropic.com"
)

// GitHub Models' free limits for its most limited ("high") tier of models,
// used for github: models unless the configuration says otherwise: a
// lower tier allows more, and a run that keeps to these never hits the
// per-minute or concurrency limits.
const (
	GitHubMaxConcurrent     = 2
	GitHubRequestsPerMinute = 10
)

// Defaults of the Config's retry fields.
const (
	DefaultTimeout       = 3 * time.Minute
	DefaultMaxRetries    = 3
	DefaultBackoffBase   = time.Second
	DefaultBackoffMax    = 30 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// Config is what New needs besides the environment. Only Primary, Fallback,
// BaseURL and GitHubToken are about which models to call; the rest is the
// Router's policy, and is all that NewRouter reads.
type Config struct {
	// Primary is llm_provider: "openai:gpt-4.1", a bare gpt-*/claude-* name,
	// or "" to choose a model from the environment (see New).
	Primary string
	// Fallback is llm_fallback: the model tried when Primary fails; "" for none.
	Fallback string
	// BaseURL is llm_base_url: the primary model's endpoint. It overrides the
	// provider's default and OPENAI_BASE_URL / ANTHROPIC_BASE_URL; the
	// fallback model keeps its provider's endpoint.
	BaseURL string
	// GitHubToken is the run's GitHub token, used for github: models when
	// GITHUB_TOKEN is not set. It is never printed.
	GitHubToken string

	// BudgetTokens is the run's budget of prompt and completion tokens; 0
	// means no limit.
	BudgetTokens int
	// BudgetUSD is the run's budget in dollars; 0 means no limit. It needs a
	// price for every model.
	BudgetUSD float64
	// Prices are by "provider:model" or by model ("gpt-4.1"). A model without
	// a price costs 0.
	Prices map[string]Price

	// MaxRequests is the run's request budget per model: HTTP requests,
	// retries included; 0 means no limit. A model that used it up is not
	// asked again in the run, and its fallback answers instead.
	MaxRequests int
	// MaxConcurrent caps the requests in flight to one model; 0 means the
	// provider's own limit (GitHub Models: GitHubMaxConcurrent, none for
	// the others), a negative number no cap.
	MaxConcurrent int
	// RequestsPerMinute paces the requests to one model; 0 means the
	// provider's own limit (GitHub Models: GitHubRequestsPerMinute, none
	// for the others), a negative number no pacing.
	RequestsPerMinute float64

	Timeout     time.Duration // of one attempt; 0 means DefaultTimeout
	MaxRetries  int           // attempts per provider after the first; 0 means DefaultMaxRetries, negative none
	BackoffBase time.Duration // wait before the first retry, doubled for each next one; 0 means DefaultBackoffBase
	BackoffMax  time.Duration // longest backoff; 0 means DefaultBackoffMax
	// MaxRetryAfter is the longest Retry-After honored; when a server asks
	// for more, the Router gives up on that provider. 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration

	HTTPClient *http.Client                     // nil: a client on http.DefaultTransport; Timeout bounds each request
	Logf       func(format string, args ...any) // retries and fallbacks are told here; nil: silent

	// Seams for tests; nil means the real thing.
	Sleep  func(ctx context.Context, d time.Duration) error // waits d, or returns ctx.Err() when ctx ends first
	Now    func() time.Time                                 // for durations and Retry-After dates
	Jitter func() float64                                   // uniform in [0, 1), spreads backoffs
}

// Price is what a model costs, in dollars per million tokens.
type Price struct {
	PromptPerMTok     float64 `json:"prompt_per_mtok"`
	CompletionPerMTok float64 `json:"completion_per_mtok"`
}

// endpoint is one model, where it is served, and with which credential.
type endpoint struct {
	provider string // ProviderOpenAI, …
	model    string
	baseURL  string // without a trailing slash
	key      string // never printed
	keyVar   string // where key came from, for messages: "OPENAI_API_KEY"
}

func (e endpoint) name() string { return e.provider + ":" + e.model }

// New builds the Router of a run from cfg and the environment read through
// getenv (os.Getenv in production).
//
// Credentials: OPENAI_API_KEY for openai: (optional when a base URL other
// than OpenAI's is set: vLLM, llama.cpp), ANTHROPIC_API_KEY for anthropic:,
// GITHUB_TOKEN, else cfg.GitHubToken, else OPTIMIZER_GITHUB_TOKEN for
// github:, none for ollama:. Base URLs: cfg.BaseURL for the primary model,
// else OPENAI_BASE_URL or ANTHROPIC_BASE_URL, else the provider's own.
//
// With no Primary, New takes DefaultOpenAIModel when OPENAI_API_KEY is set,
// else DefaultAnthropicModel when ANTHROPIC_API_KEY is, else, in GitHub
// Actions (GITHUB_ACTIONS=true) with a GitHub token, DefaultGitHubModel.
// Failing all of these it returns an error wrapping ErrNoModel, and the
// caller skips the LLM methods. A configured model without its credential
// is an error wrapping ErrNoCredential that names the variable to set.
func New(cfg Config, getenv func(string) string) (*Router, error) {
	primary, fallback := cfg.Primary, cfg.Fallback
	if primary == "" {
		primary = defaultModel(cfg, getenv)
	}
	if primary == "" {
		primary, fallback = fallback, ""
	}
	if primary == "" {
		return nil, fmt.Errorf("llm: %w: set llm_provider (OPTIMIZER_LLM_PROVIDER) to provider:model, or set OPENAI_API_KEY or ANTHROPIC_API_KEY; "+
			"in GitHub Actions GitHub Models is used with the workflow token (give the job permissions: models: read and pass GITHUB_TOKEN)", ErrNoModel)
	}
	eps := make([]endpoint, 0, 2)
	ep, err := resolve(primary, cfg.BaseURL, "llm_base_url", cfg, getenv)
	if err != nil {
		return nil, err
	}
	eps = append(eps, ep)
	if fallback != "" {
		ep, err := resolve(fallback, "", "", cfg, getenv)
		if err != nil {
			return nil, fmt.Errorf("%w (the fallback model)", err)
		}
		if ep != eps[0] {
			eps = append(eps, ep)
		}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ps := make([]Provider, len(eps))
	for i, ep := range eps {
		if ep.provider == ProviderAnthropic {
			ps[i] = newAnthropic(ep, client, now)
		} else {
			ps[i] = newOpenAI(ep, client, now)
		}
	}
	return NewRouter(cfg, ps...)
}

// defaultModel chooses a model from the credentials present, or returns "".
func defaultModel(cfg Config, getenv func(string) string) string {
	switch {
	case getenv("OPENAI_API_KEY") != "":
		return DefaultOpenAIModel
	case getenv("ANTHROPIC_API_KEY") != "":
		return DefaultAnthropicModel
	case getenv("GITHUB_ACTIONS") == "true":
		if token, _ := githubToken(cfg, getenv); token != "" {
			return DefaultGitHubModel
		}
	}
	return ""
}

// githubToken finds the token for GitHub Models and says where it came from.
func githubToken(cfg Config, getenv func(string) string) (token, from string) {
	switch {
	case getenv("GITHUB_TOKEN") != "":
		return getenv("GITHUB_TOKEN"), "GITHUB_TOKEN"
	case cfg.GitHubToken != "":
		return cfg.GitHubToken, "the github token input (OPTIMIZER_GITHUB_TOKEN)"
	case getenv("OPTIMIZER_GITHUB_TOKEN") != "":
		return getenv("OPTIMIZER_GITHUB_TOKEN"), "OPTIMIZER_GITHUB_TOKEN"
	}
	return "", ""
}

// resolve finds the endpoint and credential of the model called name.
// baseURL overrides the provider's endpoint; baseFrom names where it was set.
func resolve(name, baseURL, baseFrom string, cfg Config, getenv func(string) string) (endpoint, error) {
	provider, model, err := ParseModel(name)
	if err != nil {
		return endpoint{}, err
	}
	ep := endpoint{provider: provider, model: model}
	envBase := func(v string) string {
		if baseURL == "" && getenv(v) != "" {
			baseFrom = v
			return getenv(v)
		}
		return baseURL
	}
	switch provider {
	case ProviderOpenAI:
		ep.baseURL = cmp.Or(envBase("OPENAI_BASE_URL"), openAIBaseURL)
		ep.key, ep.keyVar = getenv("OPENAI_API_KEY"), "OPENAI_API_KEY"
		if ep.key == "" && strings.TrimRight(ep.baseURL, "/") == openAIBaseURL {
			return endpoint{}, fmt.Errorf("llm: %s: %w: set OPENAI_API_KEY, or set llm_base_url (OPTIMIZER_LLM_BASE_URL) to an OpenAI-compatible server that needs no key", name, ErrNoCredential)
		}
	case ProviderGitHub:
		ep.baseURL = cmp.Or(baseURL, githubBaseURL)
		ep.key, ep.keyVar = githubToken(cfg, getenv)
		if ep.key == "" {
			return endpoint{}, fmt.Errorf("llm: %s: %w: GitHub Models needs a GitHub token with models: read; set GITHUB_TOKEN (in a workflow: permissions: models: read) or OPTIMIZER_GITHUB_TOKEN", name, ErrNoCredential)
		}
	case ProviderOllama:
		ep.baseURL = cmp.Or(baseURL, ollamaBaseURL)
	case ProviderAnthropic:
		ep.baseURL = cmp.Or(envBase("ANTHROPIC_BASE_URL"), anthropicBaseURL)
		ep.key, ep.keyVar = getenv("ANTHROPIC_API_KEY"), "ANTHROPIC_API_KEY"
		if ep.key == "" {
			return endpoint{}, fmt.Errorf("llm: %s: %w: set ANTHROPIC_API_KEY", name, ErrNoCredential)
		}
	}
	u, err := url.Parse(ep.baseURL)
	switch {
	case err != nil:
		return endpoint{}, fmt.Errorf("llm: %s: the base URL from %s does not parse as a URL", name, baseFrom)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return endpoint{}, fmt.Errorf("llm: %s: base URL %q from %s is not an http(s) URL", name, u.Redacted(), baseFrom)
	case u.User != nil:
		return endpoint{}, fmt.Errorf("llm: %s: base URL %q from %s has credentials in it; put the key in its variable instead", name, u.Redacted(), baseFrom)
	}
	ep.baseURL = strings.TrimRight(ep.baseURL, "/")
	return ep, nil
}
