package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// forRule holds its alert pending for 30 s: long enough to stop ward part
// way, short enough for a test.
const forRule = `groups:
  - name: test
    rules:
      - alert: ValueHigh
        expr: test_value > 0
        for: 30s
        labels: {severity: critical}
        annotations: {summary: "value is {{ $value }}"}
`

const forHold = 30 * time.Second

// apiAlert is one alert of /api/v1/alerts.
type apiAlert struct {
	Labels   map[string]string `json:"labels"`
	State    string            `json:"state"`
	ActiveAt time.Time         `json:"activeAt"`
}

// alertNamed returns the alert name of ward's alerts API, if listed (not
// while the API answers an error, as before ward is ready).
func (in *instance) alertNamed(tb testing.TB, name string) (apiAlert, bool) {
	tb.Helper()
	code, r := in.get(tb, "/api/v1/alerts")
	if code != http.StatusOK || r.Status != "success" {
		return apiAlert{}, false
	}
	var d struct {
		Alerts []apiAlert `json:"alerts"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		tb.Fatal(err)
	}
	for _, a := range d.Alerts {
		if a.Labels["alertname"] == name {
			return a, true
		}
	}
	return apiAlert{}, false
}

// firstSampleTime returns the timestamp of the oldest sample of sel over
// the last window (a range selector queried as an instant query).
func (in *instance) firstSampleTime(tb testing.TB, sel string) time.Time {
	tb.Helper()
	code, r := in.get(tb, "/api/v1/query?query="+url.QueryEscape(sel))
	if code != http.StatusOK || r.Status != "success" {
		tb.Fatalf("query %s: %d %s %s", sel, code, r.ErrorType, r.Error)
	}
	var d struct {
		Result []struct {
			Values [][2]any `json:"values"`
		} `json:"result"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		tb.Fatal(err)
	}
	if len(d.Result) != 1 || len(d.Result[0].Values) == 0 {
		tb.Fatalf("query %s: %s, want one series", sel, r.Data)
	}
	ts, _ := d.Result[0].Values[0][0].(float64)
	return time.UnixMilli(int64(ts * 1000))
}

// TestForStateAcrossRestart: an alert pending for part of its `for` when
// ward stops fires after `for` of pending time counted from before the
// restart (less the time ward was down, as Prometheus counts it), not
// `for` after ward is back; an alert firing across a restart keeps its
// activeAt and sends neither RESOLVED nor a second FIRING (repeat_interval
// is 1h). rules.for_grace_period is 5s so that a 30s `for` is restored.
func TestForStateAcrossRestart(t *testing.T) {
	g := newGauge(t)
	sl := newSlackTexts(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), forRule)
	cfg := strings.Replace(slackRestartConfig(g.addr(), sl.srv.GetAPIURL()),
		"rules: {builtin: false}", "rules: {builtin: false, for_grace_period: 5s}", 1)
	in := startWardIn(t, dir, cfg)

	g.v.Store(1)
	var before apiAlert
	servicetest.Eventually(t, 30*time.Second, "ValueHigh pending", func() bool {
		var ok bool
		before, ok = in.alertNamed(t, "ValueHigh")
		return ok
	})
	// Stop two thirds of the way through `for`.
	servicetest.Eventually(t, 60*time.Second, "20 s of pending", func() bool {
		return time.Since(before.ActiveAt) > 20*time.Second
	})
	if a, _ := in.alertNamed(t, "ValueHigh"); a.State != "pending" || !a.ActiveAt.Equal(before.ActiveAt) {
		t.Fatalf("before the restart ValueHigh is %s since %s, want pending since %s", a.State, a.ActiveAt, before.ActiveAt)
	}
	in.stop()
	restartAt := time.Now()
	in = restartWardIn(t, in, cfg)

	var after apiAlert
	servicetest.Eventually(t, 90*time.Second, "ValueHigh firing after the restart", func() bool {
		var ok bool
		after, ok = in.alertNamed(t, "ValueHigh")
		return ok && after.State == "firing"
	})
	// Restored: a pending time started over would begin after restartAt.
	if !after.ActiveAt.Before(restartAt) {
		t.Errorf("after the restart ValueHigh is active since %s, not before the restart at %s: its pending time started over", after.ActiveAt, restartAt)
	}
	// Never earlier than observed pending time (ALERTS_FOR_STATE keeps
	// whole seconds).
	if after.ActiveAt.Before(before.ActiveAt.Truncate(time.Second)) {
		t.Errorf("after the restart ValueHigh is active since %s, before it became pending at %s", after.ActiveAt, before.ActiveAt)
	}
	fired := in.firstSampleTime(t, `ALERTS{alertname="ValueHigh",alertstate="firing"}[5m]`)
	if fired.Sub(after.ActiveAt) < forHold-time.Millisecond {
		t.Errorf("ValueHigh fired at %s, less than its `for` (%s) after activeAt %s", fired, forHold, after.ActiveAt)
	}
	if !fired.Before(restartAt.Add(forHold)) {
		t.Errorf("ValueHigh fired at %s, not before `for` (%s) after the restart at %s", fired, forHold, restartAt)
	}
	servicetest.Eventually(t, 30*time.Second, "FIRING in Slack", func() bool { return sl.count("FIRING") == 1 })
	t.Logf("pending since %s, stopped after %s of it; back at %s; restored activeAt %s; fired %s after the restart",
		before.ActiveAt.Format(time.TimeOnly), restartAt.Sub(before.ActiveAt).Round(time.Millisecond),
		restartAt.Format(time.TimeOnly), after.ActiveAt.Format(time.StampMilli), fired.Sub(restartAt).Round(time.Millisecond))

	t.Run("firing across the restart", func(t *testing.T) {
		in.stop()
		back := time.Now()
		in = restartWardIn(t, in, cfg)
		var again apiAlert
		servicetest.Eventually(t, 60*time.Second, "ValueHigh firing again", func() bool {
			var ok bool
			again, ok = in.alertNamed(t, "ValueHigh")
			return ok && again.State == "firing"
		})
		if want := after.ActiveAt.Truncate(time.Second); !again.ActiveAt.Equal(want) {
			t.Errorf("after the second restart ValueHigh is active since %s, want the restored %s", again.ActiveAt, want)
		}
		// Three evaluation intervals of ALERTS after the restart, then a
		// look by ResolveInactive.
		q := fmt.Sprintf(`timestamp(ALERTS{alertname="ValueHigh",alertstate="firing"}) > %d`, back.Add(3*time.Second).Unix())
		servicetest.Eventually(t, 30*time.Second, "3 s of evaluations after the restart", func() bool { return len(in.query(t, q)) > 0 })
		time.Sleep(ownAlertsTick)
		if n, r := sl.count("FIRING"), sl.count("RESOLVED"); n != 1 || r != 0 {
			t.Errorf("Slack got %d FIRING and %d RESOLVED messages, want 1 and 0: an alert firing across two restarts", n, r)
		}
	})
}
