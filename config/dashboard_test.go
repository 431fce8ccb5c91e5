package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/dashboard"
)

func TestDashboardSection(t *testing.T) {
	empty, err := Load(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(empty.Dashboard.Refresh) != 30*time.Second || len(empty.Dashboard.Panels) != 0 {
		t.Errorf("no dashboard section: %+v, want refresh 30s and no panels", empty.Dashboard)
	}
	example, err := LoadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if example.Dashboard.Refresh != DefaultDashboard().Refresh {
		t.Errorf("example refresh %v differs from the default", example.Dashboard.Refresh)
	}

	doc := `
dashboard:
  refresh: 5s
  panels:
    - board: host
      id: entropy
      title: Entropy
      expr: node_entropy_available_bits
    - board: queues
      id: depth
      title: Queue depth
      expr: sum by (queue) (celery_queue_length)
      thresholds: [QueueBacklog]
      note: Only queues with waiting tasks have a series.
`
	cfg, err := Load([]byte(doc), "user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.String(); !strings.Contains(s, "dashboard:\n  refresh: 5s\n  panels:\n  - board: host") {
		t.Errorf("printed config lacks the dashboard section:\n%s", s)
	}
	boards, err := cfg.Dashboard.Boards()
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := dashboard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	host, _ := dashboard.Find(boards, "host")
	builtinHost, _ := dashboard.Find(builtin, "host")
	if len(host.Panels) != len(builtinHost.Panels)+1 {
		t.Fatalf("host has %d panels, want the built-in %d plus one", len(host.Panels), len(builtinHost.Panels))
	}
	if last := host.Panels[len(host.Panels)-1]; last.ID != "entropy" || last.Source != "user.yaml:5" {
		t.Errorf("appended panel %+v, want entropy from user.yaml:5", last)
	}
	queues, ok := dashboard.Find(boards, "queues")
	if !ok || len(queues.Panels) != 1 || queues.Panels[0].Source != "user.yaml:9" || queues.Title != "queues" ||
		queues.Panels[0].Note != "Only queues with waiting tasks have a series." {
		t.Errorf("new board: %+v", queues)
	}
	if len(boards) != len(builtin)+1 {
		t.Errorf("%d boards, want %d", len(boards), len(builtin)+1)
	}

	// A threshold rule is checked once the rules are known.
	err = cfg.CheckThresholds(func(n string) bool { return n == "HostHighCPU" })
	if err == nil || err.Error() != `user.yaml:13:20: dashboard.panels[1].thresholds[0]: no alerting rule named "QueueBacklog" is loaded` {
		t.Errorf("unknown rule: %v", err)
	}
	if err := cfg.CheckThresholds(func(n string) bool { return n == "QueueBacklog" }); err != nil {
		t.Errorf("known rule: %v", err)
	}
	disabled, err := Load([]byte(doc+"rules:\n  disable: [QueueBacklog]\n"), "user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := disabled.CheckThresholds(func(string) bool { return false }); err != nil {
		t.Errorf("a disabled rule draws no line but is no error: %v", err)
	}
}

func TestDashboardBounds(t *testing.T) {
	for _, tc := range []struct {
		refresh time.Duration
		ok      bool
	}{{5 * time.Second, true}, {time.Hour, true}, {4 * time.Second, false}, {61 * time.Minute, false}} {
		_, err := Load([]byte(fmt.Sprintf("dashboard: {refresh: %ds}\n", int(tc.refresh.Seconds()))), "r.yaml")
		if (err == nil) != tc.ok {
			t.Errorf("refresh %v: %v, want ok=%v", tc.refresh, err, tc.ok)
		}
	}
	var b strings.Builder
	b.WriteString("dashboard:\n  panels:\n")
	for i := range maxDashboardPanels + 1 {
		fmt.Fprintf(&b, "    - {board: b%d, id: p, title: P, expr: up}\n", i)
	}
	_, err := Load([]byte(b.String()), "many.yaml")
	if err == nil || !strings.Contains(err.Error(), "many.yaml:3:5: dashboard.panels: at most 50 panels, got 51") {
		t.Errorf("51 panels: %v", err)
	}
	b.Reset()
	b.WriteString("dashboard:\n  panels:\n")
	for i := range maxBoardPanels {
		fmt.Fprintf(&b, "    - {board: host, id: p%d, title: P, expr: up}\n", i)
	}
	_, err = Load([]byte(b.String()), "full.yaml")
	if err == nil || !strings.Contains(err.Error(), `dashboard.panels[25].board: board "host" would have more than 30 panels`) {
		t.Errorf("a full board: %v", err)
	}
}
