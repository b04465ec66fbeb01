package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/patch"
)

// AuditName is the name under RunsDir of the audit record c of a run that started at started.
func AuditName(started time.Time, c string) string {
	return stamp(started) + "-" + c + ".json"
}

// stamp names a run by the time it started.
func stamp(started time.Time) string {
	return started.UTC().Format("20060102T150405Z")
}

// PublishAudit adds the audit record of a run that started at started, whose local CID is c, to
// the node, pinned, and announces it as RunsDir/AuditName. pinned says whether the node holds
// it; an error with pinned set is about the announcement.
func PublishAudit(ctx context.Context, n *cas.Node, c string, record []byte, started time.Time) (pinned bool, err error) {
	if _, err := n.Add(ctx, record, cas.Version(c), "optimizer run "+stamp(started)); err != nil {
		return false, err
	}
	return true, n.Announce(ctx, RunsDir, AuditName(started, c), c)
}

// Announcement is what Reannounce did.
type Announcement struct {
	Patches int // patches announced (their forward, reverse and metadata pinned)
	// Already is how many of them the node already announced with the same metadata.
	Already int
	Audit   string // the CID of the audit record announced, "" when the directory has none
	// AuditAlready is set when the node already announced the audit record.
	AuditAlready bool
	Root         string // the CID of the node's /optimizer directory afterwards
}

// Reannounce puts a run's output directory back on the node, as the run did: every stored
// patch (forward, reverse and metadata, pinned, announced in patch.AnnounceDir) and the audit
// record that report.json names (pinned, announced in RunsDir). Everything is first checked
// against its CID; on a mismatch (an error wrapping cas.ErrMismatch) nothing is announced.
// Doing it again changes nothing.
func Reannounce(ctx context.Context, n *cas.Node, out string) (Announcement, error) {
	dir := patch.Dir{Path: out}
	metas, audit, record, err := verifyRun(dir)
	if err != nil {
		return Announcement{}, err
	}
	var a Announcement
	if len(metas) == 0 && audit == "" {
		return a, nil
	}
	before, err := n.Announced(ctx, patch.AnnounceDir)
	if err != nil {
		return a, err
	}
	for _, m := range metas {
		metaCID, err := dir.Publish(ctx, n, m)
		if err != nil {
			return a, err
		}
		a.Patches++
		if hasEntry(before, m.ID+".json", metaCID) {
			a.Already++
		}
	}
	if audit != "" {
		var rec struct{ Started time.Time }
		if err := json.Unmarshal(record, &rec); err != nil {
			return a, fmt.Errorf("audit record %s: %v: %w", audit, err, cas.ErrMismatch)
		}
		runs, err := n.Announced(ctx, RunsDir)
		if err != nil {
			return a, err
		}
		a.AuditAlready = hasEntry(runs, AuditName(rec.Started, audit), audit)
		if _, err := PublishAudit(ctx, n, audit, record, rec.Started); err != nil {
			return a, fmt.Errorf("audit record %s: %w", audit, err)
		}
		a.Audit = audit
	}
	a.Root, err = n.Root(ctx, path.Dir(RunsDir))
	return a, err
}

func hasEntry(entries []cas.Entry, name, c string) bool {
	for _, e := range entries {
		if e.Name == name && e.CID == c {
			return true
		}
	}
	return false
}

// verifyRun checks every stored patch of dir and the audit record its report.json names against
// their CIDs and CAR files, and returns them.
func verifyRun(dir patch.Dir) (metas []patch.Meta, audit string, record []byte, err error) {
	metas, err = dir.List()
	if err != nil {
		return nil, "", nil, err
	}
	for _, m := range metas {
		if _, _, err := dir.Load(m); err != nil {
			return nil, "", nil, err
		}
	}
	audit, err = AuditCID(dir.Path)
	if err != nil || audit == "" {
		return metas, "", nil, err
	}
	record, err = cas.Get(dir.StorePath(), audit)
	if err != nil {
		return nil, "", nil, fmt.Errorf("audit record %s named by %s: %w", audit, filepath.Join(dir.Path, "report.json"), err)
	}
	return metas, audit, record, nil
}

// AuditCID returns the CID of the audit record that out's report.json names: "" when out has no
// report.json, or it names no record (a dry run's).
func AuditCID(out string) (string, error) {
	p := filepath.Join(out, "report.json")
	data, err := os.ReadFile(p)
	if errors.Is(err, iofs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var rep struct {
		Store *struct {
			AuditCID string `json:"audit_cid"`
		} `json:"store"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return "", fmt.Errorf("%s: %v (restore it from the audit record: `ipfs cat <store.audit_cid>`): %w", p, err, cas.ErrMismatch)
	}
	if rep.Store == nil {
		return "", nil
	}
	return rep.Store.AuditCID, nil
}
