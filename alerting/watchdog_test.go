package alerting

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestWatchdogOnlyThroughExplicitRoute: the always-firing Watchdog never
// reaches the root route's receiver (the team's channel); it is delivered
// only where a route names it, as a dead man's switch set-up does.
func TestWatchdogOnlyThroughExplicitRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		routes   string // child routes, indented under route:
		explicit bool
	}{
		{name: "no route names it"},
		{name: "a catch-all child route", routes: "    routes:\n      - receiver: team\n        matchers: ['severity=~\".*\"']\n"},
		{name: "matchers", routes: "    routes:\n      - receiver: heartbeat\n        matchers: ['alertname=\"Watchdog\"']\n        repeat_interval: 1m\n", explicit: true},
		{name: "legacy match", routes: "    routes:\n      - receiver: heartbeat\n        match: {alertname: Watchdog}\n", explicit: true},
		{name: "nested", routes: "    routes:\n      - matchers: ['cluster=\"test\"']\n        routes:\n          - receiver: heartbeat\n            matchers: ['alertname=~\"Watchdog|DeadMansSwitch\"']\n", explicit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			team, heartbeat := newHook(t, http.StatusOK), newHook(t, http.StatusOK)
			dir := t.TempDir()
			p := startPipeline(t, filepath.Join(dir, "alerting"), openState(t, dir), fmt.Sprintf(`  route:
    receiver: team
%s%s  receivers:
    - name: team
      webhook_configs: [{url: %q}]
    - name: heartbeat
      webhook_configs: [{url: %q}]
`, routeTimings, tc.routes, team.srv.URL, heartbeat.srv.URL))

			p.fire("Watchdog", time.Now())
			p.fire("DiskFull", time.Now())
			// Both groups flush at once (group_wait 0s); the Watchdog's
			// came first.
			servicetest.Eventually(t, 30*time.Second, "DiskFull notified to the team", func() bool {
				team.mu.Lock()
				defer team.mu.Unlock()
				return slices.Contains(team.got, "DiskFull")
			})
			if tc.explicit {
				servicetest.Eventually(t, 30*time.Second, "Watchdog at the heartbeat receiver", func() bool { return heartbeat.count() >= 1 })
			}
			// Alertmanager's API shows the group and the receiver it went to.
			want := WatchdogUnrouted
			if tc.explicit {
				want = "heartbeat"
			}
			var groups []struct {
				Labels   map[string]string `json:"labels"`
				Receiver struct {
					Name string `json:"name"`
				} `json:"receiver"`
			}
			if err := json.Unmarshal(p.api(t, http.MethodGet, "/api/v2/alerts/groups", ""), &groups); err != nil {
				t.Fatal(err)
			}
			for _, g := range groups {
				if g.Labels["alertname"] == "Watchdog" && g.Receiver.Name != want {
					t.Errorf("Watchdog grouped for receiver %q, want %q", g.Receiver.Name, want)
				}
			}
			team.mu.Lock()
			defer team.mu.Unlock()
			if slices.Contains(team.got, "Watchdog") {
				t.Errorf("the Watchdog reached the team's receiver: %v", team.got)
			}
			if !tc.explicit && heartbeat.count() != 0 {
				t.Errorf("heartbeat got %d notifications without a route to it", heartbeat.count())
			}
		})
	}
}
