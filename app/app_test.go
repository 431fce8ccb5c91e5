package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// instance is a ward started in-process for a test.
type instance struct {
	app     *App
	base    string
	cfgFile string
	dir     string
	done    chan error
	cancel  context.CancelFunc
	// hup stands in for SIGHUP.
	hup chan struct{}
}

// fastGlobal scrapes and evaluates every second so tests finish quickly.
const fastGlobal = `
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
`

// startWard writes cfg (with storage and listen filled in) into a temp
// dir and runs ward in-process until the test ends.
func startWard(tb testing.TB, cfg string) *instance {
	tb.Helper()
	dir := tb.TempDir()
	return startWardIn(tb, dir, cfg)
}

func startWardIn(tb testing.TB, dir, cfg string) *instance {
	tb.Helper()
	cfg += fmt.Sprintf("\nstorage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(dir, "data"))
	cfgFile := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	hup := make(chan struct{}, 1)
	a, err := New(Options{ConfigFile: cfgFile, Logger: testLogger(tb), Reload: hup})
	if err != nil {
		tb.Fatalf("starting ward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{app: a, base: "http://" + a.Addr(), cfgFile: cfgFile, dir: dir, done: make(chan error, 1), cancel: cancel, hup: hup}
	go func() { in.done <- a.Run(ctx) }()
	tb.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	<-in.done
	in.cancel = nil
}

// apiResponse is Prometheus' API envelope.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func (in *instance) get(tb testing.TB, path string) (int, apiResponse) {
	tb.Helper()
	resp, err := http.Get(in.base + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		tb.Fatalf("GET %s: %d %s: not JSON: %v", path, resp.StatusCode, body, err)
	}
	return resp.StatusCode, r
}

// sample is one element of an instant vector.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query and returns the vector.
func (in *instance) query(tb testing.TB, q string) []sample {
	tb.Helper()
	code, r := in.get(tb, "/api/v1/query?query="+url.QueryEscape(q))
	if code != http.StatusOK || r.Status != "success" {
		tb.Fatalf("query %s: %d %s %s", q, code, r.ErrorType, r.Error)
	}
	var d struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		tb.Fatal(err)
	}
	return d.Result
}

// eventually polls cond until it holds or the timeout passes.
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func value(s sample) string {
	v, _ := s.Value[1].(string)
	return v
}

func byLabel(samples []sample, name, v string) (sample, bool) {
	for _, s := range samples {
		if s.Metric[name] == v {
			return s, true
		}
	}
	return sample{}, false
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	// Write then rename, the way editors save, so the watcher never sees
	// a half-written file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

func metricValue(tb testing.TB, base, name string) string {
	tb.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
