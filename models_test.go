package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// TestGitHubModelsDailyLimit is issue 24's acceptance for the limits: with
// GitHub Models and the workflow's token alone, a run whose model reaches
// its daily limit midway stops asking it at once, ends with exit 0, keeps
// and publishes what the deterministic method accepted, and says which
// tasks were left unasked.
func TestGitHubModelsDailyLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	gh := llmtest.NewGitHubModels(t, llmtest.Reply("I see nothing worth changing here."), llmtest.Always(llmtest.DailyLimit(50, 9*time.Hour)))
	repo := demoRepo(t, nil)
	out := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":             "true", // GitHub Models is the default model in Actions with a token
		"GITHUB_TOKEN":               "ghs_workflowToken0123456789abcdef",
		"OPTIMIZER_LLM_BASE_URL":     gh.URL,
		"OPTIMIZER_LLM_MAX_REQUESTS": "20",
	}
	code, rep, stderr := runInProcess(t, env, "run", "--repo", repo, "--method", "modernize,adversarial", "--adversarial-candidates", "2",
		"--max-agents", "1", "--control", "patch", "--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	u := rep.LLM
	if u == nil || len(u.Models) != 1 || u.Models[0] != "github:openai/gpt-4.1" {
		t.Fatalf("models %+v, want GitHub Models' default", u)
	}
	if n := len(gh.Requests()); n != 2 {
		t.Errorf("GitHub Models got %d requests, want 2: one answered, one refused for the day, none after", n)
	}
	if why := u.SetAside["github:openai/gpt-4.1"]; !strings.Contains(why, "daily request limit") {
		t.Errorf("set aside %v, want the daily limit", u.SetAside)
	}
	var adversarial []string
	modernized := 0
	for _, task := range rep.Tasks {
		switch task.Method {
		case "adversarial":
			adversarial = append(adversarial, task.ID)
		case "modernize":
			if task.Status == report.StatusAccepted {
				modernized++
			}
		}
	}
	if modernized == 0 || rep.ChangeControl.Stored == 0 {
		t.Errorf("modernize accepted %d tasks, %d patches stored; want its results kept", modernized, rep.ChangeControl.Stored)
	}
	// The first adversarial task got the one answer; the others none.
	if len(u.Unasked) != len(adversarial)-1 {
		t.Errorf("unasked %v of the adversarial tasks %v, want all but the first", u.Unasked, adversarial)
	}
	for _, id := range u.Unasked {
		if !slices.Contains(adversarial, id) {
			t.Errorf("unasked task %s is not a model task", id)
		}
	}
	if want := "1 set aside for the rest of the run (request limits), 2 tasks left unasked"; !strings.Contains(stderr, want) {
		t.Errorf("the end of the run does not say %q:\n%s", want, stderr)
	}
	md := rep.Markdown(0)
	for _, want := range []string{"Model `github:openai/gpt-4.1`: 1 of ", "**not asked again in the run**", "Left unasked for lack of budget or requests: "} {
		if !strings.Contains(md, want) {
			t.Errorf("the job summary lacks %q:\n%s", want, md)
		}
	}
}
