package ui

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusalDoesNotWaitForBody: a request refused before its body is
// read (here 401: no credential) is answered at once and the connection
// closed, however slowly its client sends the body it announced. Before,
// net/http waited for the body until the read timeout (60 s).
func TestRefusalDoesNotWaitForBody(t *testing.T) {
	_, base := startServer(t, discardLogger())
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST /api/v1/query HTTP/1.1\r\nHost: " + strings.TrimPrefix(base, "http://") +
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nquery=up"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within 10 s: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Errorf("answer %d, close %v; want 401 closing the connection", resp.StatusCode, resp.Close)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %s", d)
	}
}
