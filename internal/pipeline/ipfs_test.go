package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/kubotest"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// savedPatches saves n small patches in a fresh output directory.
func savedPatches(t *testing.T, n int) (patch.Dir, []patch.Meta) {
	t.Helper()
	dir := patch.Dir{Path: t.TempDir(), CIDVersion: 1}
	var metas []patch.Meta
	for i := range n {
		diff := func(from, to string) []byte {
			return fmt.Appendf(nil, "diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -1 +1 @@\n-%s\n+%s\n", from, to)
		}
		before, after := "package a", fmt.Sprintf("package a // %d", i)
		m, err := dir.Save(diff(before, after), diff(after, before), patch.Meta{Task: "t", Parent: "abc"})
		if err != nil {
			t.Fatal(err)
		}
		metas = append(metas, m)
	}
	return dir, metas
}

// publish runs the publisher over the patches of dir and the audit record, as Run does.
func publish(t *testing.T, api string, dir patch.Dir, metas []patch.Meta) (*report.Report, []*report.Patch, []string) {
	t.Helper()
	cfg := &config.Config{Out: dir.Path, CIDVersion: 1, IPFSAPI: api, IPFSGateway: "http://gw.example/"}
	rep := &report.Report{Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var log []string
	pub := newPublisher(cfg, rep, func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) })
	var rps []*report.Patch
	for _, m := range metas {
		rp := &report.Patch{ID: m.ID, CID: m.CID}
		pub.patch(context.Background(), rep, dir, m, rp)
		rps = append(rps, rp)
	}
	if err := pub.audit(context.Background(), cfg, rep); err != nil {
		t.Fatal(err)
	}
	return rep, rps, log
}

func TestPublishWithNodeDown(t *testing.T) {
	api, stop, err := kubotest.Closed()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dir, metas := savedPatches(t, 3)
	rep, rps, _ := publish(t, api, dir, metas)
	for _, rp := range rps {
		if rp.Pinned || rp.GatewayURL != "http://gw.example/ipfs/"+rp.CID {
			t.Errorf("patch %s: pinned %v, gateway %q; want not pinned, with a gateway link", rp.ID, rp.Pinned, rp.GatewayURL)
		}
	}
	// One warning: after the first failure the node is not tried again.
	if len(rep.Store.Warnings) != 1 || !strings.Contains(rep.Store.Warnings[0], "unreachable") || !strings.Contains(rep.Store.Warnings[0], "not tried again") {
		t.Fatalf("warnings = %q, want one about the unreachable node", rep.Store.Warnings)
	}
	if len(rep.Notes) != 1 {
		t.Errorf("notes = %q, want the warning", rep.Notes)
	}
	// The audit record is stored locally all the same.
	if rep.Store.AuditCID == "" || rep.Store.AuditPinned {
		t.Fatalf("audit %q pinned %v; want a local CID, not pinned", rep.Store.AuditCID, rep.Store.AuditPinned)
	}
	if _, err := os.Stat(filepath.Join(dir.StorePath(), rep.Store.AuditCID+".car")); err != nil {
		t.Fatal(err)
	}
}

func TestPublishReportsCIDMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v0/version":
			fmt.Fprint(w, `{"Version":"0.43.1"}`)
		case "/api/v0/add":
			io.Copy(io.Discard, r.Body)
			fmt.Fprint(w, `{"Hash":"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir, metas := savedPatches(t, 2)
	rep, rps, log := publish(t, srv.URL, dir, metas)
	// Every item is tried (a disagreeing node is still reachable), and each says so loudly.
	if len(rep.Store.Warnings) != 3 {
		t.Fatalf("warnings = %q, want 3 (two patches, the audit record)", rep.Store.Warnings)
	}
	for _, w := range rep.Store.Warnings {
		if !strings.Contains(w, "CID MISMATCH") {
			t.Errorf("warning %q does not say CID MISMATCH", w)
		}
	}
	for _, rp := range rps {
		if rp.Pinned {
			t.Errorf("patch %s marked pinned on a node that disagrees", rp.ID)
		}
	}
	if !strings.Contains(strings.Join(log, "\n"), "CID MISMATCH") {
		t.Errorf("the progress log does not show the mismatch: %q", log)
	}
}

func TestPublishPinsOnDaemon(t *testing.T) {
	d := kubotest.Start(t)
	dir, metas := savedPatches(t, 2)
	rep, rps, _ := publish(t, d.API, dir, metas)
	if len(rep.Store.Warnings) != 0 {
		t.Fatalf("warnings: %q", rep.Store.Warnings)
	}
	for _, rp := range rps {
		if !rp.Pinned || rp.MetaCID == "" {
			t.Errorf("patch %s: pinned %v, metadata %q", rp.ID, rp.Pinned, rp.MetaCID)
		}
		out := d.IPFS(t, nil, "pin", "ls", "--names", "--type=recursive", rp.CID, rp.MetaCID)
		if !strings.Contains(out, "optimizer "+rp.ID+" forward") || !strings.Contains(out, "optimizer "+rp.ID+" metadata") {
			t.Errorf("pin ls: %q", out)
		}
	}
	if rep.Store.Pinned != 2 || !rep.Store.AuditPinned || rep.Store.Announced == "" {
		t.Fatalf("store = %+v; want 2 pinned, the audit record pinned and announced", rep.Store)
	}
	if out := d.IPFS(t, nil, "ls", rep.Store.Announced+"/runs"); !strings.Contains(out, "20260102T030405Z-"+rep.Store.AuditCID+".json") {
		t.Fatalf("the audit record is not announced under %s/runs: %q", rep.Store.Announced, out)
	}
}
