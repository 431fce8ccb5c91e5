package alerting

import (
	"fmt"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/silence"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
)

// storeCallback keeps the silencer informed of stored alerts, as
// Alertmanager does, marks the alert snapshot dirty on every change, and
// holds the store to Limits.MaxAlerts.
type storeCallback struct {
	silencer *silence.Silencer
	changed  func()
	limit    int
	counts   *alertCounts
	refused  prometheus.Counter
}

var _ mem.AlertStoreCallback = (*storeCallback)(nil)

// PreStore refuses a new alert when the store is full. The store calls it
// under its lock, so the count cannot pass the limit between check and
// store; alerts it already holds are always updated.
func (c *storeCallback) PreStore(a *alert.Alert, existing bool) error {
	if !existing {
		if held := c.counts.held(); held >= c.limit {
			c.refused.Inc()
			return fmt.Errorf("%w: the store holds %d alerts", ErrAlertLimit, held)
		}
	}
	return c.silencer.PreStore(a, existing)
}

func (c *storeCallback) PostStore(a *alert.Alert, existing bool) {
	if !existing {
		c.counts.add(a.Name())
	}
	c.silencer.PostStore(a, existing)
	c.mark()
}

func (c *storeCallback) PostDelete(a *alert.Alert) {
	c.counts.remove(a.Name())
	c.silencer.PostDelete(a)
	c.mark()
}

func (c *storeCallback) PostGC(fps model.Fingerprints) {
	c.silencer.PostGC(fps)
	c.mark()
}

func (c *storeCallback) mark() {
	if c.changed != nil {
		c.changed()
	}
}
