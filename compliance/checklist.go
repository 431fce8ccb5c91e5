package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
)

// Errors of the checklist.
var (
	ErrUnknownControl = errkind.New(errkind.NotFound, "compliance: unknown control", "no such control")
	ErrNotManual      = errkind.New(errkind.Conflict, "compliance: not a manual control", "only manual controls are attested")
)

// Item is one line of the checklist: a control, its newest evidence and,
// for a manual control, its attestation.
type Item struct {
	Control Control
	// Latest is the newest evidence; nil before the first check.
	Latest *Evidence
	// Attestation is a manual control's newest attestation, if any.
	Attestation *Attestation
	// Status is what counts now: the newest evidence's status, or Stale
	// when that is older than the control's interval (or missing).
	Status Status
}

// Gauge is the item's value of ward_compliance_control_status: 1 for
// pass, n/a or a valid attestation, 0.5 for warn, 0 for fail, stale or
// unattested.
func (i Item) Gauge() float64 {
	switch i.Status {
	case Pass, NA, Manual:
		return 1
	case Warn:
		return 0.5
	}
	return 0
}

// effective is the status evidence e of c counts as at now.
func effective(c Control, e *Evidence, now time.Time) Status {
	if e == nil || now.Sub(e.Checked) > c.Interval+staleGrace {
		return Stale
	}
	return e.Status
}

// Checklist is every control with its newest evidence and attestation,
// in the order of Controls. It reads; it checks nothing.
func (s *Service) Checklist(ctx context.Context) ([]Item, error) {
	latest, err := s.store.LatestEvidence()
	if err != nil {
		return nil, err
	}
	atts, err := s.attestations()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Item
	for _, c := range s.Controls() {
		it := Item{Control: c}
		if r, ok := latest[c.ID]; ok {
			var e Evidence
			if err := json.Unmarshal(r.JSON, &e); err != nil {
				return nil, fmt.Errorf("compliance: evidence of %s: %w", c.ID, err)
			}
			it.Latest = &e
		}
		if a, ok := atts[c.ID]; ok && c.Manual {
			it.Attestation = &a
		}
		it.Status = effective(c, it.Latest, now)
		out = append(out, it)
	}
	return out, nil
}

// Summary counts a checklist's items by status. Pass counts only
// controls whose check passed: attested manual controls and controls
// that do not apply (n/a) are counted apart, so the headline does not
// claim more checks passed than did.
type Summary struct {
	Pass, Attested, NA, Warn, Failing, Total int
}

// Summarize counts items.
func Summarize(items []Item) Summary {
	var s Summary
	for _, it := range items {
		s.Total++
		switch {
		case it.Status.Failing():
			s.Failing++
		case it.Status == Warn:
			s.Warn++
		case it.Status == NA:
			s.NA++
		case it.Status == Manual:
			s.Attested++
		default:
			s.Pass++
		}
	}
	return s
}

// History is control id's evidence checked in [from, to), newest first.
func (s *Service) History(id string, from, to time.Time) ([]Evidence, error) {
	if _, err := s.Control(id); err != nil {
		return nil, err
	}
	var out []Evidence
	err := s.store.EvidenceRange(id, from, to, func(r storage.EvidenceRecord) error {
		var e Evidence
		if err := json.Unmarshal(r.JSON, &e); err != nil {
			return fmt.Errorf("compliance: evidence of %s at %s: %w", id, r.At, err)
		}
		out = append(out, e)
		return nil
	})
	slices.Reverse(out)
	return out, err
}

// HistoryPage is page (0 first) of control id's evidence checked in
// [from, to), per to a page, newest first, and how many records there
// are. Only the page's records are decoded.
func (s *Service) HistoryPage(id string, from, to time.Time, page, per int) ([]Evidence, int, error) {
	if _, err := s.Control(id); err != nil {
		return nil, 0, err
	}
	var raw [][]byte
	err := s.store.EvidenceRange(id, from, to, func(r storage.EvidenceRecord) error {
		raw = append(raw, r.JSON)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(raw)
	lo, hi := min(page*per, len(raw)), min((page+1)*per, len(raw))
	out := make([]Evidence, 0, hi-lo)
	for _, js := range raw[lo:hi] {
		var e Evidence
		if err := json.Unmarshal(js, &e); err != nil {
			return nil, 0, fmt.Errorf("compliance: evidence of %s: %w", id, err)
		}
		out = append(out, e)
	}
	return out, len(raw), nil
}

// statusCollector exports ward_compliance_control_status from the
// stored evidence at each scrape, so that evidence going stale shows even
// when the checker has stopped.
type statusCollector struct{ s *Service }

var statusDesc = prometheus.NewDesc("ward_compliance_control_status",
	"Whether the compliance control holds: 1 pass, n/a or a valid attestation; 0.5 warn; 0 fail, stale (evidence older than the control's interval) or unattested.",
	[]string{"control"}, nil)

func (c statusCollector) Describe(ch chan<- *prometheus.Desc) { ch <- statusDesc }

func (c statusCollector) Collect(ch chan<- prometheus.Metric) {
	items, err := c.s.Checklist(context.Background())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(statusDesc, err)
		return
	}
	for _, it := range items {
		ch <- prometheus.MustNewConstMetric(statusDesc, prometheus.GaugeValue, it.Gauge(), it.Control.ID)
	}
}
