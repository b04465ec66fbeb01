// Package report holds the result of a run — the report.json of docs/design.md#reports —
// and renders the short human summary printed at the end of a run.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Version is the version of the report.json schema.
const Version = 1

// Task statuses.
const (
	StatusAccepted     = "accepted"      // at least one candidate was accepted
	StatusRejected     = "rejected"      // candidates were made, none accepted
	StatusFailed       = "failed"        // the method or the validation could not run
	StatusNoCandidates = "no_candidates" // the method found nothing to change
	StatusInterrupted  = "interrupted"   // the run ended (timeout, signal) while the task ran
	StatusNotRun       = "not_run"       // the run ended before an agent took the task
)

// Report is the result of one run.
type Report struct {
	Version   int       `json:"version"`
	Repo      string    `json:"repo"`
	Module    string    `json:"module"`
	Base      string    `json:"base"`
	Objective string    `json:"objective"`
	Methods   []string  `json:"methods"`
	Started   time.Time `json:"started"`
	Levels    []string  `json:"levels"` // the validation levels this build runs
	// Isolation is what the sandbox held for the code under test in this
	// run: identity, Landlock, network, limits, and what fell short.
	Isolation     *sandbox.Isolation `json:"isolation,omitempty"`
	Tasks         []Task             `json:"tasks"`
	ChangeControl ChangeControl      `json:"change_control"`
	Stats         Stats              `json:"stats"`
	// Agents are the run's agents and what each did.
	Agents []Agent `json:"agents,omitempty"`
	Store  *Store  `json:"store,omitempty"`
	// Combination is the stored patches combined into one, when there
	// were at least two: what overlapped, how it was resolved.
	Combination *Combination `json:"combination,omitempty"`
	// Shard is the part of a plan this run did (optimizer shard); Shards
	// are the shard reports a merge gathered (optimizer merge).
	Shard  *Shard   `json:"shard,omitempty"`
	Shards []string `json:"shards,omitempty"`
	// LLM is the run's use of language models, when a method used one:
	// every request, and totals per task and per model.
	LLM   *llm.Summary `json:"llm,omitempty"`
	Notes []string     `json:"notes,omitempty"`
}

// Task is one method applied to one target.
type Task struct {
	ID         string      `json:"id"`
	Target     string      `json:"target"`
	Method     string      `json:"method"`
	Agent      int         `json:"agent"`
	Status     string      `json:"status"`
	Error      string      `json:"error,omitempty"`
	Notes      []string    `json:"notes,omitempty"`
	DurationMS int64       `json:"duration_ms"`
	Candidates []Candidate `json:"candidates"`
	// PRURL is the pull request that proposes the task's accepted changes,
	// when change control opened one.
	PRURL string `json:"pr_url,omitempty"`
	// LLM is the model usage of the task's requests.
	LLM *llm.Totals `json:"llm,omitempty"`
	// Details is what the method reports beyond its candidates, in its own
	// shape: the adversarial leaderboard, the actor-critic rewards, the
	// chaos findings, the PGO profile's provenance.
	Details json.RawMessage `json:"details,omitempty"`
	// Findings are what the method found for a person to act on, rendered
	// by the method: change control opens an issue for each.
	Findings []Finding `json:"findings,omitempty"`
}

// Candidate is one proposed change and its verdict.
type Candidate struct {
	methods.Candidate
	// Patch is where the candidate's patch is stored, when it is.
	Patch *Patch `json:"patch,omitempty"`
}

// Patch locates a stored, accepted patch.
type Patch struct {
	ID          string `json:"id"`
	Path        string `json:"path"`         // relative to the output directory
	ReversePath string `json:"reverse_path"` // relative to the output directory
	CID         string `json:"cid"`
	ReverseCID  string `json:"reverse_cid"`
	MetaCID     string `json:"meta_cid,omitempty"`    // CID of its metadata file, when published to a node
	Pinned      bool   `json:"pinned"`                // forward, reverse and metadata are pinned on the IPFS node
	GatewayURL  string `json:"gateway_url,omitempty"` // the forward patch on the configured gateway
}

// Shard is one shard of a plan: which of how many, and its packages.
type Shard struct {
	Index    int      `json:"index"`
	Of       int      `json:"of"`
	Packages []string `json:"packages"`
}

// Combination is the run's accepted patches in one, validated as a whole.
type Combination struct {
	// Members are the IDs of the candidates the combined patch holds.
	Members []string `json:"members"`
	// Patch is the stored combined patch; nil when nothing combined
	// passed validation, or in a dry run.
	Patch      *Patch           `json:"patch,omitempty"`
	Validation *validate.Report `json:"validation,omitempty"`
	// Conflicts are the pairs of accepted patches that overlap, hunk by
	// hunk, and how each ended: rebased (merged three-way onto the winner
	// and validated) or escalated to a human.
	Conflicts []combine.Conflict `json:"conflicts"`
	// LeftOut are candidates that overlap nothing but broke the
	// combination's validation.
	LeftOut []combine.LeftOut `json:"left_out,omitempty"`
	// Repairs are what the combination changed beyond its members: an
	// import each member used and all of them together leave unused.
	Repairs     []string `json:"repairs,omitempty"`
	Validations int      `json:"validations"`
	// AutoResolvedPct is the share of conflicts resolved without a human.
	AutoResolvedPct float64 `json:"auto_resolved_pct"`
	Error           string  `json:"error,omitempty"`
}

// Store says where the run's content went besides the output directory: its audit record and,
// when one is configured, the IPFS node.
type Store struct {
	// AuditCID is the CID of the run's audit record: this report as the run left it, after
	// change control and every note, without the fields that name the record (AuditCID,
	// AuditURL, AuditPinned, Announced) and the warnings of storing it (see AuditRecord). It is
	// stored as store/<AuditCID>.car, and pinned and announced on the node when there is one;
	// `optimizer verify` compares report.json with it.
	AuditCID    string `json:"audit_cid"`
	AuditURL    string `json:"audit_url,omitempty"` // the audit record on the gateway
	AuditPinned bool   `json:"audit_pinned"`
	// Announced is the CID of the node's /optimizer directory after the run: every patch and
	// audit record announced on the node so far.
	Announced string   `json:"announced,omitempty"`
	Node      string   `json:"node,omitempty"`     // the IPFS RPC API pinned to
	Pinned    int      `json:"pinned"`             // patches pinned on the node in this run
	Warnings  []string `json:"warnings,omitempty"` // what went wrong with the node; the run goes on without it
}

// ChangeControl says how accepted changes were published.
type ChangeControl struct {
	// Mode is what published them: "patch" (the output directory only) or
	// "github" (besides it, on GitHub).
	Mode string `json:"mode"`
	// FallbackReason says why GitHub was not used although the
	// configuration allowed it, or what of it failed midway; the patches
	// are in the output directory whatever it says.
	FallbackReason string `json:"fallback_reason"`
	PRURL          string `json:"pr_url"`    // the draft pull request of the run's change
	IssueURL       string `json:"issue_url"` // the first issue; Issues lists them all

	// Requested is the control asked for: auto, patch or github.
	Requested string `json:"requested,omitempty"`
	// DryRun: the run stored and published nothing.
	DryRun bool `json:"dry_run,omitempty"`
	// Stored is how many patches the run stored in the output directory:
	// the accepted candidates' and the combination's.
	Stored     int    `json:"stored"`
	Repository string `json:"repository,omitempty"` // owner/name
	// PullRequests are the draft pull requests opened or updated: the
	// run's change, and on a pull request event the follow-up with the
	// hunks outside its diff.
	PullRequests []PullRequest `json:"pull_requests,omitempty"`
	// Review is the review with suggestions posted on the pull request
	// that triggered the run.
	Review *Review `json:"review,omitempty"`
	// Issues are the findings published as issues, one per task.
	Issues []Issue `json:"issues,omitempty"`
	// Closed are the optimizer's pull requests closed because their change
	// is no longer proposed.
	Closed []PullRequest `json:"closed,omitempty"`
	// Reviews are the optimizer's open pull requests as people had
	// reviewed them when the run began: who approved and who requested
	// changes, of which commit, and what this run did about each.
	Reviews []PRReviews `json:"reviews,omitempty"`
	GitHub  *GitHubUse  `json:"github,omitempty"`
	Notes   []string    `json:"notes,omitempty"`
}

// PullRequest is a pull request change control opened, updated or closed.
type PullRequest struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	Branch  string `json:"branch"`
	Base    string `json:"base"`
	HeadSHA string `json:"head_sha,omitempty"`
	// PatchID and PatchCID name the stored patch it holds; a follow-up
	// holds part of one.
	PatchID  string `json:"patch_id,omitempty"`
	PatchCID string `json:"patch_cid,omitempty"`
	// FollowUp is set on the pull request that carries, against the
	// triggering pull request's branch, the hunks its diff does not show.
	FollowUp bool `json:"follow_up,omitempty"`
	Created  bool `json:"created,omitempty"`
	Updated  bool `json:"updated,omitempty"`
	// Requests is how many API requests proposing it took.
	Requests int `json:"requests,omitempty"`
	// Tasks are the tasks whose accepted changes it proposes (each task's
	// pr_url names it); a follow-up lists none.
	Tasks []string `json:"tasks,omitempty"`
}

// PRReviews is one of the optimizer's open pull requests and where it
// stands with the people who reviewed it. Bots' reviews are ignored.
type PRReviews struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	Branch  string `json:"branch"`
	HeadSHA string `json:"head_sha"` // its head when the run read the reviews
	// Packages are the repository-relative directories of the files it
	// changes: the packages its requests are about. They are read only
	// when someone who can push requested changes.
	Packages         []string        `json:"packages,omitempty"`
	Approvals        []ReviewVerdict `json:"approvals,omitempty"`
	ChangesRequested []ReviewVerdict `json:"changes_requested,omitempty"`
	BotReviews       int             `json:"bot_reviews,omitempty"`
}

// ReviewVerdict is a person's standing review: their latest that approves
// or requests changes.
type ReviewVerdict struct {
	Reviewer string `json:"reviewer"`
	// Association is the reviewer's relationship to the repository, as
	// GitHub gives it: OWNER, MEMBER and COLLABORATOR can push to it.
	Association string    `json:"association"`
	Commit      string    `json:"commit"` // the commit reviewed
	Submitted   time.Time `json:"submitted"`
	URL         string    `json:"url,omitempty"`
	// Stale marks an approval of a commit that is no longer the pull
	// request's head — a later push, or this run's new commit, changed
	// what was approved; StaleWhy says which.
	Stale    bool   `json:"stale,omitempty"`
	StaleWhy string `json:"stale_why,omitempty"`
	// Body and Comments are a request's text and its comments on lines.
	Body     string       `json:"body,omitempty"`
	Comments []ReviewLine `json:"comments,omitempty"`
	// FedTo are the tasks of this run whose model was given the request;
	// NotFed says why none was.
	FedTo  []string `json:"fed_to,omitempty"`
	NotFed string   `json:"not_fed,omitempty"`
	// Answer is what the pull request's change, as this run left it, does
	// about the request — "addressed" (a new change made with the request
	// in the model's prompt) or "not addressed" — and AnswerWhy why. Both
	// are empty when the run proposed nothing on this pull request.
	Answer    string `json:"answer,omitempty"`
	AnswerWhy string `json:"answer_why,omitempty"`
}

// A request's answers.
const (
	Addressed    = "addressed"
	NotAddressed = "not addressed"
)

// ReviewLine is a review's comment on a line of the diff.
type ReviewLine struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Body string `json:"body"`
}

// Review is a review with suggestions on the triggering pull request.
type Review struct {
	PullRequest int    `json:"pull_request"`
	URL         string `json:"url,omitempty"` // empty when nothing fitted its diff
	HeadSHA     string `json:"head_sha"`
	PatchID     string `json:"patch_id"`
	PatchCID    string `json:"patch_cid"`
	Suggestions int    `json:"suggestions"`
	// Existing is set when the same review had been posted before (a
	// re-run) and was not posted again.
	Existing bool `json:"existing,omitempty"`
	// Outside are the hunks its diff does not show: in the follow-up pull
	// request when one could be opened, else only in the patch.
	Outside  []Outside `json:"outside,omitempty"`
	Requests int       `json:"requests"`
}

// Outside is a hunk of the published patch that is not a suggestion.
type Outside struct {
	Path   string `json:"path"`
	Hunk   int    `json:"hunk"` // index in the file's hunks, -1 for the whole file
	Reason string `json:"reason"`
}

// Issue is an issue that holds a task's findings.
type Issue struct {
	Task     string `json:"task"`
	Number   int    `json:"number"`
	URL      string `json:"url"`
	Created  bool   `json:"created,omitempty"`
	Updated  bool   `json:"updated,omitempty"`
	Requests int    `json:"requests"`
}

// GitHubUse is what change control asked of the GitHub API.
type GitHubUse struct {
	API      string `json:"api"` // the API's base URL
	Requests int    `json:"requests"`
	Writes   int    `json:"writes"`
	// CacheHits were answered from the cache without a request,
	// CacheRevalidated by a 304 (free of the rate limit), CacheMisses by
	// a full answer. CacheHitRate is (hits + 304s) / GETs.
	CacheHits        int     `json:"cache_hits"`
	CacheRevalidated int     `json:"cache_revalidated"`
	CacheMisses      int     `json:"cache_misses"`
	CacheHitRate     float64 `json:"cache_hit_rate"`
	// CacheFile is where the cache is kept between runs; CacheEntries how
	// many answers it held when the run started.
	CacheFile      string `json:"cache_file,omitempty"`
	CacheEntries   int    `json:"cache_entries"`
	SecondaryWaits int    `json:"secondary_waits"`
	// RateLimitRemaining is the core rate limit's remaining requests as the
	// last response gave it, -1 when no response said.
	RateLimitRemaining int `json:"rate_limit_remaining"`
	RateLimitThreshold int `json:"rate_limit_threshold"`
	// RequestsPerDraftPR is the API requests one draft pull request took,
	// on average over the ones proposed in the run.
	RequestsPerDraftPR float64 `json:"requests_per_draft_pr"`
}

// Line is change control's result in one line, for the end of a run:
// "published on GitHub: https://…/pull/7" or "published as patches
// (fallback: …)".
func (c ChangeControl) Line() string {
	var parts []string
	if c.PRURL != "" && !slices.ContainsFunc(c.PullRequests, func(p PullRequest) bool { return p.FollowUp && p.URL == c.PRURL }) {
		parts = append(parts, "pull request "+c.PRURL)
	}
	if c.Review != nil && c.Review.Suggestions > 0 {
		parts = append(parts, fmt.Sprintf("%d suggestions on pull request #%d", c.Review.Suggestions, c.Review.PullRequest))
	}
	for _, p := range c.PullRequests {
		if p.FollowUp {
			parts = append(parts, "follow-up pull request "+p.URL)
		}
	}
	if n := len(c.Issues); n > 0 {
		parts = append(parts, fmt.Sprintf("%d issues", n))
	}
	if n := len(c.Closed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d stale pull requests closed", n))
	}
	if nothing := c.nothing(); nothing != "" {
		return nothing
	}
	s := "published as patches"
	if c.Mode == "github" {
		s = "published on GitHub: " + strings.Join(parts, ", ")
		if len(parts) == 0 {
			s = "nothing to propose on GitHub"
		}
	}
	if c.FallbackReason != "" {
		s += " (fallback: " + c.FallbackReason + ")"
	}
	if g := c.GitHub; g != nil && g.Requests+g.CacheHits > 0 {
		s += fmt.Sprintf("; GitHub API: %d requests, cache hit rate %.0f%%", g.Requests, 100*g.CacheHitRate)
	}
	return s
}

// nothing says why the run published nothing, "" when it published: a
// dry run, or no patch to store.
func (c ChangeControl) nothing() string {
	switch {
	case c.DryRun:
		return "dry run: nothing stored or published"
	case c.Mode == "patch" && c.Stored == 0:
		return "nothing published: no patch was accepted"
	}
	return ""
}

// Published records cc, what change control did, in the report: its
// change_control, and each task's pr_url from the pull requests that carry
// the task's changes.
func (r *Report) Published(cc ChangeControl) {
	r.ChangeControl = cc
	for i := range r.Tasks {
		for _, pr := range cc.PullRequests {
			if !pr.FollowUp && slices.Contains(pr.Tasks, r.Tasks[i].ID) {
				r.Tasks[i].PRURL = pr.URL
			}
		}
	}
}

// StoredPatches counts the patches the run stored: the accepted
// candidates' and the combination's.
func (r *Report) StoredPatches() int {
	n := 0
	for _, t := range r.Tasks {
		for _, c := range t.Candidates {
			if c.Patch != nil {
				n++
			}
		}
	}
	if r.Combination != nil && r.Combination.Patch != nil {
		n++
	}
	return n
}

// Agent states at the end of a run.
const (
	AgentIdle   = "idle"   // it worked through the queue
	AgentFailed = "failed" // it could not start (its worktree could not be made)
)

// Agent is one agent of a run: its state and what it did. A task tried
// twice counts for each agent that tried it.
type Agent struct {
	ID           int    `json:"id"`
	State        string `json:"state"`
	Error        string `json:"error,omitempty"`
	Tasks        int    `json:"tasks"`
	Accepted     int    `json:"accepted"`      // tasks with an accepted candidate
	Rejected     int    `json:"rejected"`      // tasks whose candidates were all rejected
	NoCandidates int    `json:"no_candidates"` // tasks where the method found nothing to change
	Failed       int    `json:"failed"`        // tasks that could not be run to the end
	Retried      int    `json:"retried"`       // tasks it finished after another agent failed them
	BusyMS       int64  `json:"busy_ms"`
	// RejectedByLevel counts its rejected candidates by the level that
	// rejected them.
	RejectedByLevel map[string]int `json:"rejected_by_level,omitempty"`
	// SuccessRate is accepted / (accepted + rejected): of the tasks where
	// the method proposed something, the share that ended accepted.
	SuccessRate float64 `json:"success_rate"`
}

// Count adds a finished task to the agent's figures.
func (a *Agent) Count(t Task) {
	a.Tasks++
	a.BusyMS += t.DurationMS
	for _, c := range t.Candidates {
		if v := c.Validation; v != nil && !v.Accepted && !v.Interrupted {
			if a.RejectedByLevel == nil {
				a.RejectedByLevel = map[string]int{}
			}
			a.RejectedByLevel[v.RejectedBy]++
		}
	}
	switch t.Status {
	case StatusAccepted:
		a.Accepted++
	case StatusRejected:
		a.Rejected++
	case StatusNoCandidates:
		a.NoCandidates++
	case StatusFailed, StatusInterrupted:
		a.Failed++
	}
	if a.Accepted+a.Rejected > 0 {
		a.SuccessRate = float64(a.Accepted) / float64(a.Accepted+a.Rejected)
	}
}

// Stats are the run's totals.
type Stats struct {
	Agents          int            `json:"agents"`
	Tasks           int            `json:"tasks"`
	Candidates      int            `json:"candidates"`
	Accepted        int            `json:"accepted"`
	RejectedByLevel map[string]int `json:"rejected_by_level"`
	DurationMS      int64          `json:"duration_ms"`
	// TasksByStatus counts the tasks by their status.
	TasksByStatus map[string]int `json:"tasks_by_status"`
	// Interrupted counts the candidates whose validation the end of the
	// run cut short: neither accepted nor rejected.
	Interrupted int `json:"interrupted,omitempty"`
	// SuccessRate is accepted / (accepted + rejected) over the tasks: of
	// the tasks where a method proposed something, the share that ended
	// with an accepted candidate.
	SuccessRate float64 `json:"success_rate"`
}

// Tally fills Stats from the tasks.
func (r *Report) Tally(agents int, d time.Duration) {
	s := Stats{Agents: agents, Tasks: len(r.Tasks), RejectedByLevel: map[string]int{}, DurationMS: d.Milliseconds(), TasksByStatus: map[string]int{}}
	for _, t := range r.Tasks {
		s.TasksByStatus[t.Status]++
		for _, c := range t.Candidates {
			s.Candidates++
			switch {
			case c.Validation == nil:
			case c.Validation.Interrupted:
				s.Interrupted++
			case c.Validation.Accepted:
				s.Accepted++
			default:
				s.RejectedByLevel[c.Validation.RejectedBy]++
			}
		}
	}
	if n := s.TasksByStatus[StatusAccepted] + s.TasksByStatus[StatusRejected]; n > 0 {
		s.SuccessRate = float64(s.TasksByStatus[StatusAccepted]) / float64(n)
	}
	r.Stats = s
}

// JSON renders the report as indented JSON with a final newline.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return append(b, '\n'), nil
}

// Write writes the report to path atomically.
func (r *Report) Write(path string) error {
	b, err := r.JSON()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// Summary writes the human summary: one line per candidate that matters,
// then the totals.
func (r *Report) Summary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TASK\tCANDIDATE\tVERDICT\tPATCH\n")
	// The proposal first: it is what the run offers, validated as a whole.
	if p := r.Proposed(); p.Patch != nil {
		fmt.Fprintf(tw, "PROPOSED\t%s\taccepted\t%s %s\n", oneLine(p.What(), 120), p.Patch.ID, p.Patch.CID)
	}
	for _, t := range r.Tasks {
		if len(t.Candidates) == 0 {
			verdict := t.Status
			if t.Error != "" {
				verdict += ": " + oneLine(t.Error, 80)
			}
			fmt.Fprintf(tw, "%s\t-\t%s\t\n", t.ID, verdict)
			continue
		}
		for _, c := range t.Candidates {
			verdict := "error: " + oneLine(c.Error, 60)
			if v := c.Validation; v != nil {
				switch {
				case v.Interrupted:
					verdict = "interrupted at " + v.InterruptedAt()
				case v.Accepted:
					verdict = "accepted"
				default:
					verdict = "rejected by " + v.RejectedBy
				}
			}
			where := ""
			if c.Patch != nil {
				where = c.Patch.ID + " " + c.Patch.CID
			}
			if c.IncludedIn != "" {
				where = "in " + c.IncludedIn
			}
			if c.SupersededBy != "" {
				where = "lost to " + c.SupersededBy
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", t.ID, c.ID, oneLine(c.Description, 60), verdict, where)
		}
	}
	tw.Flush()
	// A task that ends without an accepted candidate says why in its
	// notes (no model, nothing worth changing, no attempt survived).
	for _, t := range r.Tasks {
		if t.Status == StatusAccepted {
			continue
		}
		for i, n := range t.Notes {
			if i == 3 {
				fmt.Fprintf(w, "%s: … %d more notes in report.json\n", t.ID, len(t.Notes)-i)
				break
			}
			fmt.Fprintf(w, "%s: %s\n", t.ID, oneLine(n, 300))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", oneLine(n, 300))
	}
	for _, n := range r.ChangeControl.Notes {
		fmt.Fprintf(w, "note: %s\n", oneLine(n, 300))
	}
	if r.ChangeControl.Mode != "" {
		fmt.Fprintln(w, oneLine(r.ChangeControl.Line(), 600))
	}
	if u := r.ModelUsage(); u != "" {
		fmt.Fprintln(w, u)
	}
	fmt.Fprintln(w, r.Totals())
}

// ModelUsage is the run's use of models in one line, "" when it used none:
// "models openai:gpt-4.1: 6 requests (1 failed), 9120 prompt + 2210
// completion tokens, $0.0359".
func (r *Report) ModelUsage() string {
	if r.LLM == nil {
		return ""
	}
	u := r.LLM
	s := fmt.Sprintf("models %s: %d requests", strings.Join(u.Models, ", "), u.Requests)
	if u.Failed > 0 {
		s += fmt.Sprintf(" (%d failed)", u.Failed)
	}
	s += fmt.Sprintf(", %d prompt + %d completion tokens", u.PromptTokens, u.CompletionTokens)
	if u.CostUSD > 0 {
		s += fmt.Sprintf(", $%.4f", u.CostUSD)
	}
	if u.Budget.Spent {
		s += ", budget spent"
	}
	if n := len(u.SetAside); n > 0 {
		s += fmt.Sprintf(", %d set aside for the rest of the run (request limits)", n)
	}
	if n := len(u.Unasked); n > 0 {
		s += fmt.Sprintf(", %d tasks left unasked", n)
	}
	return s
}

// Totals is the run's result in one line: "3 tasks, 5 candidates: 2
// accepted, rejected by types 1, unit 2 (12.3s)".
func (r *Report) Totals() string {
	var levels []string
	for l, n := range r.Stats.RejectedByLevel {
		levels = append(levels, fmt.Sprintf("%s %d", l, n))
	}
	sort.Strings(levels)
	s := fmt.Sprintf("%d tasks, %d candidates: %d accepted", r.Stats.Tasks, r.Stats.Candidates, r.Stats.Accepted)
	if len(levels) > 0 {
		s += ", rejected by " + strings.Join(levels, ", ")
	}
	if n := r.Stats.Interrupted; n > 0 {
		s += fmt.Sprintf(", %d interrupted", n)
	}
	s += fmt.Sprintf(" (%.1fs)", float64(r.Stats.DurationMS)/1000)
	if u := r.Undone(); u != "" {
		s += "; left undone: " + u
	}
	return s
}

// Undone says what a run that ended early left undone — "2 tasks not run
// (modernize:./a, modernize:./b), 1 interrupted (pgo:.)" — or "" when it
// finished every task.
func (r *Report) Undone() string {
	var notRun, cut []string
	for _, t := range r.Tasks {
		switch t.Status {
		case StatusNotRun:
			notRun = append(notRun, t.ID)
		case StatusInterrupted:
			cut = append(cut, t.ID)
		}
	}
	list := func(ids []string) string {
		if len(ids) > 5 {
			return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
		}
		return strings.Join(ids, ", ")
	}
	var parts []string
	if len(notRun) > 0 {
		parts = append(parts, fmt.Sprintf("%d tasks not run (%s)", len(notRun), list(notRun)))
	}
	if len(cut) > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted (%s)", len(cut), list(cut)))
	}
	return strings.Join(parts, ", ")
}

// oneLine is s on one line, at most n runes long.
func oneLine(s string, n int) string {
	return clip.Runes(clip.OneLine(s), n)
}

// Read reads a report.json written by Write.
func Read(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report: %s is not a report.json: %w", path, err)
	}
	if r.Version != Version {
		return nil, fmt.Errorf("report: %s has schema version %d, this build reads %d (use the same optimizer release for every step)", path, r.Version, Version)
	}
	return &r, nil
}
