package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods"
)

// stored is a patch to save in the output directory and where the report
// records it.
type stored struct {
	forward, reverse []byte
	meta             patch.Meta
	into             **report.Patch
}

// storedOf lists the run's accepted candidates and its combination for store.
func storedOf(ws *Workspace, rep *report.Report, tasks []*methods.Task, accepted [][]*methods.Candidate, combined *combine.Result) []stored {
	var out []stored
	if combined != nil {
		out = append(out, stored{combined.Patch, combined.Reverse, patch.Meta{
			Task: "combination", Target: rep.Module, Method: "combination", Validation: mustJSON(combined.Validation),
		}, &rep.Combination.Patch})
	}
	for i, t := range tasks {
		for _, c := range accepted[i] {
			for j := range rep.Tasks[i].Candidates {
				if rc := &rep.Tasks[i].Candidates[j]; rc.ID == c.ID {
					out = append(out, stored{c.Patch, c.Reverse, patch.Meta{
						Task: t.ID, Target: t.Package.Pattern(), Method: t.Method, Analyzer: c.Analyzer, Validation: mustJSON(c.Validation),
					}, &rc.Patch})
				}
			}
		}
	}
	return out
}

// store saves each patch with its reverse in the output directory, pins
// them on the IPFS node if there is one, and records where in the report.
func (s *session) store(ctx context.Context, items []stored, pub *publisher) error {
	rep := s.rep
	dir := patch.Dir{Path: s.cfg.Out, CIDVersion: s.cfg.CIDVersion}
	for _, it := range items {
		files, err := diff.Parse(it.forward)
		if err != nil {
			return fmt.Errorf("store %s: %w", it.meta.Task, err)
		}
		meta := it.meta
		for _, f := range files {
			meta.Files = append(meta.Files, f.Path())
		}
		meta.Parent = s.ws.Head
		m, err := dir.Save(it.forward, it.reverse, meta)
		if err != nil {
			return err
		}
		rp := &report.Patch{
			ID: m.ID, CID: m.CID, ReverseCID: m.ReverseCID,
			Path:        "patches/" + m.ID + ".patch",
			ReversePath: "patches/" + m.ID + ".reverse.patch",
		}
		pub.patch(ctx, rep, dir, m, rp)
		*it.into = rp
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
