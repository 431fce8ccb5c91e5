package alerting

import (
	"strings"

	amconfig "github.com/prometheus/alertmanager/config"
	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// Watchdog is the built-in alert that always fires (rules/builtin
// alerting.yml): a dead man's switch for an outside heartbeat service.
const Watchdog = "Watchdog"

// WatchdogUnrouted is the receiver, without integrations and silent, that
// takes the Watchdog when no route of the config names it.
const WatchdogUnrouted = "watchdog-unrouted"

// withWatchdogRoute returns the routing tree ward runs for root. The
// Watchdog fires all the time by design; sent down the root route it
// would post to the team's channel every repeat_interval, the opposite
// of its purpose. So unless some route in the tree matches it explicitly
// (alertname="Watchdog", or a match_re/=~ regexp spelling the name out),
// a first child route takes it to WatchdogUnrouted, which sends nothing.
// A route that does name it is the user's dead man's switch set-up and
// is left alone (README, "Dead man's switch"). The user's tree is not
// modified: the returned root is a copy.
func withWatchdogRoute(root *amconfig.Route) *amconfig.Route {
	if routesWatchdog(root) {
		return root
	}
	m, err := labels.NewMatcher(labels.MatchEqual, "alertname", Watchdog)
	if err != nil {
		panic(err) // constant, valid
	}
	out := *root
	out.Routes = append([]*amconfig.Route{{Receiver: WatchdogUnrouted, Matchers: amcommoncfg.Matchers{m}}}, root.Routes...)
	return &out
}

// routesWatchdog reports whether a route below root matches the Watchdog
// by name. The root itself matches everything and does not count.
func routesWatchdog(root *amconfig.Route) bool {
	for _, r := range root.Routes {
		for _, m := range r.AllMatchers() {
			if m.Name != "alertname" || !m.Matches(Watchdog) {
				continue
			}
			if m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp && strings.Contains(m.Value, Watchdog) {
				return true
			}
		}
		if routesWatchdog(r) {
			return true
		}
	}
	return false
}
