package alerting

import (
	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/silence"
	"github.com/prometheus/common/model"
)

// storeCallback keeps the silencer informed of stored alerts, as
// Alertmanager does, and marks the alert snapshot dirty on every change.
type storeCallback struct {
	silencer *silence.Silencer
	changed  func()
}

var _ mem.AlertStoreCallback = (*storeCallback)(nil)

func (c *storeCallback) PreStore(a *alert.Alert, existing bool) error {
	return c.silencer.PreStore(a, existing)
}

func (c *storeCallback) PostStore(a *alert.Alert, existing bool) {
	c.silencer.PostStore(a, existing)
	c.mark()
}

func (c *storeCallback) PostDelete(a *alert.Alert) {
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
