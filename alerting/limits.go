package alerting

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/common/model"
)

// Limits bound what the alert pipeline holds, so that a flood of alerts
// (a runaway rule, a misbehaving sender, a stolen operator token) costs a
// bounded amount of memory rather than ward itself. They are constants of
// the binary, not keys of the `alerting:` section: that section is
// Alertmanager's own configuration format, and the store they bound is
// built once at start, not on each reload.
type Limits struct {
	// MaxAlerts bounds the alerts the store holds, firing and resolved
	// alike until the store's garbage collection drops the resolved ones.
	// Alertmanager has no such limit; ward enforces it in the store's
	// callback, where Alertmanager leaves room for one (Mimir does the
	// same).
	MaxAlerts int
	// MaxAlertsPerName is Alertmanager's --alerts.per-alertname-limit:
	// one runaway rule cannot take every slot from the others.
	// Alertmanager drops the excess and counts it in
	// alertmanager_alerts_limited_total.
	MaxAlertsPerName int
	// MaxAggregationGroups is the dispatcher's limit (dispatch.Limits):
	// each group is a goroutine with its own timer. Alerts that would
	// open a group past it are not notified; Alertmanager logs them and
	// counts them in alertmanager_dispatcher_aggregation_group_limit_reached_total.
	MaxAggregationGroups int
}

// DefaultLimits are ward's limits. A stored alert with ten labels and a
// 200-byte annotation costs 1.8 to 2.6 KiB of heap across the store, the
// dispatcher's groups and the markers (BenchmarkAlertMemory), so 20,000
// alerts cost about 50 MiB, plus as much again while the alert snapshot
// is written: several times what a ward-sized installation fires in its
// worst incident, and far below what kills the process. Alertmanager's
// per-alertname limit is off by default; ward lets one alertname take at
// most a quarter of the store. Aggregation groups, each a goroutine and
// a timer, are bounded at the same number: a route grouping every alert
// apart ('...') still notifies 5,000 of them.
func DefaultLimits() Limits {
	return Limits{
		MaxAlerts:            20_000,
		MaxAlertsPerName:     5_000,
		MaxAggregationGroups: 5_000,
	}
}

func (l Limits) validate() error {
	var errs []error
	for name, v := range map[string]int{"MaxAlerts": l.MaxAlerts, "MaxAlertsPerName": l.MaxAlertsPerName, "MaxAggregationGroups": l.MaxAggregationGroups} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("alerting: limits.%s: must be > 0, got %d", name, v))
		}
	}
	return errors.Join(errs...)
}

// MaxNumberOfAggregationGroups implements dispatch.Limits.
func (l Limits) MaxNumberOfAggregationGroups() int { return l.MaxAggregationGroups }

var _ dispatch.Limits = Limits{}

// ErrAlertLimit is returned for alerts that would pass one of the
// alert store's limits.
var ErrAlertLimit = errors.New("alerting: alert limit reached")

// alertCounts follows how many alerts the store holds, in total and per
// alertname, from the store's callbacks.
type alertCounts struct {
	mu     sync.Mutex
	total  int
	byName map[string]int
}

func newAlertCounts() *alertCounts { return &alertCounts{byName: map[string]int{}} }

func (c *alertCounts) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	c.byName[name]++
}

func (c *alertCounts) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.byName[name]--; c.byName[name] <= 0 {
		delete(c.byName, name)
	}
}

func (c *alertCounts) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// admit reports whether n more alerts, newByName of them per alertname,
// fit within l.
func (c *alertCounts) admit(n int, newByName map[string]int, l Limits) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total+n > l.MaxAlerts {
		return fmt.Errorf("%w: ward holds %d alerts and this post adds %d new ones; the limit is %d alerts (resolved alerts free their place when they are collected)",
			ErrAlertLimit, c.total, n, l.MaxAlerts)
	}
	for name, k := range newByName {
		if held := c.byName[name]; held+k > l.MaxAlertsPerName {
			return fmt.Errorf("%w: alertname %q has %d alerts and this post adds %d new ones; the limit is %d alerts per alertname",
				ErrAlertLimit, name, held, k, l.MaxAlertsPerName)
		}
	}
	return nil
}

// AdmitAlerts reports, with ErrAlertLimit, whether alerts with these label
// sets would pass the store's limits. Alerts the store already holds
// take no new place. The store enforces MaxAlerts itself and
// Alertmanager MaxAlertsPerName; this check lets the API refuse a post
// with a reason instead of Alertmanager dropping its alerts silently.
func (m *Manager) AdmitAlerts(sets []model.LabelSet) error {
	seen := make(map[model.Fingerprint]bool, len(sets))
	newByName := map[string]int{}
	n := 0
	for _, ls := range sets {
		fp := ls.Fingerprint()
		if seen[fp] {
			continue
		}
		seen[fp] = true
		if _, err := m.alerts.Get(fp); err == nil {
			continue
		}
		n++
		newByName[string(ls[model.AlertNameLabel])]++
	}
	return m.counts.admit(n, newByName, m.limits)
}
