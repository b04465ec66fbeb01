package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// RunsDir is the directory of the node's MFS where each run's audit record is announced.
const RunsDir = "/optimizer/runs"

// publisher puts what a run stores on the IPFS node of ipfs_api, when there is one, and makes
// gateway links. The node is a convenience: whatever goes wrong with it becomes a warning in the
// report, and once it has been unreachable it is not tried again in the run, so a dead node
// costs one timeout at most.
type publisher struct {
	node    *cas.Node // nil without ipfs_api, or after the node proved unreachable
	gateway string
	out     *report.Store
	logf    Logf
}

func newPublisher(cfg *config.Config, rep *report.Report, logf Logf) *publisher {
	p := &publisher{gateway: strings.TrimRight(cfg.IPFSGateway, "/"), out: &report.Store{}, logf: logf}
	rep.Store = p.out
	if cfg.IPFSAPI == "" {
		return p
	}
	p.out.Node = cfg.IPFSAPI
	n, err := cas.Dial(cfg.IPFSAPI)
	if err != nil {
		p.warn(rep, "%v; patches are stored locally only", err)
		return p
	}
	p.node = n
	return p
}

// warn records a warning about the node in the report and on the progress log.
func (p *publisher) warn(rep *report.Report, format string, args ...any) {
	msg := "ipfs: " + fmt.Sprintf(format, args...)
	p.out.Warnings = append(p.out.Warnings, msg)
	rep.Notes = append(rep.Notes, msg)
	p.logf("warning: %s", msg)
}

// failed turns an error of the node into a warning; an unreachable node is not tried again.
func (p *publisher) failed(rep *report.Report, what string, err error) {
	switch {
	case errors.Is(err, cas.ErrNodeMismatch):
		p.warn(rep, "CID MISMATCH: %s: %v — the node's CID is not the one in this report; the local CID stands, the node's copy is not trusted", what, err)
	case errors.Is(err, cas.ErrUnreachable):
		p.warn(rep, "%s: %v; the node is not tried again in this run, everything else is stored locally only (start the daemon or fix ipfs_api; `ipfs dag import <out>/store/<cid>.car` pins a stored item later)", what, err)
		p.node = nil
	default:
		p.warn(rep, "%s: %v; stored locally only", what, err)
	}
}

// url is the gateway link of c, or "" without a gateway.
func (p *publisher) url(c string) string {
	if p.gateway == "" || c == "" {
		return ""
	}
	return p.gateway + "/ipfs/" + c
}

// patch fills in the gateway link of a saved patch and pins it on the node.
func (p *publisher) patch(ctx context.Context, rep *report.Report, dir patch.Dir, m patch.Meta, rp *report.Patch) {
	rp.GatewayURL = p.url(m.CID)
	if p.node == nil {
		return
	}
	metaCID, err := dir.Publish(ctx, p.node, m)
	if err != nil {
		p.failed(rep, "patch "+m.ID, err)
		return
	}
	rp.MetaCID, rp.Pinned = metaCID, true
	p.out.Pinned++
	p.logf("pinned patch %s (%s) on %s", m.ID, m.CID, p.node)
}

// audit stores the run's audit record (see report.Report.AuditRecord) in the output directory's
// store and on the node, and records its CID in the report. It comes last: nothing may change
// the report afterwards but the fields that name the record.
func (p *publisher) audit(ctx context.Context, cfg *config.Config, rep *report.Report) error {
	data, err := rep.AuditRecord()
	if err != nil {
		return err
	}
	dir := patch.Dir{Path: cfg.Out, CIDVersion: cfg.CIDVersion}
	c, err := cas.Put(dir.StorePath(), data, cfg.CIDVersion)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	p.out.AuditCID, p.out.AuditURL = c, p.url(c)
	if p.node == nil {
		return nil
	}
	pinned, err := PublishAudit(ctx, p.node, c, data, rep.Started)
	p.out.AuditPinned = pinned
	if err != nil {
		p.failed(rep, "audit record", err)
		return nil
	}
	root, err := p.node.Root(ctx, path.Dir(RunsDir))
	if err != nil {
		p.failed(rep, "announcements", err)
		return nil
	}
	p.out.Announced = root
	p.logf("audit record %s pinned; everything announced on %s is under %s", c, p.node, root)
	return nil
}
