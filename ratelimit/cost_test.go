package ratelimit

import (
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestQueryCost(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		k    QueryKind
		v    url.Values
		want int
	}{
		{"instant up", Instant, url.Values{"query": {"up"}}, 1},
		{"instant rate 5m", Instant, url.Values{"query": {"rate(up[5m])"}}, 1 + 1},
		{"instant count_over_time 30d", Instant, url.Values{"query": {"count_over_time(up[30d])"}}, 1 + 6},
		{"instant subquery 30d", Instant, url.Values{"query": {"max_over_time(up[30d:4m])"}}, 1 + 6},
		{"instant offset 30d", Instant, url.Values{"query": {"up offset 30d"}}, 1 + 6},
		{"nested subqueries 20d+10d", Instant, url.Values{"query": {"max_over_time(rate(up[10d])[20d:1h])"}}, 1 + 6},
		{"instant @ a year back", Instant, url.Values{"query": {"up @ " + unix(-365*day)}}, 1 + 20},
		{"instant unparsable query", Instant, url.Values{"query": {"up[30d"}}, 1},
		{"instant time out of range", Instant, url.Values{"query": {"up"}, "time": {"-1e11"}}, MaxCost},
		{"grafana 6h at 15s", Range, url.Values{"query": {"up"}, "start": {unix(-6 * time.Hour)}, "end": {unix(0)}, "step": {"15"}}, 1 + 1 + 1},
		{"30 days at 1h", Range, url.Values{"query": {"up"}, "start": {unix(-30 * day)}, "end": {unix(0)}, "step": {"1h"}}, 1 + 6 + 0},
		{"30 days at 1m", Range, url.Values{"start": {unix(-30 * day)}, "end": {unix(0)}, "step": {"1m"}}, 1 + 6 + 43},
		{"30 days of rate 5m at 1h", Range, url.Values{"query": {"rate(up[5m])"}, "start": {unix(-30 * day)}, "end": {unix(0)}, "step": {"1h"}}, 1 + 6},
		{"7 days of a 30d window", Range, url.Values{"query": {"max_over_time(up[30d])"}, "start": {unix(-7 * day)}, "end": {unix(0)}, "step": {"1h"}}, 1 + 7 + 0},
		{"rfc3339", Range, url.Values{"start": {"2026-01-01T00:00:00Z"}, "end": {"2026-01-03T00:00:00Z"}, "step": {"1d"}}, 1 + 2},
		{"rfc3339 year 1", Range, url.Values{"start": {"0001-01-01T00:00:00Z"}, "step": {"1d"}}, MaxCost},
		{"start -1e11", Range, url.Values{"query": {"up"}, "start": {"-100000000000"}, "end": {unix(0)}, "step": {"10000000"}}, MaxCost},
		{"no step", Range, url.Values{"start": {unix(-30 * day)}}, 1 + 6},
		{"series unbounded", Lookup, url.Values{"match[]": {"up"}}, 1 + 3},
		{"labels 1h", Lookup, url.Values{"start": {unix(-time.Hour)}}, 2},
		{"end before start", Lookup, url.Values{"start": {unix(0)}, "end": {unix(-time.Hour)}}, 1},
		{"huge", Range, url.Values{"start": {"0"}, "end": {"4e9"}, "step": {"0.001"}}, MaxCost},
		{"garbage", Range, url.Values{"start": {"x"}, "end": {"NaN"}, "step": {"-1"}}, MaxCost},
		{"garbage step", Range, url.Values{"start": {unix(-day)}, "step": {"-1"}}, 1 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := QueryCost(tc.k, tc.v, now); got != tc.want {
				t.Errorf("cost = %d, want %d", got, tc.want)
			}
		})
	}
	up := QueryCost(Instant, url.Values{"query": {"up"}}, now)
	month := QueryCost(Range, url.Values{"query": {"up"}, "start": {unix(-30 * day)}, "end": {unix(0)}, "step": {"1h"}}, now)
	if month < 5*up {
		t.Errorf("a 30-day range query costs %d, under 5 up (%d each)", month, up)
	}
}

// FuzzQueryCost: any form values give a cost in [1, MaxCost], without
// panicking.
func FuzzQueryCost(f *testing.F) {
	f.Add(1, "0", "1e9", "15s", "up")
	f.Add(2, "2026-01-01T00:00:00Z", "", "", "")
	f.Add(1, "-1e300", "1e300", "1e-300", "max_over_time(rate(up[30d] offset -1y)[1000y:1s] @ 1e12)")
	f.Add(0, "", "", "", "count_over_time(up[30d])")
	f.Fuzz(func(t *testing.T, k int, start, end, step, query string) {
		c := QueryCost(QueryKind(k%3), url.Values{"start": {start}, "end": {end}, "step": {step}, "time": {end}, "query": {query}}, time.Unix(1_700_000_000, 0))
		if c < 1 || c > MaxCost {
			t.Fatalf("cost %d outside [1, %d]", c, MaxCost)
		}
	})
}
