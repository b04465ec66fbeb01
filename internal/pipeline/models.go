package pipeline

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/methods"
)

// models is the run's access to language models: the router when one is
// configured, else why not, and the secrets no prompt may hold.
type models struct {
	router  *llm.Router
	why     string
	secrets []string
}

// credentialVars are read through getenv for secrets even when the
// process environment does not hold them (tests inject their own).
var credentialVars = []string{"GITHUB_TOKEN", "OPTIMIZER_GITHUB_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"}

// newModels makes the router when a method needs one. A run without a
// model configured (or without the credential of the one configured) goes
// on: the LLM methods say why they propose nothing. A model name or
// endpoint that cannot work is a usage error.
func newModels(cfg *config.Config, ms []*methods.Method, getenv func(string) string, logf Logf) (*models, error) {
	out := &models{secrets: sandbox.Secrets(os.Environ())}
	for _, name := range credentialVars {
		if v := getenv(name); len(v) >= 8 && !slices.Contains(out.secrets, v) {
			out.secrets = append(out.secrets, v)
		}
	}
	if cfg.GitHubToken != "" {
		out.secrets = append(out.secrets, cfg.GitHubToken)
	}
	if !slices.ContainsFunc(ms, usesModel) {
		return out, nil
	}
	prices := map[string]llm.Price{}
	for model, p := range cfg.LLMPrices {
		prices[model] = llm.Price{PromptPerMTok: p.Prompt, CompletionPerMTok: p.Completion}
	}
	router, err := llm.New(llm.Config{
		Primary: cfg.LLMProvider, Fallback: cfg.LLMFallback, BaseURL: cfg.LLMBaseURL, GitHubToken: cfg.GitHubToken,
		BudgetTokens: cfg.LLMBudgetTokens, BudgetUSD: cfg.LLMBudgetUSD, Prices: prices,
		MaxRequests: cfg.LLMMaxRequests, MaxConcurrent: cfg.LLMMaxConcurrent, RequestsPerMinute: float64(cfg.LLMRequestsPerMinute),
		Timeout: cfg.LLMTimeout, Logf: logf,
	}, getenv)
	switch {
	case errors.Is(err, llm.ErrNoModel) || errors.Is(err, llm.ErrNoCredential):
		out.why = err.Error()
		if slices.ContainsFunc(ms, needsModel) {
			logf("warning: %s", err)
		} else {
			logf("no model (%s): the methods that can use one work without", err)
		}
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	out.router = router
	logf("models: %v", router.Models())
	return out, nil
}

// report puts the run's model usage into rep: the whole, and each task's.
func (m *models) report(rep *report.Report) {
	u := m.router.Usage()
	rep.LLM = &u
	for i := range rep.Tasks {
		if t, ok := u.ByTask[rep.Tasks[i].ID]; ok {
			rep.Tasks[i].LLM = &t
		}
	}
	if u.Budget.Spent {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the model budget was spent (%d tokens, $%.4f used): later requests were not sent", u.Budget.UsedTokens, u.Budget.UsedUSD))
	}
}

// unavailable says why the run has no model, "" when it has one.
func (m *models) unavailable() string {
	switch {
	case m.router != nil:
		return ""
	case m.why != "":
		return m.why
	}
	return "no method of the run asks for one"
}
