package alerting

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/alertmanager/timeinterval"

	"github.com/ward-monitoring/ward/config"
)

// ApplyConfig builds the routing tree, receivers and pipeline for cfg and
// swaps them in. Everything that can fail happens before the running
// pipeline is touched, so a rejected config leaves it as it was.
func (m *Manager) ApplyConfig(cfg *config.Alerting) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	conf := cfg.Alertmanager

	tmpl, err := m.template(conf)
	if err != nil {
		return err
	}
	routes := dispatch.NewRoute(withWatchdogRoute(conf.Route), nil)
	active := map[string]bool{}
	routes.Walk(func(r *dispatch.Route) { active[r.RouteOpts.Receiver] = true })
	for _, fb := range cfg.Fallbacks {
		active[fb.Receiver] = true
	}
	receivers := make(map[string][]notify.Integration, len(active))
	for _, rcv := range conf.Receivers {
		if !active[rcv.Name] {
			continue
		}
		ints, err := m.integrations(rcv, tmpl)
		if err != nil {
			return fmt.Errorf("alerting: receiver %q: %w", rcv.Name, err)
		}
		receivers[rcv.Name] = ints
	}
	if active[WatchdogUnrouted] && receivers[WatchdogUnrouted] == nil {
		receivers[WatchdogUnrouted] = []notify.Integration{} // sends nothing
	}
	intervals := make(map[string][]timeinterval.TimeInterval, len(conf.MuteTimeIntervals)+len(conf.TimeIntervals))
	for _, ti := range conf.MuteTimeIntervals {
		intervals[ti.Name] = ti.TimeIntervals
	}
	for _, ti := range conf.TimeIntervals {
		intervals[ti.Name] = ti.TimeIntervals
	}
	intervener := timeinterval.NewIntervener(intervals)

	// From here on nothing fails: stop the old pipeline, start the new.
	if old := m.inhibitor.Load(); old != nil {
		old.Stop()
	}
	if old := m.dispatcher.Load(); old != nil {
		old.Stop()
	}
	inhibitRules := append(slices.Clip(conf.InhibitRules), cfg.BuiltinInhibitRules...)
	inhibitor := inhibit.NewInhibitor(m.alerts, inhibitRules, m.logger, m.recorder)
	var peer notify.Peer // no cluster: must stay an untyped nil
	stages := m.pipelineBuilder.New(receivers, func() time.Duration { return 0 }, inhibitor, m.silencer, intervener, m.nflog, peer)
	for from, fb := range cfg.Fallbacks {
		if primary, ok := stages[from]; ok {
			stages[from] = m.fallbacks.stage(from, fb, primary, stages[fb.Receiver], m.logger)
		}
	}
	mutes := mutesFunc(func(ctx context.Context, ls labelset.LabelSet) {
		inhibitor.Mutes(ctx, ls)
		m.silencer.Mutes(ctx, ls)
	})
	m.api.Update(conf, mutes)
	d := dispatch.NewDispatcher(m.alerts, routes, stages, intervener, notifyTimeout, 30*time.Second, m.limits, m.logger, m.recorder, m.dispatcherMetrics, tmpl)

	go inhibitor.Run()
	inhibitor.WaitForLoading()
	m.inhibitor.Store(inhibitor)
	m.mutes.Store(&mutes)
	go d.Run(m.started)
	d.WaitForLoading()
	m.dispatcher.Store(d)
	m.current.Store(cfg)
	return nil
}

// notifyTimeout bounds one flush of a group, retries included, as
// Alertmanager does: the group interval, at least notify.MinTimeout.
func notifyTimeout(d time.Duration) time.Duration {
	if d < notify.MinTimeout {
		return notify.MinTimeout
	}
	return d
}

func (m *Manager) template(conf *amconfig.Config) (*template.Template, error) {
	return newTemplate(conf, m.opts.ExternalURL)
}

// newTemplate parses the config's notification templates; links in them
// point at externalURL.
func newTemplate(conf *amconfig.Config, externalURL *url.URL) (*template.Template, error) {
	tmpl, err := template.FromGlobs(conf.Templates)
	if err != nil {
		return nil, fmt.Errorf("alerting: templates: %w", err)
	}
	tmpl.ExternalURL = externalURL
	return tmpl, nil
}
