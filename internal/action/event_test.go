package action

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadEvent(t *testing.T) {
	events := filepath.Join("testdata", "events")
	for _, tc := range []struct {
		name, file string
		want       Event
	}{
		{"pull_request", "pull_request.json", Event{
			Name: "pull_request", Base: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", Head: "9f1c2a7d3e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d",
			PullRequest: 42, Fork: true, Repository: "octo-org/octo-repo", Ref: "faster-stats"}},
		{"pull_request_target", "pull_request.json", Event{
			Name: "pull_request_target", Base: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", Head: "9f1c2a7d3e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d",
			SHA:         "1111111111111111111111111111111111111111",
			PullRequest: 42, Fork: true, Repository: "octo-org/octo-repo", Ref: "faster-stats"}},
		{"push", "push.json", Event{
			Name: "push", Base: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", Head: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
			Repository: "octo-org/octo-repo", Ref: "refs/heads/main"}},
		{"schedule", "schedule.json", Event{Name: "schedule", Repository: "octo-org/octo-repo", Schedule: "17 3 * * *"}},
		{"workflow_dispatch", "workflow_dispatch.json", Event{Name: "workflow_dispatch", Repository: "octo-org/octo-repo", Ref: "refs/heads/main"}},
		{"no payload file", "missing.json", Event{Name: "no payload file", Repository: "env/repo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// GITHUB_SHA is taken only as a full hash, like the payload's.
			sha := "--upload-pack=touch /tmp/pwned"
			if tc.name == "pull_request_target" {
				sha = "1111111111111111111111111111111111111111"
			}
			ev, err := ReadEvent(envWith(map[string]string{
				"GITHUB_EVENT_NAME": tc.name, "GITHUB_EVENT_PATH": filepath.Join(events, tc.file), "GITHUB_REPOSITORY": "env/repo",
				"GITHUB_SHA": sha,
			}))
			if err != nil {
				t.Fatal(err)
			}
			if *ev != tc.want {
				t.Errorf("event\n%+v\nwant\n%+v", *ev, tc.want)
			}
		})
	}
}

func TestReadEventRefusesWhatIsNotACommit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ name, event, body string }{
		{"option as base", "pull_request", `{"pull_request": {"number": 1, "base": {"sha": "--upload-pack=touch /tmp/x"}, "head": {"sha": "HEAD~1"}}}`},
		{"new branch", "push", `{"ref": "refs/heads/new", "created": true, "before": "0000000000000000000000000000000000000000", "after": "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"}`},
		{"short sha", "push", `{"before": "0a1b2c3", "after": "c0ffee0"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ReadEvent(envWith(map[string]string{"GITHUB_EVENT_NAME": tc.event, "GITHUB_EVENT_PATH": write(tc.name, tc.body)}))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Base != "" || (tc.event == "pull_request" && ev.Head != "") {
				t.Errorf("base %q head %q taken from %s", ev.Base, ev.Head, tc.body)
			}
		})
	}
	for _, body := range []string{`{"pull_request": null}`, `not json`} {
		if _, err := ReadEvent(envWith(map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": write("bad", body)})); err == nil {
			t.Errorf("payload %s accepted", body)
		}
	}
}
