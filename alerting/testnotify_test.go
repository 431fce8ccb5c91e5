package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ward-monitoring/ward/config"
)

// TestSendTestLogsNoError: a test notification that succeeds logs no
// error. It used to log Alertmanager's "Missing notification reason" at
// ERROR level, which made `ward alert test` look broken when it worked.
func TestSendTestLogsNoError(t *testing.T) {
	t.Parallel()
	hk := newHook(t, http.StatusOK)
	cfg, err := config.Load(fmt.Appendf(nil, "alerting:\n  route: {receiver: hook}\n  receivers:\n    - name: hook\n      webhook_configs: [{url: %q}]\n", hk.srv.URL), "ward.yml")
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedLog
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := SendTest(context.Background(), cfg.Alerting, "hook", &url.URL{Scheme: "http", Host: "127.0.0.1:9740", Path: "/"}, logger)
	if err != nil || len(res) != 1 || !res[0].OK || hk.count() != 1 {
		t.Fatalf("SendTest = %+v, %v; webhook got %d", res, err, hk.count())
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") || strings.Contains(out, "Missing") {
		t.Errorf("a successful test notification logged:\n%s", out)
	}
}

// lockedLog is a log destination the test reads while notifiers write.
type lockedLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
