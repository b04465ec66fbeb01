package control

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/report"
)

// IssueLabel is the label of the optimizer's issues; it also finds an
// issue again on the next run.
const IssueLabel = "optimizer"

// issue is one finding of a task, as an issue.
type issue struct {
	task  report.Task
	key   string
	title string
	body  string
}

// issuesOf are the issues a run's findings make: one per finding of any
// task, as its method rendered it.
func issuesOf(rep *report.Report) []issue {
	var out []issue
	for _, t := range rep.Tasks {
		for _, f := range t.Findings {
			out = append(out, issue{task: t, key: issueKey(f.Key), title: titleLine(f.Title), body: capBody(f.Body)})
		}
	}
	return out
}

var keySafe = regexp.MustCompile(`^[A-Za-z0-9._/:-]{1,200}$`)

// issueKey is the marker key of a finding's issue: the finding's key when
// it is a valid marker key, else a hash of it.
func issueKey(key string) string {
	if keySafe.MatchString(key) && !strings.Contains(key, "--") {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "task:" + hex.EncodeToString(sum[:8])
}
