package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/kubotest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"optimizer": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// TestScript runs the end-to-end scripts in testdata/script: each builds a
// small git repository and runs the optimizer against it as a user would.
func TestScript(t *testing.T) {
	goEnv := map[string]string{}
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		goEnv[k] = strings.Split(strings.TrimSpace(string(out)), "\n")[i]
	}
	kubo := kubotest.Find(t) // nil without a daemon: the scripts that need one skip
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Condition: func(cond string) (bool, error) {
			if cond == "kubo" {
				return kubo != nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			if kubo != nil {
				env.Setenv("IPFS_API", kubo.API)
				env.Setenv("IPFS_GATEWAY", kubo.Gateway)
				env.Setenv("IPFS_BIN", kubo.Bin)
				env.Values["kubo"] = kubo
			}
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOFLAGS", "-mod=mod")
			env.Setenv("GIT_AUTHOR_NAME", "test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
			env.Setenv("GIT_COMMITTER_NAME", "test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("OPTIMIZER_WORKTREE_BASE", filepath.Join(env.WorkDir, "worktrees"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":      cmdStatus,
			"reportpatch": cmdReportPatch,
			"ipfsproxy":   cmdIPFSProxy,
			"freshnode":   cmdFreshNode,
		},
	})
}

// cmdStatus runs a program and checks its exit status: status N prog args...
// Its output is then checked with stdout and stderr as after exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not an exit status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("status: %v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdReportPatch reads a report.json and sets PATCH_ID, PATCH_CID and
// PATCH_FILE from its first stored patch, and AUDIT_CID from its audit
// record: reportpatch path/to/report.json
func cmdReportPatch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: reportpatch REPORT")
	}
	var rep struct {
		Tasks []struct {
			Candidates []struct {
				Patch *struct{ ID, CID, Path string }
			}
		}
		Store *struct {
			AuditCID string `json:"audit_cid"`
		}
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &rep); err != nil {
		ts.Fatalf("reportpatch: %v", err)
	}
	if rep.Store != nil {
		ts.Setenv("AUDIT_CID", rep.Store.AuditCID)
	}
	for _, t := range rep.Tasks {
		for _, c := range t.Candidates {
			if c.Patch != nil {
				if neg {
					ts.Fatalf("report has a stored patch %s, want none", c.Patch.ID)
				}
				ts.Setenv("PATCH_ID", c.Patch.ID)
				ts.Setenv("PATCH_CID", c.Patch.CID)
				ts.Setenv("PATCH_FILE", c.Patch.Path)
				return
			}
		}
	}
	if !neg {
		ts.Fatalf("report %s has no stored patch", args[0])
	}
}

// cmdIPFSProxy starts a stand-in for a kubo daemon that fails, and sets IPFS_PROXY to its API
// address: `ipfsproxy closed` is a daemon that is down (every connection is closed at once);
// `ipfsproxy dying N` forwards the first N requests to the test daemon, then is down.
func cmdIPFSProxy(ts *testscript.TestScript, neg bool, args []string) {
	var (
		api  string
		stop func()
		err  error
	)
	switch {
	case len(args) == 1 && args[0] == "closed":
		api, stop, err = kubotest.Closed()
	case len(args) == 2 && args[0] == "dying":
		n, aerr := strconv.Atoi(args[1])
		kubo, _ := ts.Value("kubo").(*kubotest.Daemon)
		if aerr != nil || kubo == nil {
			ts.Fatalf("usage: ipfsproxy dying N (with a kubo daemon: [kubo])")
		}
		api, stop, err = kubotest.Dying(kubo, n)
	default:
		ts.Fatalf("usage: ipfsproxy closed | ipfsproxy dying N")
	}
	if err != nil {
		ts.Fatalf("ipfsproxy: %v", err)
	}
	ts.Defer(stop)
	ts.Setenv("IPFS_PROXY", api)
}

// cmdFreshNode starts a kubo daemon of its own on an empty repository, as a node after a failure,
// and sets FRESH_API to its API address: freshnode (with a kubo daemon: [kubo]).
func cmdFreshNode(ts *testscript.TestScript, neg bool, args []string) {
	kubo, _ := ts.Value("kubo").(*kubotest.Daemon)
	if neg || len(args) != 0 || kubo == nil {
		ts.Fatalf("usage: freshnode (with a kubo daemon: [kubo])")
	}
	repo, err := os.MkdirTemp(ts.Getenv("WORK"), "ipfs-")
	if err != nil {
		ts.Fatalf("freshnode: %v", err)
	}
	d, stop, err := kubotest.Launch(kubo.Bin, repo)
	if err != nil {
		ts.Fatalf("freshnode: %v", err)
	}
	ts.Defer(stop)
	ts.Setenv("FRESH_API", d.API)
}

// TestElapsed: progress lines carry the time since the command started.
func TestElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0:00", 65 * time.Second: "1:05", 59*time.Minute + 59*time.Second: "59:59", 3723 * time.Second: "1:02:03"} {
		if got := elapsed(d); got != want {
			t.Errorf("elapsed(%s) = %q, want %q", d, got, want)
		}
	}
	var b strings.Builder
	progress(&b)("analyze %s", "x")
	if b.String() != "optimizer: [0:00] analyze x\n" {
		t.Errorf("progress line %q", b.String())
	}
}

// TestFlagHelpFromKeys: the help of every flag that sets a configuration
// key is that key's, from the one table that action.yml and
// docs/configuration.md are generated from.
func TestFlagHelpFromKeys(t *testing.T) {
	help := map[string]string{}
	for _, k := range config.Keys(methodOptions()...) {
		help[k.Name] = k.Help
	}
	for _, cmd := range []string{"run", "plan", "shard", "merge"} {
		var stdout, stderr strings.Builder
		if code := run([]string{cmd, "--help"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 || stderr.Len() > 0 {
			t.Fatalf("%s --help: exit %d, stderr %q", cmd, code, stderr.String())
		}
		for _, key := range []string{"objective", "timeout", "out", "control", "cid_version", "dry_run"} {
			if cmd == "merge" && (key == "objective" || key == "timeout") {
				continue
			}
			if !strings.Contains(stdout.String(), help[key]) {
				t.Errorf("%s --help lacks the %s key's help %q", cmd, key, help[key])
			}
		}
	}
}
