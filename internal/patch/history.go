package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// The actions an Event records.
const (
	ActionCreated    = "created"
	ActionApplied    = "applied"
	ActionRolledBack = "rolled_back"
)

// Event is one entry of a Dir's history.
type Event struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // ActionCreated, ActionApplied or ActionRolledBack
	ID     string    `json:"id"`
	// CID is the CID of the patch the event is about: the forward patch,
	// or the reverse one for ActionRolledBack.
	CID string `json:"cid"`
	// Commit is the commit the patch was made against (created) or the
	// HEAD of the work tree it was applied to (applied, rolled_back).
	Commit string `json:"commit,omitempty"`
}

func (d Dir) historyPath() string {
	return filepath.Join(d.Path, "history.json")
}

// History returns the recorded events, oldest first.
func (d Dir) History() ([]Event, error) {
	events, err := d.readHistory()
	if err != nil {
		return nil, fmt.Errorf("patch: history: %w", err)
	}
	return events, nil
}

func (d Dir) readHistory() ([]Event, error) {
	path := d.historyPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var events []Event
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("%s: %v (the history is corrupt: restore it, or move it away to start a new one): %w", path, err, diff.ErrMalformed)
	}
	return events, nil
}

// record appends ev to the history. The history is one JSON array,
// rewritten atomically under a lock on the directory, so that neither a
// crash nor a concurrent writer can lose or tear an event. With once, an
// event with the same action, ID and CID that is already there is not
// repeated.
func (d Dir) record(ev Event, once bool) error {
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return fmt.Errorf("record %s of %s: %w", ev.Action, ev.ID, err)
	}
	unlock, err := lockDir(d.Path)
	if err != nil {
		return fmt.Errorf("record %s of %s: lock %s: %w", ev.Action, ev.ID, d.Path, err)
	}
	defer unlock()
	events, err := d.readHistory()
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", ev.Action, ev.ID, err)
	}
	if once && slices.ContainsFunc(events, func(e Event) bool {
		return e.Action == ev.Action && e.ID == ev.ID && e.CID == ev.CID
	}) {
		return nil
	}
	data, err := json.MarshalIndent(append(events, ev), "", "  ")
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", ev.Action, ev.ID, err)
	}
	if err := atomicfile.WriteFile(d.historyPath(), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("record %s of %s: %w", ev.Action, ev.ID, err)
	}
	return nil
}
