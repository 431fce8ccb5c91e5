package compliance

import (
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// TestReservedIDs: config refuses manual controls named like a built-in
// one from its own copy of the ids; the copies must agree.
func TestReservedIDs(t *testing.T) {
	if got := BuiltinIDs(); !slices.Equal(got, config.ReservedControlIDs) {
		t.Errorf("built-in ids %v, config.ReservedControlIDs %v", got, config.ReservedControlIDs)
	}
	for _, id := range IdentityControls {
		if !slices.Contains(BuiltinIDs(), id) {
			t.Errorf("identity control %q is no built-in control", id)
		}
	}
}

// TestEffectiveStatus: evidence counts as stale once older than its
// interval and the grace; stale, fail and unattested are 0, warn 0.5.
func TestEffectiveStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := Control{ID: "x", Interval: time.Hour}
	for _, tt := range []struct {
		ev    *Evidence
		want  Status
		gauge float64
	}{
		{nil, Stale, 0},
		{&Evidence{Status: Pass, Checked: now.Add(-time.Hour)}, Pass, 1},
		{&Evidence{Status: Pass, Checked: now.Add(-time.Hour - staleGrace - time.Second)}, Stale, 0},
		{&Evidence{Status: Warn, Checked: now}, Warn, 0.5},
		{&Evidence{Status: NA, Checked: now}, NA, 1},
		{&Evidence{Status: Manual, Checked: now}, Manual, 1},
		{&Evidence{Status: Fail, Checked: now}, Fail, 0},
	} {
		got := effective(c, tt.ev, now)
		if got != tt.want || (Item{Status: got}).Gauge() != tt.gauge {
			t.Errorf("%+v: %s (%g), want %s (%g)", tt.ev, got, (Item{Status: got}).Gauge(), tt.want, tt.gauge)
		}
	}
}

func TestDays(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", 30 * 24 * time.Hour: "30d", 47 * time.Hour: "1d23h", 90 * time.Second: "1m30s",
	} {
		if got := days(d); got != want {
			t.Errorf("days(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestSummarizeKeepsNAAndAttestedApart: n/a and attested controls are
// not counted as passing checks.
func TestSummarizeKeepsNAAndAttestedApart(t *testing.T) {
	var items []Item
	for _, st := range []Status{Pass, Pass, NA, Manual, Warn, Fail, Stale} {
		items = append(items, Item{Status: st})
	}
	want := Summary{Pass: 2, NA: 1, Attested: 1, Warn: 1, Failing: 2, Total: 7}
	if got := Summarize(items); got != want {
		t.Errorf("Summarize: %+v, want %+v", got, want)
	}
}
