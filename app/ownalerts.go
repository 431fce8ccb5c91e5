package app

import (
	"context"
	"time"

	"github.com/ward-monitoring/ward/alerting"
)

// ownAlertsTick is how often ward looks for alerts of its own rules that
// no evaluation will resolve (alerting/ownalerts.go): those of a rule a
// reload removed, or that the first evaluation after a restart found
// inactive. Their RESOLVED goes out at most this late.
const ownAlertsTick = 5 * time.Second

// resolveInactive runs alerting.ResolveInactive on every tick until ctx
// ends. Ward's own firing alerts never expire by time in the alert store:
// they resolve on an evaluation that found them inactive, never because
// an evaluation was late.
func (a *App) resolveInactive(ctx context.Context) error {
	t := time.NewTicker(ownAlertsTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.alerting.ResolveInactive(alerting.RuleState(a.rules.Prometheus().AlertingRules(),
				a.cfg.Load().Prometheus.GlobalConfig.ExternalLabels))
		}
	}
}
