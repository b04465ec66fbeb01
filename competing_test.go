package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods/actorcritic"
	"github.com/agentic-optimizer/optimizer/methods/adversarial"
)

// Scripted answers for examples/demo/textutil's Join, whose += in a loop is
// quadratic.
const (
	joinBody = "\tout := \"\"\n\tfor i, w := range words {\n\t\tif i > 0 {\n\t\t\tout += sep\n\t\t}\n\t\tout += w\n\t}\n\treturn out\n"

	// joinFast preallocates one buffer: linear.
	joinFast = "textutil/textutil.go\n```go\n<<<<<<< SEARCH\n" + joinBody + "=======\n" +
		"\tn := 0\n\tfor _, w := range words {\n\t\tn += len(w) + len(sep)\n\t}\n\tbuf := make([]byte, 0, n)\n\tfor i, w := range words {\n\t\tif i > 0 {\n\t\t\tbuf = append(buf, sep...)\n\t\t}\n\t\tbuf = append(buf, w...)\n\t}\n\treturn string(buf)\n" +
		">>>>>>> REPLACE\n```\n"
	// joinBroken forgets the separator.
	joinBroken = "textutil/textutil.go\n<<<<<<< SEARCH\n\t\t\tout += sep\n=======\n>>>>>>> REPLACE\n"
	// joinSlower copies the string once more per word.
	joinSlower = "textutil/textutil.go\n<<<<<<< SEARCH\n\t\tout += w\n=======\n\t\tout = string([]byte(out + w))\n>>>>>>> REPLACE\n"
	// joinTamper guts the benchmark instead of the code.
	joinTamper = "textutil/textutil_test.go\n<<<<<<< SEARCH\n\t\tJoin(words, \" \")\n=======\n\t\t_ = words\n>>>>>>> REPLACE\n"
	// joinSame rewrites the loop without changing its cost.
	joinSame = "textutil/textutil.go\n<<<<<<< SEARCH\n\t\tout += w\n=======\n\t\tout = out + w\n>>>>>>> REPLACE\n"
)

func modelEnv(openai, anthropic *llmtest.Server) map[string]string {
	env := map[string]string{
		"OPTIMIZER_LLM_PROVIDER": "openai:gpt-4.1",
		"OPTIMIZER_LLM_BASE_URL": openai.URL,
		"OPENAI_API_KEY":         "sk-test-key-0123456789",
	}
	if anthropic != nil {
		env["OPTIMIZER_LLM_FALLBACK"] = "anthropic:claude-sonnet-4-5"
		env["ANTHROPIC_API_KEY"] = "sk-ant-test-0123456789"
		env["ANTHROPIC_BASE_URL"] = anthropic.URL
	}
	return env
}

// TestAdversarialTournament is issue 5's acceptance for adversarial: of
// four candidates — a real speed-up, one that breaks Join, one that is
// slower, one that guts the benchmark — the tournament picks the speed-up,
// stores only it, and the leaderboard says why each other lost. The
// candidates come from both models, and by approach, not by arrival order.
func TestAdversarialTournament(t *testing.T) {
	if testing.Short() {
		t.Skip("validates with benchmarks")
	}
	answers := map[string]string{"algorithm": joinFast, "allocation": joinBroken, "loop": joinSlower, "library": joinTamper}
	byApproach := llmtest.Always(llmtest.Func(func(r llmtest.Request) llmtest.Step {
		for name, a := range answers {
			if strings.Contains(r.Prompt(), "Approach: "+name+" ") {
				return llmtest.Reply(a)
			}
		}
		return llmtest.Reply("no approach in the prompt")
	}))
	gpt, claude := llmtest.NewOpenAI(t, byApproach), llmtest.NewAnthropic(t, byApproach)
	repo := demoRepo(t, nil)
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, modelEnv(gpt, claude), "run", "--repo", repo, "--method", "adversarial",
		"--paths", "./textutil", "--objective", "speed", "--max-agents", "4",
		"--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	task := rep.Tasks[0]
	var d adversarial.Details
	if err := json.Unmarshal(task.Details, &d); err != nil {
		t.Fatalf("details: %v\n%s", err, task.Details)
	}
	if len(d.Leaderboard) != 4 {
		t.Fatalf("leaderboard of %d, want 4: %+v", len(d.Leaderboard), d.Leaderboard)
	}
	byApp := map[string]adversarial.Entry{}
	models := map[string]bool{}
	for _, e := range d.Leaderboard {
		byApp[e.Approach] = e
		models[e.Model] = true
		t.Logf("%d %s %s t=%.1f %s: %s %v", e.Rank, e.Candidate, e.Approach, e.Temperature, e.Verdict, e.Why, e.Deltas)
	}
	if w := byApp["algorithm"]; w.Verdict != "winner" || w.Rank != 1 || d.Winner != w.Candidate || w.ScorePct == nil || *w.ScorePct > -10 {
		t.Errorf("the speed-up did not win: %+v (winner %s)", w, d.Winner)
	}
	if e := byApp["allocation"]; e.Verdict != "rejected by unit" || !strings.Contains(e.Why, "TestJoin") {
		t.Errorf("the broken candidate: %+v", e)
	}
	if e := byApp["loop"]; e.Verdict != "rejected by performance" || len(e.Deltas) == 0 {
		t.Errorf("the slower candidate: %+v", e)
	}
	if e := byApp["library"]; e.Verdict != "rejected by answer" || !strings.Contains(e.Why, "textutil_test.go") {
		t.Errorf("the benchmark-tampering candidate: %+v", e)
	}
	if !models["openai:gpt-4.1"] || !models["anthropic:claude-sonnet-4-5"] {
		t.Errorf("the candidates did not come from both models: %v", models)
	}
	stored := 0
	for _, c := range task.Candidates {
		if c.Validation != nil {
			for _, l := range c.Validation.Levels {
				t.Logf("%s %s: %s %dms", c.ID, l.Name, l.Status, l.DurationMS)
			}
		}
		if c.Patch != nil {
			stored++
			if c.ID != d.Winner {
				t.Errorf("stored %s, not the winner %s", c.ID, d.Winner)
			}
		}
	}
	if stored != 1 {
		t.Errorf("%d patches stored, want the winner's alone", stored)
	}
	if !strings.Contains(stderr, "in 4 worktrees") {
		t.Errorf("the candidates were not validated side by side:\n%s", stderr)
	}
}

// TestActorCriticRounds is issue 5's acceptance for actor-critic: the
// actor's first change is correct but no faster; the critic says why; the
// revision is the real speed-up, with a higher reward; the third answer
// repeats it, so the rounds stop although five were allowed.
func TestActorCriticRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("validates with benchmarks")
	}
	actor := []string{joinSame, joinFast, joinFast}
	turn := 0
	script := llmtest.Always(llmtest.Func(func(r llmtest.Request) llmtest.Step {
		if strings.Contains(r.System, "reviewer") {
			if strings.Contains(r.Prompt(), "make([]byte, 0, n)") {
				return llmtest.Reply("SCORE: 9/10\nLinear now; the buffer is sized once.")
			}
			return llmtest.Reply("SCORE: 3/10\nStill quadratic: every += copies the whole string. Size one buffer and append to it.")
		}
		turn++
		return llmtest.Reply(actor[min(turn, len(actor))-1])
	}))
	gpt, claude := llmtest.NewOpenAI(t, script), llmtest.NewAnthropic(t, script)
	repo := demoRepo(t, nil)
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, modelEnv(gpt, claude), "run", "--repo", repo, "--method", "actor-critic",
		"--paths", "./textutil", "--objective", "speed", "--actor-critic-rounds", "5",
		"--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	task := rep.Tasks[0]
	var d actorcritic.Details
	if err := json.Unmarshal(task.Details, &d); err != nil {
		t.Fatalf("details: %v\n%s", err, task.Details)
	}
	for _, r := range d.Rounds {
		t.Logf("round %d %s: %s reward %.3f %+v", r.Round, r.Candidate, r.Verdict, r.Reward, r.Signals)
	}
	if len(d.Rounds) != 3 {
		t.Fatalf("%d rounds, want 3 (the third repeats the second): %+v", len(d.Rounds), d.Rounds)
	}
	r1, r2, r3 := d.Rounds[0], d.Rounds[1], d.Rounds[2]
	if r1.Verdict != "rejected by performance" || r1.Review == nil || r1.Review.Score == nil || *r1.Review.Score != 3 {
		t.Errorf("round 1: %+v", r1)
	}
	if !strings.Contains(r1.Critique, "Still quadratic") || !strings.Contains(r1.Critique, "rejected by the performance check") {
		t.Errorf("round 1's critique does not carry the validation and the review:\n%s", r1.Critique)
	}
	if r2.Verdict != "accepted" || r2.Reward <= r1.Reward || r2.Reward < 1 {
		t.Errorf("round 2 did not improve the reward: %+v after %+v", r2, r1)
	}
	if !strings.HasPrefix(r3.Verdict, "the same change as round 2") || !strings.Contains(d.Stopped, "round 3 repeated") {
		t.Errorf("round 3 / stop: %+v, %q", r3, d.Stopped)
	}
	if d.Best != r2.Candidate {
		t.Errorf("best %s, want round 2's %s", d.Best, r2.Candidate)
	}
	// The critic is the other model; the actor read the critique.
	if n := len(claude.Requests()); n != 2 {
		t.Errorf("the critic model got %d requests, want 2 reviews", n)
	}
	if reqs := gpt.Requests(); len(reqs) != 3 || !strings.Contains(reqs[1].Prompt(), "Still quadratic") {
		t.Errorf("the actor's second prompt lacks the critique (%d requests)", len(reqs))
	}
	for _, c := range task.Candidates {
		if (c.Patch != nil) != (c.ID == d.Best) {
			t.Errorf("candidate %s stored=%v, best is %s", c.ID, c.Patch != nil, d.Best)
		}
	}
	if task.Status != report.StatusAccepted {
		t.Errorf("task status %s", task.Status)
	}
}
