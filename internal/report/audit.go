package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

// The audit record of a run is its report as the run leaves it — after change control and every
// note — except for what cannot be known before the record is stored: the Store fields that name
// the record itself (audit_cid, audit_url, audit_pinned, announced), which are empty in the
// record, and the warnings of storing it, which the report adds at the end of store.warnings and
// of notes. Everything else in report.json must equal the record; CompareAudit checks that.

// AuditRecord returns the report's audit record: its JSON with the fields that name the record
// left empty.
func (r *Report) AuditRecord() ([]byte, error) {
	rec := *r
	if r.Store != nil {
		s := *r.Store
		s.AuditCID, s.AuditURL, s.AuditPinned, s.Announced = "", "", false, ""
		rec.Store = &s
	}
	return rec.JSON()
}

// auditFields are the fields of store that the record cannot hold.
var auditFields = []string{"audit_cid", "audit_url", "audit_pinned", "announced"}

// Difference is a field where a report differs from its audit record: its JSON path (such as
// tasks[0].candidates[1].validation.accepted) and both values as short JSON ("" when absent).
type Difference struct {
	Path           string
	Record, Report string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: the audit record has %s, report.json %s", d.Path, orAbsent(d.Record), orAbsent(d.Report))
}

func orAbsent(v string) string {
	if v == "" {
		return "nothing (absent)"
	}
	return v
}

// CompareAudit compares a report.json with its audit record, as decoded JSON (so formatting does
// not matter), and returns every field that differs, sorted by path. The fields the record
// cannot hold are not compared (see AuditRecord). An error means one of the two is not a JSON
// object.
func CompareAudit(record, report []byte) ([]Difference, error) {
	rec, err := decodeObject(record)
	if err != nil {
		return nil, fmt.Errorf("report: audit record: %w", err)
	}
	rep, err := decodeObject(report)
	if err != nil {
		return nil, fmt.Errorf("report: report.json: %w", err)
	}
	for _, obj := range []map[string]any{rec, rep} {
		if s, ok := obj["store"].(map[string]any); ok {
			for _, k := range auditFields {
				delete(s, k)
			}
		}
	}
	dropStoringWarnings(rec, rep)
	var diffs []Difference
	diff("", rec, rep, &diffs)
	return diffs, nil
}

// dropStoringWarnings removes from rep the warnings of storing the record: the entries that
// store.warnings and notes gained after the record, the same ones at the end of both.
func dropStoringWarnings(rec, rep map[string]any) {
	recStore, _ := rec["store"].(map[string]any)
	repStore, _ := rep["store"].(map[string]any)
	if recStore == nil || repStore == nil {
		return
	}
	recWarn, _ := recStore["warnings"].([]any)
	repWarn, _ := repStore["warnings"].([]any)
	recNotes, _ := rec["notes"].([]any)
	repNotes, _ := rep["notes"].([]any)
	n := len(repWarn) - len(recWarn)
	if n <= 0 || len(repNotes)-len(recNotes) != n ||
		!jsonEqual(repWarn[:len(recWarn)], recWarn) || !jsonEqual(repNotes[:len(recNotes)], recNotes) ||
		!jsonEqual(repWarn[len(recWarn):], repNotes[len(recNotes):]) {
		return
	}
	for _, w := range repWarn[len(recWarn):] {
		if s, ok := w.(string); !ok || !strings.HasPrefix(s, "ipfs: ") {
			return
		}
	}
	setOrDelete(repStore, "warnings", recWarn)
	setOrDelete(rep, "notes", recNotes)
}

func setOrDelete(obj map[string]any, key string, list []any) {
	if len(list) == 0 {
		delete(obj, key)
		return
	}
	obj[key] = list
}

func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("not a JSON object: null")
	}
	return obj, nil
}

// diff appends to out every path under p where a and b differ.
func diff(p string, a, b any, out *[]Difference) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			diff(join(p, k), av[k], bv[k], out)
		}
		return
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		for i := range max(len(av), len(bv)) {
			var x, y any
			if i < len(av) {
				x = av[i]
			}
			if i < len(bv) {
				y = bv[i]
			}
			diff(fmt.Sprintf("%s[%d]", p, i), x, y, out)
		}
		return
	}
	if !jsonEqual(a, b) {
		*out = append(*out, Difference{Path: p, Record: short(a), Report: short(b)})
	}
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// jsonEqual compares decoded JSON values; numbers by value, so 1.50 equals 1.5.
func jsonEqual(a, b any) bool {
	if x, ok := a.(json.Number); ok {
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, errx := strconv.ParseFloat(string(x), 64)
		fy, erry := strconv.ParseFloat(string(y), 64)
		return errx == nil && erry == nil && fx == fy
	}
	switch av := a.(type) {
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !jsonEqual(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if _, ok := b.(map[string]any); !ok {
			return false
		}
		var diffs []Difference
		diff("", a, b, &diffs)
		return len(diffs) == 0
	}
	return a == b
}

// maxValue is how much of a differing value a Difference shows.
const maxValue = 60

// short renders v as compact JSON, cut to maxValue characters; "" when v is absent.
func short(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip.Runes(string(b), maxValue)
}
