package alerting

import (
	"context"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/common/model"
)

// ResolveRestored resolves the alerts restored from alerts.json at start
// that ward's own rules raised and whose rule the running configuration
// no longer has (defined reports whether an alerting rule of that name
// is loaded). Nothing would ever refresh such an alert, so it would be
// sent as firing again by the new routing tree (to a receiver that may
// never have heard of it) and stay firing until its EndsAt, four
// minutes or more after the last evaluation. Resolved now, before the first ApplyConfig
// starts the dispatcher, it is never sent as firing; a receiver that was
// told it fired gets one resolved notice, and a receiver that was not
// gets nothing, as Alertmanager's notification log decides.
//
// Alerts posted to /api/v2/alerts by other Prometheus servers are left
// alone: ward cannot know their rules (storedAlert.Ward tells ward's own
// apart). Rules are known by name, as alerts carry no group: an alert
// stays while any rule of its name is loaded, and the rule manager
// resolves it if that rule's condition no longer holds. Only the first
// call does anything: restored alerts are a start-up matter; a rule
// removed by a reload resolves as in Prometheus, when its alerts' EndsAt
// passes.
func (m *Manager) ResolveRestored(defined func(alertname string) bool) int {
	m.mu.Lock()
	restored := m.restored
	m.restored = nil
	m.mu.Unlock()
	now := time.Now()
	var resolved []*alert.Alert
	for _, a := range restored {
		name := string(a.Labels[model.AlertNameLabel])
		if !a.Ward || a.ResolvedAt(now) || defined(name) {
			continue
		}
		r := alert.New(a.Alert.Alert, now, false)
		r.EndsAt = now
		resolved = append(resolved, r)
		m.logger.Info("resolved a restored alert whose rule no longer exists", "alertname", name, "labels", a.Labels.String())
	}
	if len(resolved) > 0 {
		if err := m.alerts.Put(context.Background(), resolved...); err != nil {
			m.logger.Error("resolving restored alerts failed", "err", err)
		}
	}
	return len(resolved)
}
