package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"time"
)

// The breakdown of each random-phase trial: kill -> the failed scrape (the
// timestamp of the stack's first up == 0 sample after the kill, which is
// the scrape's start) -> the evaluation that made the alert active
// (activeAt) -> Slack. The scrape wait depends only on the kill's phase
// within the target's scrape schedule, and is uniform over the interval
// for both stacks; what a stack adds after it is its own.

// failedScrapes returns, per bench_id, the timestamps of the up == 0
// samples of job trial over the last span.
func (c *apiClient) failedScrapes(ctx context.Context, span time.Duration) (map[string][]time.Time, error) {
	var doc struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	}
	q := url.Values{"query": {fmt.Sprintf(`up{job="trial"}[%ds]`, int(math.Ceil(span.Seconds())))}}
	if err := c.get(ctx, "/api/v1/query?"+q.Encode(), &doc); err != nil {
		return nil, err
	}
	out := map[string][]time.Time{}
	for _, r := range doc.Result {
		id := r.Metric["bench_id"]
		for _, v := range r.Values {
			ts, _ := v[0].(float64)
			s, _ := v[1].(string)
			if f, err := strconv.ParseFloat(s, 64); err == nil && f == 0 {
				out[id] = append(out[id], time.UnixMilli(int64(math.Round(ts*1000))))
			}
		}
	}
	return out, nil
}

// firstAfter is the first of ts at or after t (scrape timestamps are in
// milliseconds), or nil.
func firstAfter(ts []time.Time, t time.Time) *time.Time {
	t = t.Truncate(time.Millisecond)
	for _, x := range ts {
		if !x.Before(t) {
			return &x
		}
	}
	return nil
}

// breakdown fills each trial's failed-scrape times for stack s and
// returns kill -> scrape and scrape -> evaluation summaries.
func breakdown(ctx context.Context, res *randomResult, s stackAPI, start time.Time) (toScrape, scrapeToEval summary) {
	failed, err := s.api.failedScrapes(ctx, time.Since(start)+time.Minute)
	if err != nil {
		logf("%s: no up samples: %v", s.name, err)
		return
	}
	var a, b []float64
	for i := range res.Trials {
		tr := &res.Trials[i]
		f := firstAfter(failed[tr.ID], tr.Kill)
		if f == nil {
			continue
		}
		if tr.FailedScrape == nil {
			tr.FailedScrape = map[string]*time.Time{}
		}
		tr.FailedScrape[s.name] = f
		a = append(a, f.Sub(tr.Kill).Seconds())
		if act := tr.ActiveAt[s.name]; act != nil {
			b = append(b, act.Sub(*f).Seconds())
		}
	}
	return summarize(a), summarize(b)
}

// printTrials prints each trial's kill -> scrape, -> evaluation and ->
// Slack, in seconds from the kill, for both stacks.
func printTrials(w io.Writer, r randomResult) {
	fmt.Fprintf(w, "  %-6s %27s   %27s\n", "trial", "ward: scrape  eval  slack", "stack: scrape  eval  slack")
	at := func(t *time.Time, kill time.Time) string {
		if t == nil {
			return "     -"
		}
		return fmt.Sprintf("%6.2f", t.Sub(kill).Seconds())
	}
	for _, tr := range r.Trials {
		fmt.Fprintf(w, "  %-6s", tr.ID)
		for _, s := range []string{"ward", "stack"} {
			fmt.Fprintf(w, "       %s%s %6.2f", at(tr.FailedScrape[s], tr.Kill), at(tr.ActiveAt[s], tr.Kill), tr.LatencyS[s])
		}
		fmt.Fprintln(w)
	}
}
