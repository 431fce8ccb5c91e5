package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/rules"
)

// health is ward's health report, which /health/ renders: every check
// and ward's own parts.
func (a *App) health(ctx context.Context) checks.Health {
	return a.checks.Health(ctx, []checks.Component{
		tsdbHealth{db: a.db, cfg: a.cfg.Load},
		rulesHealth{rules: a.rules},
		notifierHealth{alerting: a.alerting},
	})
}

// ward's own parts as the health report covers them. Each reads state the part
// already has; none probes on request.

// tsdbHealth: the TSDB is writable when the newest sample in the head is
// recent. ward scrapes itself, so a healthy ward always appends.
type tsdbHealth struct {
	db  *tsdb.DB
	cfg func() *config.Config
}

func (h tsdbHealth) Name() string { return "tsdb" }

func (h tsdbHealth) Healthy(context.Context) error {
	limit := 3*time.Duration(h.cfg().Prometheus.GlobalConfig.ScrapeInterval) + 30*time.Second
	newest := time.UnixMilli(h.db.Head().MaxTime())
	if h.db.Head().NumSeries() == 0 || time.Since(newest) > limit {
		return fmt.Errorf("no sample appended for over %s", limit.Round(time.Second))
	}
	return nil
}

// rulesHealth: rule evaluation runs when every group evaluated within
// three of its intervals.
type rulesHealth struct{ rules *rules.Manager }

func (h rulesHealth) Name() string { return "rule_evaluation" }

func (h rulesHealth) Healthy(context.Context) error {
	for _, g := range h.rules.Prometheus().RuleGroups() {
		last := g.GetLastEvaluation()
		if last.IsZero() {
			continue // not due yet
		}
		if time.Since(last) > 3*g.Interval()+10*time.Second {
			return fmt.Errorf("group %s last evaluated %s ago", g.Name(), time.Since(last).Round(time.Second))
		}
	}
	return nil
}

// notifierHealth: notifications get out unless a receiver has been
// failing for longer than the default fallback delay.
type notifierHealth struct{ alerting *alerting.Manager }

func (h notifierHealth) Name() string { return "notifier" }

func (h notifierHealth) Healthy(context.Context) error {
	return h.alerting.Healthy(5 * time.Minute)
}

var (
	_ checks.Component = tsdbHealth{}
	_ checks.Component = rulesHealth{}
	_ checks.Component = notifierHealth{}
)
