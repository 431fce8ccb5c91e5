package alerting

import (
	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/common/model"
)

// WatchdogReceivers are the receivers the Watchdog reaches under root, as
// ward routes it (withWatchdogRoute): WatchdogUnrouted alone when no route
// names it (issue 14: the compliance control watchdog-routed).
func WatchdogReceivers(root *amconfig.Route) []string {
	if root == nil {
		return nil
	}
	lbls := model.LabelSet{model.AlertNameLabel: Watchdog, "severity": "none"}
	var out []string
	for _, r := range dispatch.NewRoute(withWatchdogRoute(root), nil).Match(lbls) {
		out = append(out, r.RouteOpts.Receiver)
	}
	return out
}
