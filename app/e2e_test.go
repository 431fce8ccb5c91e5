package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestEndToEnd scrapes a real node_exporter, a target answering garbage
// and one answering an oversized body, and checks what the API reports.
func TestEndToEnd(t *testing.T) {
	node := servicetest.NodeExporter(t)
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "this is { not the exposition format\n")
	}))
	defer garbage.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(w, "big_metric{i=\"%d\"} 1\n", i)
		}
	}))
	defer huge.Close()

	in := startWard(t, fastGlobal+fmt.Sprintf(`
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
  - job_name: garbage
    static_configs: [{targets: [%q]}]
  - job_name: huge
    body_size_limit: 1KB
    static_configs: [{targets: [%q]}]
`, node, strings.TrimPrefix(garbage.URL, "http://"), strings.TrimPrefix(huge.URL, "http://")))

	servicetest.Eventually(t, 30*time.Second, "node_exporter and ward scraped", func() bool {
		up := in.query(t, `up`)
		n, okN := byLabel(up, "job", "node")
		w, okW := byLabel(up, "job", "ward")
		return okN && okW && value(n) == "1" && value(w) == "1"
	})
	t.Run("instant query", func(t *testing.T) {
		res := in.query(t, `count(node_cpu_seconds_total)`)
		if len(res) != 1 || value(res[0]) == "0" {
			t.Fatalf("want node_cpu_seconds_total series, got %v", res)
		}
	})
	t.Run("range query", func(t *testing.T) {
		type matrix struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		}
		// Ward has just started: wait for a second scrape of the node
		// exporter, so the range holds at least two points.
		var d matrix
		var raw []byte
		servicetest.Eventually(t, 30*time.Second, "query_range to return two points", func() bool {
			end := time.Now()
			q := url.Values{"query": {`up{job="node"}`}, "start": {fmt.Sprint(end.Add(-time.Minute).Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {"1"}}
			code, r := in.get(t, "/api/v1/query_range?"+q.Encode())
			if code != 200 {
				t.Fatalf("query_range: %d %s", code, r.Error)
			}
			raw, d = r.Data, matrix{}
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			return len(d.Result) == 1 && len(d.Result[0].Values) >= 2
		})
		if d.ResultType != "matrix" {
			t.Fatalf("want a matrix with points, got %s", raw)
		}
	})
	t.Run("bad query is a Prometheus-shaped error", func(t *testing.T) {
		code, r := in.get(t, "/api/v1/query?query="+url.QueryEscape("sum(up"))
		if code != http.StatusBadRequest || r.Status != "error" || r.ErrorType != "bad_data" || !strings.Contains(r.Error, "parse error") {
			t.Fatalf("got %d %+v", code, r)
		}
	})
	t.Run("rules", func(t *testing.T) {
		_, r := in.get(t, "/api/v1/rules")
		var d struct {
			Groups []struct {
				Name  string `json:"name"`
				File  string `json:"file"`
				Rules []struct {
					Name string `json:"name"`
					Type string `json:"type"`
				} `json:"rules"`
			} `json:"groups"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, g := range d.Groups {
			for _, rule := range g.Rules {
				names[rule.Name] = true
			}
		}
		for _, want := range []string{"HostHighCPU", "PostgresDown", "AppErrorRateHigh", "TargetDown", "WardRuleEvaluationFailing", "job:ward_app_http_requests:rate5m"} {
			if !names[want] {
				t.Errorf("rule %s missing from /api/v1/rules", want)
			}
		}
	})
	t.Run("bad targets are down with their error, others unaffected", func(t *testing.T) {
		type target struct {
			Labels    map[string]string `json:"labels"`
			Health    string            `json:"health"`
			LastError string            `json:"lastError"`
		}
		var d struct {
			ActiveTargets []target `json:"activeTargets"`
		}
		servicetest.Eventually(t, 15*time.Second, "bad targets scraped", func() bool {
			_, r := in.get(t, "/api/v1/targets")
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			down := 0
			for _, tg := range d.ActiveTargets {
				if tg.Health == "down" {
					down++
				}
			}
			return down == 2
		})
		for _, tg := range d.ActiveTargets {
			job := tg.Labels["job"]
			switch job {
			case "garbage":
				if tg.LastError == "" {
					t.Errorf("garbage target: no error shown")
				}
			case "huge":
				if !strings.Contains(tg.LastError, "body size limit") {
					t.Errorf("huge target: want body size limit error, got %q", tg.LastError)
				}
			default:
				if tg.Health != "up" {
					t.Errorf("target %s is %s (%s): a bad target affected it", job, tg.Health, tg.LastError)
				}
			}
		}
	})
	t.Run("buildinfo and lifecycle", func(t *testing.T) {
		if code, r := in.get(t, "/api/v1/status/buildinfo"); code != 200 || !strings.Contains(string(r.Data), "goVersion") {
			t.Fatalf("buildinfo: %d %s", code, r.Data)
		}
		for _, p := range []string{"/-/healthy", "/-/ready"} {
			resp, err := http.Get(in.base + p) // public: no token
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v %v", p, err, resp)
			}
			resp.Body.Close()
		}
		if v := in.metricValue(t, "ward_config_last_reload_successful"); v != "1" {
			t.Fatalf("ward_config_last_reload_successful = %q", v)
		}
	})
}
