package graphdata

import (
	"strings"
	"testing"
	"time"
)

func TestBlockRangesAreCompactorAligned(t *testing.T) {
	end := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	rs := blockRanges(end.Add(-7*24*time.Hour), end)
	if rs[0][0] != end.Add(-7*24*time.Hour).UnixMilli() || rs[len(rs)-1][1] != end.UnixMilli() {
		t.Fatalf("ranges %v do not cover the week", rs)
	}
	for i, r := range rs {
		if r[0]/compactRange != (r[1]-1)/compactRange {
			t.Errorf("range %d %v crosses a 54h boundary", i, r)
		}
		if i > 0 && rs[i-1][1] != r[0] {
			t.Errorf("gap before range %d", i)
		}
	}
}

func TestFleetSize(t *testing.T) {
	f := Fleet(1000)
	if len(f) != 1000 {
		t.Fatalf("%d series", len(f))
	}
	seen := map[string]bool{}
	for _, s := range Fleet(100_000) {
		k := s.Labels.String()
		if seen[k] {
			t.Fatalf("duplicate series %s", k)
		}
		seen[k] = true
	}
}

func TestOnlyHostsAreNodeExporter(t *testing.T) {
	for _, s := range Fleet(20_000) {
		if n := s.Labels.Get("__name__"); strings.HasPrefix(n, "node_") {
			t.Fatalf("fleet series %s would be drawn by the host board", s.Labels)
		}
	}
	hosts := Hosts(2)
	if len(hosts) < 300 {
		t.Fatalf("%d host series", len(hosts))
	}
	for _, s := range hosts {
		if n := s.Labels.Get("__name__"); n != "up" && !strings.HasPrefix(n, "node_") {
			t.Fatalf("host series %s", s.Labels)
		}
	}
}
