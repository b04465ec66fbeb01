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

// stored is a patch to save in the output directory, and the candidate
// whose patch it is: task and candidate IDs, both "" for the combination.
type stored struct {
	forward, reverse []byte
	meta             patch.Meta
	task, candidate  string
}

// storedOf lists the run's accepted candidates and its combination for store.
func storedOf(ws *Workspace, rep *report.Report, tasks []*methods.Task, accepted [][]*methods.Candidate, combined *combine.Result) []stored {
	var out []stored
	if combined != nil {
		out = append(out, stored{combined.Patch, combined.Reverse, patch.Meta{
			Task: "combination", Target: rep.Module, Method: "combination", Validation: mustJSON(combined.Validation),
		}, "", ""})
	}
	for i, t := range tasks {
		for _, c := range accepted[i] {
			out = append(out, stored{c.Patch, c.Reverse, patch.Meta{
				Task: t.ID, Target: t.Package.Pattern(), Method: t.Method, Analyzer: c.Analyzer, Validation: mustJSON(c.Validation),
			}, t.ID, c.ID})
		}
	}
	return out
}

// store saves each patch with its reverse in the output directory and
// pins them on the IPFS node if there is one. It returns where each is, in
// the order of items.
func (s *session) store(ctx context.Context, items []stored, pub *publisher) ([]*report.Patch, error) {
	saved := make([]*report.Patch, 0, len(items))
	dir := patch.Dir{Path: s.cfg.Out, CIDVersion: s.cfg.CIDVersion}
	for _, it := range items {
		files, err := diff.Parse(it.forward)
		if err != nil {
			return saved, fmt.Errorf("store %s: %w", it.meta.Task, err)
		}
		meta := it.meta
		for _, f := range files {
			meta.Files = append(meta.Files, f.Path())
		}
		meta.Parent = s.ws.Head
		m, err := dir.Save(it.forward, it.reverse, meta)
		if err != nil {
			return saved, err
		}
		rp := &report.Patch{
			ID: m.ID, CID: m.CID, ReverseCID: m.ReverseCID,
			Path:        "patches/" + m.ID + ".patch",
			ReversePath: "patches/" + m.ID + ".reverse.patch",
		}
		pub.patch(ctx, s.rep, dir, m, rp)
		saved = append(saved, rp)
	}
	return saved, nil
}

// record puts each saved patch in the report, on its candidate or as the
// combination's.
func record(rep *report.Report, items []stored, saved []*report.Patch) {
	for i, rp := range saved {
		it := items[i]
		if it.task == "" {
			rep.Combination.Patch = rp
			continue
		}
		for ti := range rep.Tasks {
			t := &rep.Tasks[ti]
			for ci := range t.Candidates {
				if t.ID == it.task && t.Candidates[ci].ID == it.candidate {
					t.Candidates[ci].Patch = rp
				}
			}
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
