package promapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/collector"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
)

// testAPI is the API over a real TSDB, scrape manager and rule manager in
// a temp dir, as app.New wires it.
type testAPI struct {
	*API
	srv   *httptest.Server
	opts  Options
	ready bool
}

func startAPI(tb testing.TB, q config.Query, lastReload time.Time) *testAPI {
	tb.Helper()
	dir := tb.TempDir()
	logger := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	cfg, err := config.Default()
	if err != nil {
		tb.Fatal(err)
	}
	tsdbDir := filepath.Join(dir, "tsdb")
	db, stats, err := storage.OpenTSDB(tsdbDir, storage.TSDBOptions{Retention: 24 * time.Hour}, logger, reg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("closing tsdb: %v", err)
		}
	})
	coll, err := collector.New(logger, reg, db)
	if err != nil {
		tb.Fatal(err)
	}
	engines := Engines{Query: q, Logger: logger, Registerer: reg, EvalInterval: func() time.Duration { return time.Minute }}
	extURL := &url.URL{Scheme: "http", Host: "ward.example:9090", Path: "/"}
	rm := rules.NewManager(rules.Options{Logger: logger, Registerer: reg, Engine: engines.NewRuleEngine(), DB: db, ExternalURL: extURL})
	t := &testAPI{ready: true}
	t.opts = Options{
		Engines:     engines,
		DataDir:     dir,
		Gatherer:    reg,
		DB:          db,
		Stats:       stats,
		TSDBDir:     tsdbDir,
		Targets:     coll.Targets(),
		Rules:       rm.Prometheus(),
		Config:      func() *promconfig.Config { return cfg.Prometheus },
		Start:       time.Now(),
		LastReload:  func() (bool, time.Time) { return true, lastReload },
		Listen:      "127.0.0.1:9090",
		ExternalURL: extURL,
		Ready:       func() bool { return t.ready },
	}
	t.API, err = New(t.opts)
	if err != nil {
		tb.Fatal(err)
	}
	t.srv = httptest.NewServer(t.API)
	tb.Cleanup(func() {
		t.srv.Close()
		if err := t.Close(); err != nil {
			tb.Errorf("closing the API: %v", err)
		}
	})
	return t
}

// envelope is Prometheus' API answer.
type envelope struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (t *testAPI) get(tb testing.TB, method, path string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, t.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := t.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func (t *testAPI) envelope(tb testing.TB, path string) (int, envelope) {
	tb.Helper()
	code, body := t.get(tb, http.MethodGet, path)
	var env envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		tb.Fatalf("GET %s: %d %q: not Prometheus' envelope: %v", path, code, body, err)
	}
	return code, env
}

// appendSample writes one sample of up{job="x"} at ts.
func (t *testAPI) appendSample(tb testing.TB, ts time.Time, v float64) {
	tb.Helper()
	app := t.opts.DB.Appender(tb.Context())
	if _, err := app.Append(0, labels.FromStrings("__name__", "up", "job", "x"), ts.UnixMilli(), v); err != nil {
		tb.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// pathParam matches a wildcard of a ServeMux pattern, such as {name}.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryUIRouteIsServed calls, through the API, every route of
// Prometheus' API that ward's route table sends here: each must reach an
// endpoint Prometheus registered (its router answers 404 with an empty
// body and 405 for paths it does not serve), and none may fail on ward's
// side.
func TestEveryUIRouteIsServed(t *testing.T) {
	api := startAPI(t, config.DefaultQuery(), time.Now())
	routes := ui.PrometheusAPIRoutes()
	if len(routes) == 0 {
		t.Fatal("ui lists no routes of Prometheus' API")
	}
	for _, p := range routes {
		method, path, _ := strings.Cut(p, " ")
		path = pathParam.ReplaceAllString(path, "x")
		t.Run(p, func(t *testing.T) {
			code, body := api.get(t, method, path)
			if code == http.StatusNotFound && body == "404 page not found\n" || code == http.StatusMethodNotAllowed || code >= 500 {
				t.Errorf("%s %s: %d %q", method, path, code, body)
			}
			if code != http.StatusBadRequest && !strings.HasPrefix(body, `{"status":"success"`) {
				t.Errorf("%s %s: %d %q, want success or a complaint about the request", method, path, code, body)
			}
		})
	}
}

// TestQuery answers a query from the TSDB, in Prometheus' envelope.
func TestQuery(t *testing.T) {
	api := startAPI(t, config.DefaultQuery(), time.Now())
	now := time.Now()
	api.appendSample(t, now.Add(-10*time.Second), 1)
	code, env := api.envelope(t, "/api/v1/query?"+url.Values{"query": {`up{job="x"}`}, "time": {now.Format(time.RFC3339Nano)}}.Encode())
	if code != http.StatusOK || env.Status != "success" || !strings.Contains(string(env.Data), `"job":"x"`) {
		t.Errorf("%d %+v, want the sample", code, env)
	}
}

// TestLookbackFromQuerySection: the query section's lookback_delta is
// the one the API's queries use.
func TestLookbackFromQuerySection(t *testing.T) {
	for _, tc := range []struct {
		lookback time.Duration
		found    bool
	}{
		{5 * time.Minute, false},
		{15 * time.Minute, true},
	} {
		t.Run(tc.lookback.String(), func(t *testing.T) {
			q := config.DefaultQuery()
			q.LookbackDelta = model.Duration(tc.lookback)
			api := startAPI(t, q, time.Now())
			now := time.Now()
			api.appendSample(t, now.Add(-10*time.Minute), 1)
			_, env := api.envelope(t, "/api/v1/query?"+url.Values{"query": {`up{job="x"}`}, "time": {now.Format(time.RFC3339Nano)}}.Encode())
			if got := strings.Contains(string(env.Data), `"job":"x"`); got != tc.found || env.Status != "success" {
				t.Errorf("a sample 10m old with lookback %s: found %v, want %v (%+v)", tc.lookback, got, tc.found, env)
			}
		})
	}
}

// TestSubqueryLimit: an oversized subquery is refused before evaluation
// as bad_data, naming the setting.
func TestSubqueryLimit(t *testing.T) {
	q := config.DefaultQuery()
	q.MaxPointsPerSubquery = 100
	api := startAPI(t, q, time.Now())
	code, env := api.envelope(t, "/api/v1/query?"+url.Values{"query": {`count_over_time(vector(1)[101s:1s])`}}.Encode())
	if code != http.StatusBadRequest || env.ErrorType != "bad_data" || !strings.Contains(env.Error, "query.max_points_per_subquery") {
		t.Errorf("%d %+v, want 400 bad_data naming query.max_points_per_subquery", code, env)
	}
	code, env = api.envelope(t, "/api/v1/query?"+url.Values{"query": {`count_over_time(vector(1)[100s:1s])`}}.Encode())
	if code != http.StatusOK || env.Status != "success" {
		t.Errorf("within the limit: %d %+v", code, env)
	}
}

// TestSampleLimit: the query section's max_samples bounds a query.
func TestSampleLimit(t *testing.T) {
	q := config.DefaultQuery()
	q.MaxSamples = 10
	api := startAPI(t, q, time.Now())
	code, env := api.envelope(t, "/api/v1/query?"+url.Values{"query": {`count_over_time(vector(1)[100s:1s])`}}.Encode())
	if code != http.StatusUnprocessableEntity || env.ErrorType != "execution" || !strings.Contains(env.Error, "too many samples") {
		t.Errorf("%d %+v, want 422 execution: too many samples", code, env)
	}
}

// TestNotReady: until ward has started, the API answers 503.
func TestNotReady(t *testing.T) {
	api := startAPI(t, config.DefaultQuery(), time.Now())
	api.ready = false
	if code, body := api.get(t, http.MethodGet, "/api/v1/query?query=up"); code != http.StatusServiceUnavailable {
		t.Errorf("not ready: %d %q, want 503", code, body)
	}
}

// TestRuntimeInfo reports the last reload.
func TestRuntimeInfo(t *testing.T) {
	reloaded := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	api := startAPI(t, config.DefaultQuery(), reloaded)
	_, env := api.envelope(t, "/api/v1/status/runtimeinfo")
	var info struct {
		ReloadConfigSuccess bool      `json:"reloadConfigSuccess"`
		LastConfigTime      time.Time `json:"lastConfigTime"`
		GoroutineCount      int       `json:"goroutineCount"`
	}
	if err := json.Unmarshal(env.Data, &info); err != nil {
		t.Fatal(err)
	}
	if !info.ReloadConfigSuccess || !info.LastConfigTime.Equal(reloaded) || info.GoroutineCount == 0 {
		t.Errorf("runtime info %+v, want the last reload at %s", info, reloaded)
	}
}

// TestEngineOptions: both engines take the query section's limits, and
// a subquery without a step reads the evaluation interval at each query.
func TestEngineOptions(t *testing.T) {
	q := config.Query{Timeout: model.Duration(42 * time.Second), LookbackDelta: model.Duration(7 * time.Minute), MaxSamples: 1234}
	interval := 15 * time.Second
	e := Engines{Query: q, Logger: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry(), EvalInterval: func() time.Duration { return interval }}
	for _, name := range []string{"query", "rules"} {
		o := e.Options(name)
		if o.Timeout != 42*time.Second || o.LookbackDelta != 7*time.Minute || o.MaxSamples != 1234 {
			t.Errorf("%s engine: timeout %s, lookback %s, max samples %d; want the query section's", name, o.Timeout, o.LookbackDelta, o.MaxSamples)
		}
		if got := o.NoStepSubqueryIntervalFn(0); got != 15_000 {
			t.Errorf("%s engine: no-step interval %dms, want 15000", name, got)
		}
		interval = time.Minute
		if got := o.NoStepSubqueryIntervalFn(0); got != 60_000 {
			t.Errorf("%s engine: no-step interval %dms after a reload, want 60000", name, got)
		}
		interval = 15 * time.Second
	}
}

// TestWriteTimeout: the server's write timeout leaves room past the
// query timeout.
func TestWriteTimeout(t *testing.T) {
	q := config.DefaultQuery()
	q.Timeout = model.Duration(5 * time.Minute)
	api := startAPI(t, q, time.Now())
	if got := api.WriteTimeout(); got <= 5*time.Minute {
		t.Errorf("write timeout %s does not exceed the query timeout", got)
	}
}
