package checks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// startRunner runs r until the test ends.
func startRunner(tb testing.TB, r *Runner) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
}

// waitResults waits until every named check has finished a run after
// since.
func waitResults(tb testing.TB, r *Runner, since time.Time, names ...string) map[string]Result {
	tb.Helper()
	var got map[string]Result
	servicetest.Eventually(tb, 30*time.Second, "checks "+strings.Join(names, ", ")+" have run", func() bool {
		got = map[string]Result{}
		for _, res := range r.Results() {
			got[res.Check] = res
		}
		for _, n := range names {
			if res, ok := got[n]; !ok || res.Status == StatusPending || res.Time.Before(since) {
				return false
			}
		}
		return true
	})
	return got
}

func TestRunnerWritesSeries(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer web.Close()
	db := openTSDB(t)
	r := NewRunner(newLogger(&logBuffer{}), db, nil)
	if err := r.ApplyConfig(loadChecks(t, `
  - name: web
    kind: http
    url: `+web.URL+`
    labels: {team: shop}
  - name: port
    kind: tcp
    address: `+servicetest.FreeAddr(t)+`
`)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	startRunner(t, r)
	waitResults(t, r, start, "web", "port")

	tests := []struct {
		metric string
		match  []string
		want   float64
	}{
		{"ward_check_up", []string{"check", "web", "kind", "http", "team", "shop"}, 1},
		{"ward_check_up", []string{"check", "port", "kind", "tcp"}, 0},
		{"ward_check_failures_total", []string{"check", "port", "reason", "network"}, 1},
		{"ward_check_failures_total", []string{"check", "port", "reason", "timeout"}, 0},
		{"ward_check_failures_total", []string{"check", "web", "reason", "status"}, 0},
		{"ward_check_http_status_code", []string{"check", "web"}, 200},
	}
	for _, tt := range tests {
		ms := []*labels.Matcher{nameIs(tt.metric)}
		for i := 0; i+1 < len(tt.match); i += 2 {
			ms = append(ms, labelIs(tt.match[i], tt.match[i+1]))
		}
		got := series(t, db, ms...)
		if len(got) != 1 {
			t.Errorf("%s%v: %d series, want 1", tt.metric, tt.match, len(got))
			continue
		}
		for k, s := range got {
			if v := s[len(s)-1].v; v != tt.want {
				t.Errorf("%s = %v, want %v", k, v, tt.want)
			}
		}
	}
	if got := series(t, db, nameIs("ward_check_duration_seconds")); len(got) != 2 {
		t.Errorf("%d duration series, want 2", len(got))
	}
}

func TestRunnerApplyConfig(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer web.Close()
	open := servicetest.Blackhole(t)
	db := openTSDB(t)
	reg := prometheus.NewRegistry()
	r := NewRunner(newLogger(&logBuffer{}), db, reg)
	// An hour's interval: each check runs once when it starts.
	doc := func(bLabel string, extra string) []config.Check {
		return loadChecks(t, `
  - {name: a, kind: http, url: "`+web.URL+`", interval: 5m}
  - {name: b, kind: tcp, address: "`+open+`", interval: 5m, labels: {tier: `+bLabel+`}}
`+extra)
	}
	if err := r.ApplyConfig(doc("one", "  - {name: c, kind: tcp, address: \""+open+"\", interval: 5m}\n")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	startRunner(t, r)
	before := waitResults(t, r, start, "a", "b", "c")
	jobA := r.jobs["a"]

	reload := time.Now()
	if err := r.ApplyConfig(doc("two", "  - {name: d, kind: tcp, address: \""+open+"\", interval: 5m}\n")); err != nil {
		t.Fatal(err)
	}
	after := waitResults(t, r, reload, "b", "d")
	if r.jobs["a"] != jobA || after["a"].Time != before["a"].Time {
		t.Error("unchanged check a was restarted")
	}
	if _, ok := after["c"]; ok {
		t.Error("removed check c still reported")
	}
	stale := func(ms ...*labels.Matcher) bool {
		got := series(t, db, ms...)
		for _, s := range got {
			if !s[len(s)-1].stale() {
				return false
			}
		}
		return len(got) > 0
	}
	if !stale(labelIs("check", "c")) {
		t.Error("removed check c's series did not get staleness markers")
	}
	if !stale(labelIs("check", "b"), labelIs("tier", "one")) {
		t.Error("changed check b's old series did not get staleness markers")
	}
	if stale(labelIs("check", "b"), labelIs("tier", "two")) || stale(labelIs("check", "a")) {
		t.Error("running checks' series are stale")
	}

	// A configuration that cannot be applied changes nothing.
	bad := append(doc("two", ""), doc("two", "")...)
	if err := r.ApplyConfig(bad); err == nil {
		t.Fatal("duplicate names accepted")
	}
	if len(r.Results()) != 3 {
		t.Errorf("rejected config changed the checks: %v", r.Results())
	}
	if got := testutil.ToFloat64(r.metrics.configured); got != 3 {
		t.Errorf("ward_checks_configured = %v, want 3", got)
	}
}

// TestRunnerStateChanges drives one check through down, up and a vanished
// gauge, run by run.
func TestRunnerStateChanges(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusInternalServerError)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	db := openTSDB(t)
	var logs logBuffer
	r := NewRunner(newLogger(&logs), db, nil)
	if err := r.ApplyConfig(loadChecks(t, "  - {name: web, kind: http, url: \""+web.URL+"\"}\n")); err != nil {
		t.Fatal(err)
	}
	j := r.jobs["web"]
	ctx := context.Background()

	j.runOnce(ctx)
	if !strings.Contains(logs.String(), `msg="check down" component=checks check=web kind=http reason=status err="unexpected status 500`) {
		t.Errorf("no down transition logged with its reason:\n%s", logs.String())
	}
	status.Store(http.StatusOK)
	j.runOnce(ctx)
	if !strings.Contains(logs.String(), `msg="check up" component=checks check=web kind=http down_for=`) {
		t.Errorf("no up transition logged:\n%s", logs.String())
	}
	n := strings.Count(logs.String(), "\n")
	j.runOnce(ctx)
	if strings.Count(logs.String(), "\n") != n {
		t.Errorf("a run without a change of state logged:\n%s", logs.String())
	}
	if res := j.latest(); res.LastSuccess.IsZero() || res.Reason != "" {
		t.Errorf("after success: %+v", res)
	}

	web.Close()
	j.runOnce(ctx)
	res := j.latest()
	if res.Status != StatusDown || res.LastSuccess.IsZero() {
		t.Errorf("down after success: %+v, want down with the last success kept", res)
	}
	code := series(t, db, nameIs("ward_check_http_status_code"))
	for k, s := range code {
		if len(s) != 4 || !s[3].stale() {
			t.Errorf("%s = %v: want three codes, then a staleness marker once no response came", k, s)
		}
	}
}
