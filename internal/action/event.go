package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// Event is what the optimizer takes from the event that started the
// workflow (GITHUB_EVENT_NAME and the payload at GITHUB_EVENT_PATH).
type Event struct {
	Name string // pull_request, pull_request_target, push, schedule, workflow_dispatch, …

	// Base is the commit to compare with, so that only the packages the
	// event changed are targets: the pull request's base, or the commit
	// before a push. Empty for schedule and workflow_dispatch (the whole
	// module), and for a push that created its branch.
	Base string
	// Head is the pull request's head commit, or the commit pushed.
	Head string
	// SHA is GITHUB_SHA, the commit the workflow runs on: for
	// pull_request_target, the base branch's last commit, which is what
	// actions/checkout checks out there by default.
	SHA string

	PullRequest int  // the pull request's number, 0 when not a pull request
	Fork        bool // the pull request comes from another repository
	Repository  string
	Ref         string // the ref pushed or dispatched on
	Schedule    string // the cron expression of a schedule event
}

// IsPullRequest reports whether the event is about a pull request.
func (e *Event) IsPullRequest() bool { return e.PullRequest != 0 }

// payload is the part of the event payloads the optimizer reads; see
// https://docs.github.com/en/webhooks/webhook-events-and-payloads.
type payload struct {
	Ref         string `json:"ref"`
	Before      string `json:"before"`
	After       string `json:"after"`
	Created     bool   `json:"created"`
	Deleted     bool   `json:"deleted"`
	Schedule    string `json:"schedule"`
	PullRequest *struct {
		Number int         `json:"number"`
		Base   payloadHead `json:"base"`
		Head   payloadHead `json:"head"`
	} `json:"pull_request"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

type payloadHead struct {
	SHA  string `json:"sha"`
	Ref  string `json:"ref"`
	Repo *struct {
		FullName string `json:"full_name"`
	} `json:"repo"`
}

var commitRe = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// ReadEvent reads the event from GITHUB_EVENT_NAME and GITHUB_EVENT_PATH.
// Commits in the payload are used only when they are full hexadecimal
// hashes, so that a payload cannot smuggle an option or a ref expression to
// git. A missing payload file gives an Event with the name only.
func ReadEvent(getenv func(string) string) (*Event, error) {
	ev := &Event{Name: getenv("GITHUB_EVENT_NAME"), Repository: getenv("GITHUB_REPOSITORY"), SHA: commit(getenv("GITHUB_SHA"))}
	path := getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return ev, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ev, nil
	}
	if err != nil {
		return nil, fmt.Errorf("action: event payload: %w", err)
	}
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("action: event payload %s: %w", path, err)
	}
	if p.Repository.FullName != "" {
		ev.Repository = p.Repository.FullName
	}
	switch ev.Name {
	case "pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment":
		pr := p.PullRequest
		if pr == nil {
			return nil, fmt.Errorf("action: %s event payload %s has no pull_request", ev.Name, path)
		}
		ev.PullRequest = pr.Number
		ev.Base, ev.Head = commit(pr.Base.SHA), commit(pr.Head.SHA)
		ev.Ref = pr.Head.Ref
		ev.Fork = pr.Head.Repo == nil || pr.Base.Repo == nil || !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)
	case "push":
		ev.Ref, ev.Head = p.Ref, commit(p.After)
		if !p.Created && !p.Deleted && strings.Trim(p.Before, "0") != "" {
			ev.Base = commit(p.Before)
		}
	case "schedule":
		ev.Schedule = p.Schedule
	case "workflow_dispatch":
		ev.Ref = p.Ref
	}
	return ev, nil
}

func commit(s string) string {
	if commitRe.MatchString(s) {
		return s
	}
	return ""
}
