package ui

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/errkind"
)

// targetPool is one scrape job and its targets.
type targetPool struct {
	Job             string
	Targets         []targetRow
	Up, Down, Other int
}

// targetRow is one target as /targets shows it.
type targetRow struct {
	Instance string
	URL      string
	// Health is "up", "down" or "unknown" (not scraped yet).
	Health     string
	LastScrape time.Time
	Duration   time.Duration
	Error      string
	// Series is how many samples its last scrape gave; negative when
	// unknown.
	Series float64
	// History, for a down target: "went down" when it was up since ward
	// started (or within historyWindow), "never up" otherwise.
	History string
}

// maxTargetsShown bounds the targets one page lists; the counts cover
// all of them.
const maxTargetsShown = 2000

// historyWindow bounds how far back /targets looks for a down target's
// last success, so that the query stays small after a long uptime.
const historyWindow = 6 * time.Hour

// targetStates are the values of ?state=.
var targetStates = map[string]bool{"": true, "up": true, "down": true, "unknown": true}

var errTargetState = errkind.New(errkind.Malformed, "ui: bad targets state", "state: want up, down or unknown")

// targetsPage serves GET /targets[?state=up|down|unknown].
func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if !targetStates[state] {
		s.fail(w, r, errTargetState)
		return
	}
	now := s.now()
	pools := s.targetList(now)
	s.annotateTargets(r.Context(), now, pools)
	total, shown := 0, 0
	var out []targetPool
	for _, p := range pools {
		total += len(p.Targets)
		keep := p
		keep.Targets = nil
		for _, t := range p.Targets {
			if state != "" && t.Health != state {
				continue
			}
			if shown < maxTargetsShown {
				keep.Targets = append(keep.Targets, t)
				shown++
			}
		}
		if state == "" || len(keep.Targets) > 0 {
			out = append(out, keep)
		}
	}
	p := s.page(r, "Targets")
	p.Live = true
	s.render(w, r, http.StatusOK, targetsPageView(p, targetsView{Now: now, State: state, Pools: out, Total: total, Shown: shown}))
}

type targetsView struct {
	Now          time.Time
	State        string
	Pools        []targetPool
	Total, Shown int
}

// targetList reads the scrape manager's active targets, by job name and
// instance.
func (s *Server) targetList(time.Time) []targetPool {
	if s.deps.Targets == nil {
		return nil
	}
	active := s.deps.Targets.TargetsActive()
	pools := make([]targetPool, 0, len(active))
	b := labels.NewBuilder(labels.EmptyLabels())
	for job, ts := range active {
		p := targetPool{Job: job, Targets: make([]targetRow, 0, len(ts))}
		for _, t := range ts {
			row := targetRow{
				Instance: t.Labels(b).Get(model.InstanceLabel), URL: t.URL().String(),
				Health: string(t.Health()), LastScrape: t.LastScrape(), Duration: t.LastScrapeDuration(), Series: -1,
			}
			if err := t.LastError(); err != nil {
				row.Error = clip(err.Error(), 512)
			}
			switch row.Health {
			case "up":
				p.Up++
			case "down":
				p.Down++
			default:
				p.Other++
			}
			p.Targets = append(p.Targets, row)
		}
		sort.Slice(p.Targets, func(i, j int) bool { return p.Targets[i].Instance < p.Targets[j].Instance })
		pools = append(pools, p)
	}
	sort.Slice(pools, func(i, j int) bool { return pools[i].Job < pools[j].Job })
	return pools
}

// annotateTargets adds what the TSDB knows: each target's series count
// (scrape_samples_scraped) and, for down targets, whether they were up
// since ward started.
func (s *Server) annotateTargets(ctx context.Context, now time.Time, pools []targetPool) {
	type key struct{ job, instance string }
	series := map[key]float64{}
	if vec, err := s.instant(ctx, "scrape_samples_scraped", now); err == nil {
		for _, smp := range vec {
			series[key{smp.Metric.Get("job"), smp.Metric.Get("instance")}] = smp.F
		}
	}
	anyDown := false
	for _, p := range pools {
		anyDown = anyDown || p.Down > 0
	}
	wasUp := map[key]bool{}
	window := historyWindow
	if anyDown {
		if s.deps.Status != nil {
			if since := now.Sub(s.deps.Status().Started); since > 0 && since < window {
				window = since
			}
		}
		window = max(window.Round(time.Second), time.Second)
		expr := fmt.Sprintf("max by (job, instance) (max_over_time(up[%s]))", model.Duration(window))
		if vec, err := s.instant(ctx, expr, now); err == nil {
			for _, smp := range vec {
				wasUp[key{smp.Metric.Get("job"), smp.Metric.Get("instance")}] = smp.F == 1
			}
		}
	}
	for i := range pools {
		for j := range pools[i].Targets {
			t := &pools[i].Targets[j]
			k := key{pools[i].Job, t.Instance}
			if v, ok := series[k]; ok {
				t.Series = v
			}
			if t.Health != "down" {
				continue
			}
			switch {
			case wasUp[k]:
				t.History = "went down"
			case window < historyWindow:
				t.History = "never up since ward started"
			default:
				t.History = "not up in the last " + model.Duration(historyWindow).String()
			}
		}
	}
}
