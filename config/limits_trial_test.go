package config

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/ratelimit"
)

// TestGraphBoardsWithinQueryLimit: a person paging through the graph
// boards never reaches the default api_query limit (trial of issue 13,
// #1): six boards at 30 days, the same at 7 days, then two at 30 days
// again, 2.5 s apart, each board ten panels at one point per pixel of a
// 1,920 px chart plus the alert band, every panel a rate() over 5m.
// One 30-day query still costs clearly more than an up.
func TestGraphBoardsWithinQueryLimit(t *testing.T) {
	p, ok := DefaultLimits().Rates().For("viewer", "api_query")
	if !ok {
		t.Fatal("no api_query class")
	}
	lim := ratelimit.NewBuckets(p, 0)
	now := time.Unix(1_700_000_000, 0)
	day := 24 * time.Hour
	board := func(span time.Duration) (cost int) {
		step := max(int(span.Seconds()/1920), 1)
		v := url.Values{"query": {"rate(node_cpu_seconds_total[5m])"}, "step": {strconv.Itoa(step)},
			"start": {strconv.FormatInt(now.Add(-span).Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}}
		for range 11 {
			c := ratelimit.QueryCost(ratelimit.Range, v, now)
			cost += c
			if d := lim.Take("user:ops", c, now); !d.Allowed {
				t.Fatalf("refused at %s with %d left", now.Format(time.TimeOnly), d.Remaining)
			}
		}
		now = now.Add(2500 * time.Millisecond)
		return cost
	}
	var total int
	for _, span := range []time.Duration{30 * day, 30 * day, 30 * day, 30 * day, 30 * day, 30 * day,
		7 * day, 7 * day, 7 * day, 7 * day, 7 * day, 7 * day, 30 * day, 30 * day} {
		total += board(span)
	}
	t.Logf("14 boards cost %d units in 35 s (burst %d, %d per %s)", total, p.Burst, p.Quota, p.Window)
	month := ratelimit.QueryCost(ratelimit.Range, url.Values{"query": {"up"}, "step": {"3600"},
		"start": {strconv.FormatInt(now.Add(-30*day).Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}}, now)
	if up := ratelimit.QueryCost(ratelimit.Instant, url.Values{"query": {"up"}}, now); month < 5*up {
		t.Errorf("a 30-day query costs %d, an up %d: want at least 5 times", month, up)
	}
}
