package alerting

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/common/model"
)

// ownFiringEndsAt is the EndsAt of a firing alert from ward's own rules.
// Alertmanager resolves an alert once its EndsAt passes without a
// refresh; Prometheus sets it to four evaluation intervals (or resend
// delays) ahead, so an evaluation delayed that long (an overloaded host,
// a stalled query) sent RESOLVED for alerts whose condition still held.
// Ward's rule manager and alert store share a process: the store never
// expires ward's own alerts by time. They resolve only when an evaluation
// finds them inactive (the rule manager sends the resolution) or when
// ResolveInactive finds that nothing will (the rule is gone, or an
// evaluation no longer knows the alert, as after a restart). Alerts
// posted by other servers to /api/v2/alerts keep Alertmanager's rules.
// A fixed far date rather than zero: Alertmanager's merge keeps the
// later of two unresolved end times, and zero would lose to any.
var ownFiringEndsAt = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// OwnAlertState is what rule evaluation knows of an alert ward's own rules
// raised (see ResolveInactive).
type OwnAlertState int

const (
	// OwnAlertActive: the rule holds the alert as pending or firing, or
	// no evaluation has finished since the alert was last sent.
	OwnAlertActive OwnAlertState = iota
	// OwnAlertInactive: every rule of the alert's name finished an
	// evaluation that began after the alert was last sent, and none holds it.
	OwnAlertInactive
	// OwnAlertNoRule: no loaded alerting rule has the alert's name.
	OwnAlertNoRule
)

// ResolveInactive resolves the firing alerts of ward's own rules that
// rule evaluation will never resolve: state says, for an alert's labels
// and the time it was last sent, whether an evaluation still holds it.
// Call it after each rule evaluation round or on a short tick, and after a
// reload (the alerts of a removed rule resolve at once). A stalled
// evaluation leaves state at OwnAlertActive, so a delay never resolves an
// alert. It returns the number resolved.
func (m *Manager) ResolveInactive(state func(labels model.LabelSet, sentAt time.Time) OwnAlertState) int {
	own := ownGeneratorPrefix(m.opts.ExternalURL)
	now := time.Now()
	it := m.alerts.GetPending()
	var resolved []*alert.Alert
	for pa := range it.Next() {
		a := pa.Data
		if a.Resolved() || !m.isOwn(a, own) {
			continue
		}
		if state(a.Labels, a.UpdatedAt) == OwnAlertActive {
			continue
		}
		// Stamped with the version judged, not now: a firing alert the
		// rule sends in between is newer and wins the store's merge.
		r := alert.New(a.Alert, a.UpdatedAt, false)
		r.EndsAt = now
		resolved = append(resolved, r)
	}
	it.Close()
	if len(resolved) == 0 {
		return 0
	}
	for _, r := range resolved {
		m.logger.Info("resolved an alert that rule evaluation no longer holds", "alertname", r.Name(), "labels", r.Labels.String())
	}
	if err := m.alerts.Put(context.Background(), resolved...); err != nil {
		m.logger.Error("resolving alerts failed", "err", err)
	}
	return len(resolved)
}

// isOwn tells ward's own alerts by their generator URL, or, for alerts
// restored at start, by the mark they were stored with (the external URL
// may have changed since).
func (m *Manager) isOwn(a *alert.Alert, prefix string) bool {
	if prefix != "" && strings.HasPrefix(a.GeneratorURL, prefix) {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.restoredOwn[a.Fingerprint()]
}

// ownEndsAt is the EndsAt NotifyFunc gives an alert from ward's rules.
func ownEndsAt(resolvedAt time.Time) time.Time {
	if !resolvedAt.IsZero() {
		return resolvedAt
	}
	return ownFiringEndsAt
}

// restoredOwnSet records which restored alerts were ward's own.
func restoredOwnSet(restored []storedAlert) map[model.Fingerprint]bool {
	out := map[model.Fingerprint]bool{}
	for _, a := range restored {
		if a.Ward {
			out[a.Fingerprint()] = true
		}
	}
	return out
}
