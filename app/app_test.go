package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
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
	// token is an admin API token; client sends it with every request.
	token  string
	client *http.Client
	// stderr is what ward printed for the terminal (the setup URL).
	stderr *lockedBuffer
}

// lockedBuffer is an io.Writer that the test reads while ward writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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
	if !strings.Contains("\n"+cfg, "\nlimits:") {
		// Issue 13: tests poll ward's API far faster than a person or
		// Grafana; the rate-limit tests set their own limits.
		cfg += "\nlimits: {api_read: {rate: 1000000}, api_query: {rate: 1000000}, api_write: {rate: 1000000}, page: {rate: 1000000}, anonymous: {rate: 1000000}}\n"
	}
	cfg += fmt.Sprintf("\nstorage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(dir, "data"))
	cfgFile := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	hup := make(chan struct{}, 1)
	stderr := &lockedBuffer{}
	a, err := New(Options{ConfigFile: cfgFile, Logger: testLogger(tb), Reload: hup, Terminal: stderr})
	if err != nil {
		tb.Fatalf("starting ward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{app: a, base: "http://" + a.Addr(), cfgFile: cfgFile, dir: dir, done: make(chan error, 1), cancel: cancel, hup: hup, stderr: stderr}
	in.token = createToken(tb, a.auth, "test-admin", auth.RoleAdmin)
	in.client = tokenClient(in.token)
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
	resp, err := in.client.Get(in.base + path)
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

func (in *instance) metricValue(tb testing.TB, name string) string {
	tb.Helper()
	resp, err := in.client.Get(in.base + "/metrics")
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

// createToken makes an API token through the auth service, as
// `ward token create` does.
func createToken(tb testing.TB, svc *auth.Service, name string, role auth.Role) string {
	tb.Helper()
	tok, err := svc.CreateAPIToken(context.Background(), auth.Local("test"), name, role)
	if err != nil {
		tb.Fatalf("creating API token: %v", err)
	}
	return tok
}

// createTokenOffline makes an admin API token in the state database of
// the config at cfgFile while no ward holds it, for tests that run ward
// as a separate process.
func createTokenOffline(tb testing.TB, cfgFile string) string {
	tb.Helper()
	// Through OpenOffline, as `ward token create` does: the key is loaded
	// (or created) first, so the token's audit record is sealed under it
	// and the chain ward serve verifies stays whole.
	o, err := OpenOffline(cfgFile, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	defer o.Close()
	return createToken(tb, o.Auth, "test-admin", auth.RoleAdmin)
}

// bearer adds an API token to every request it carries.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// tokenClient is an HTTP client that authenticates with token.
func tokenClient(token string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: bearer{token: token, next: http.DefaultTransport}}
}
