package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestGroupsAndSilences: Groups returns the dispatcher's groups with
// their receiver, filtered by matchers and marked silenced as predicted
// now; Silences lists silences by state with their matchers.
func TestGroupsAndSilences(t *testing.T) {
	t.Parallel()
	team, db := newHook(t, http.StatusOK), newHook(t, http.StatusOK)
	dir := t.TempDir()
	p := startPipeline(t, filepath.Join(dir, "alerting"), openState(t, dir), fmt.Sprintf(`  route:
    receiver: team
%s    routes:
      - matchers: ['alertname="DBDown"']
        receiver: db
        continue: true
      - matchers: ['severity="critical"']
        receiver: team
  receivers:
    - name: team
      webhook_configs: [{url: %q}]
    - name: db
      webhook_configs: [{url: %q}]
`, routeTimings, team.srv.URL, db.srv.URL))

	p.fire("DBDown", time.Now())
	p.fire("DiskFull", time.Now())
	all := func(ms ...*labels.Matcher) ([]GroupView, int) {
		t.Helper()
		gs, total, err := p.m.Groups(context.Background(), ms, 0)
		if err != nil {
			t.Fatal(err)
		}
		return gs, total
	}
	servicetest.Eventually(t, 10*time.Second, "both alerts grouped", func() bool {
		_, total := all()
		return total == 3 // DBDown in db's group and, continuing, in team's
	})
	gs, _ := all()
	var got []string
	for _, g := range gs {
		for _, a := range g.Alerts {
			got = append(got, g.Receiver+"/"+string(g.Labels["alertname"])+"/"+string(a.Labels["alertname"]))
		}
	}
	if want := []string{"db/DBDown/DBDown", "team/DBDown/DBDown", "team/DiskFull/DiskFull"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groups %q, want %q", got, want)
	}

	eq, _ := labels.NewMatcher(labels.MatchEqual, "alertname", "DiskFull")
	if gs, total := all(eq); total != 1 || len(gs) != 1 || gs[0].Alerts[0].Labels["alertname"] != "DiskFull" {
		t.Errorf("filtered: %d alerts in %+v", total, gs)
	}
	if _, total, _ := p.m.Groups(context.Background(), nil, 2); total != 3 {
		t.Errorf("limited total %d, want 3", total)
	}
	if gs, _, _ := p.m.Groups(context.Background(), nil, 2); len(gs) != 2 {
		t.Errorf("limit 2 left %d groups", len(gs))
	}

	now := time.Now().UTC()
	body := p.api(t, "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"DiskFull","isRegex":false,"isEqual":true}],`+
		`"startsAt":%q,"endsAt":%q,"createdBy":"ops","comment":"disk swap"}`, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	var created struct{ SilenceID string }
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	p.api(t, "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Later","isRegex":false,"isEqual":true}],`+
		`"startsAt":%q,"endsAt":%q,"createdBy":"ops","comment":"tomorrow"}`, now.Add(24*time.Hour).Format(time.RFC3339), now.Add(25*time.Hour).Format(time.RFC3339)))

	gs, _ = all(eq)
	if len(gs) != 1 || fmt.Sprint(gs[0].Alerts[0].SilencedBy) != "["+created.SilenceID+"]" {
		t.Errorf("DiskFull not marked silenced by %s: %+v", created.SilenceID, gs)
	}
	sils, totals, err := p.m.Silences(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sils) != 2 || totals["active"] != 1 || totals["pending"] != 1 {
		t.Fatalf("silences %+v, totals %v", sils, totals)
	}
	if s := sils[0]; s.ID != created.SilenceID || s.State != "active" || s.Matchers.String() != `{alertname="DiskFull"}` || s.CreatedBy != "ops" || s.Comment != "disk swap" {
		t.Errorf("first silence %+v", s)
	}
	if s := sils[1]; s.State != "pending" || s.Matchers.String() != `{alertname="Later"}` {
		t.Errorf("second silence %+v", s)
	}
	if one, ok := p.m.Silence(context.Background(), created.SilenceID); !ok || one.ID != created.SilenceID {
		t.Errorf("Silence(%s) = %+v, %v", created.SilenceID, one, ok)
	}
	if _, ok := p.m.Silence(context.Background(), "7a1c0ee6-9f0d-4a8e-9f5e-3c3c2b6f8d11"); ok {
		t.Error("an unknown silence was found")
	}
}
