package ui

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestHTTPErrorLogLevels: net/http's TLS handshake errors (plain http to
// the https port) go to debug; its other lines stay errors.
func TestHTTPErrorLogLevels(t *testing.T) {
	var buf bytes.Buffer
	l := slogErrorLog{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}.Logger()
	l.Print("http: TLS handshake error from 127.0.0.1:5555: client sent an HTTP request to an HTTPS server")
	l.Print("http: Accept error: accept tcp: too many open files; retrying in 5ms")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=DEBUG") || !strings.Contains(lines[1], "level=ERROR") {
		t.Errorf("levels:\n%s", buf.String())
	}
}
