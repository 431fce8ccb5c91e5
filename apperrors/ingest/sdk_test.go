package ingest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sdkPython is Debian's python3 with python3-sentry-sdk
// (scripts/install-test-deps.sh installs it); not a pyenv python on
// PATH, which lacks the package.
const sdkPython = "/usr/bin/python3"

// sdkScript raises and captures two exceptions, sends a message, and a
// message with an attachment (which the SDK sends as an envelope), then
// flushes.
const sdkScript = `
import sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="shop@1.2.3", environment="production", default_integrations=False)

def checkout(cart):
    return cart["total"] / 0

try:
    checkout({"total": 1})
except ZeroDivisionError:
    sentry_sdk.capture_exception()
try:
    {}["missing"]
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message("payment provider slow")
with sentry_sdk.push_scope() as scope:
    scope.add_attachment(bytes=b"cart dump", filename="cart.txt")
    sentry_sdk.capture_message("with attachment")
sentry_sdk.flush(timeout=20)
print(sentry_sdk.VERSION)
`

// request is what the SDK sent, as the test server saw it.
type request struct {
	path, encoding string
	status         int
}

// startSDKServer serves h on 127.0.0.1, noting each request.
func startSDKServer(t *testing.T, h http.Handler) (string, func() []request) {
	t.Helper()
	var mu sync.Mutex
	var seen []request
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		mu.Lock()
		seen = append(seen, request{path: r.URL.Path, encoding: r.Header.Get("Content-Encoding"), status: sw.status})
		mu.Unlock()
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), func() []request {
		mu.Lock()
		defer mu.Unlock()
		return append([]request(nil), seen...)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// runSDK runs sdkScript against dsn.
func runSDK(t *testing.T, dsn string) string {
	t.Helper()
	if _, err := os.Stat(sdkPython); err != nil {
		t.Fatalf("%s: %v (run scripts/install-test-deps.sh: python3-sentry-sdk)", sdkPython, err)
	}
	script := filepath.Join(t.TempDir(), "send.py")
	if err := os.WriteFile(script, []byte(sdkScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sdkPython, script, dsn)
	// No user site-packages or PYTHON* settings: Debian's own package.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PYTHONNOUSERSITE=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python sentry_sdk: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPythonSDK sends events with the real Python sentry-sdk: its
// legacy store requests and its envelopes, gzipped, reach Accept for the
// right project; a wrong key is refused and nothing is accepted.
func TestPythonSDK(t *testing.T) {
	f := newFixture(t)
	f.now = time.Now() // the SDK's requests and the rate limit's clock agree
	f.h.opts.Now = time.Now
	addr, seen := startSDKServer(t, f.h)

	version := runSDK(t, "http://"+key1+"@"+addr+"/1")
	batches := f.acc.all()
	var events []string
	for _, b := range batches {
		if b.project != "1" {
			t.Errorf("batch for project %q", b.project)
		}
		events = append(events, b.events...)
	}
	joined := strings.Join(events, "\n")
	if len(events) != 4 {
		t.Fatalf("sentry-sdk %s: %d events arrived, want 4:\n%s", version, len(events), joined)
	}
	for _, want := range []string{`"ZeroDivisionError"`, `"KeyError"`, `"payment provider slow"`, `"with attachment"`, `"shop@1.2.3"`, `"function":"checkout"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("events lack %s:\n%s", want, joined)
		}
	}
	paths := map[string]int{}
	for _, r := range seen() {
		if r.status != http.StatusOK || r.encoding != "gzip" {
			t.Errorf("%s: %d, Content-Encoding %q; want 200 and gzip", r.path, r.status, r.encoding)
		}
		paths[r.path]++
	}
	t.Logf("sentry-sdk %s: %d events in requests by path %v", version, len(events), paths)
	if paths["/api/1/store/"] == 0 || paths["/api/1/envelope/"] == 0 {
		t.Errorf("requests by path %v; want both store and envelope", paths)
	}
	if f.count("shop", outcomeAccepted) != float64(len(seen())) {
		t.Errorf("accepted requests %v of %d", f.count("shop", outcomeAccepted), len(seen()))
	}

	// A wrong key: every request refused, nothing accepted.
	before := len(seen())
	runSDK(t, "http://"+wrong+"@"+addr+"/1")
	refused := seen()[before:]
	if len(refused) == 0 {
		t.Fatal("the SDK sent nothing with the wrong key")
	}
	for _, r := range refused {
		if r.status != http.StatusForbidden {
			t.Errorf("wrong key: %s answered %d, want 403", r.path, r.status)
		}
	}
	if n := len(f.acc.all()); n != len(batches) {
		t.Errorf("wrong key: %d more batches accepted", n-len(batches))
	}
}
