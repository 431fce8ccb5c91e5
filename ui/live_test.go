package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// liveStream is one open GET /live.
type liveStream struct {
	resp   *http.Response
	lines  *bufio.Reader
	cancel context.CancelFunc
}

// openLive opens GET /live with cookie; the stream is closed when the
// test ends.
func openLive(tb testing.TB, base string, cookie *http.Cookie) (*http.Response, *liveStream) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/live", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(cookie)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	ls := &liveStream{resp: resp, lines: bufio.NewReader(resp.Body), cancel: cancel}
	tb.Cleanup(func() { cancel(); resp.Body.Close() })
	return resp, ls
}

// next reads the stream's next message (up to its blank line), or
// returns the error that ended the stream; it gives up after 10 s.
func (ls *liveStream) next() (string, error) {
	type result struct {
		msg string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var msg strings.Builder
		for {
			line, err := ls.lines.ReadString('\n')
			if err != nil {
				done <- result{msg.String(), err}
				return
			}
			if line == "\n" {
				done <- result{msg.String(), nil}
				return
			}
			msg.WriteString(line)
		}
	}()
	select {
	case r := <-done:
		return r.msg, r.err
	case <-time.After(10 * time.Second):
		ls.cancel()
		return "", errors.New("no message within 10s")
	}
}

func TestLiveStream(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "lena", auth.RoleViewer)
	s.LiveChanged(7)

	resp, ls := openLive(t, base, cookie)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /live: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	msg, err := ls.next()
	if err != nil || !strings.Contains(msg, "event: change\ndata: 7\n") || !strings.Contains(msg, "retry: 5000") {
		t.Fatalf("first message %q, %v; want the current version 7", msg, err)
	}
	// A change reaches the open stream.
	s.LiveChanged(8)
	if msg, err := ls.next(); err != nil || !strings.Contains(msg, "data: 8\n") {
		t.Fatalf("after a change: %q, %v", msg, err)
	}

	t.Run("not an EventSource", func(t *testing.T) {
		resp, body := doAs(t, "GET", base+"/live", "", cookie)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "text/event-stream") {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	})
	t.Run("signed out", func(t *testing.T) {
		resp, _ := doAs(t, "GET", base+"/live", "", nil, "Accept", "text/event-stream")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	// Signing out ends the stream at its next message instead of
	// sending it.
	if err := s.deps.Auth.Logout(context.Background(), cookie.Value, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	s.LiveChanged(9)
	if msg, err := ls.next(); err == nil || strings.Contains(msg, "data: 9") {
		t.Errorf("stream of an ended session went on: %q, %v", msg, err)
	}
	waitOpen(t, s, 0)
}

// waitOpen waits until n streams are open.
func waitOpen(tb testing.TB, s *Server, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.live.open() != n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d streams open, want %d", s.live.open(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveLimits: a session may open maxLiveStreamsPerSession streams,
// the server maxLiveStreams; beyond either the answer is 429 with
// Retry-After. Shutting the server down ends every stream.
func TestLiveLimits(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "tabs", auth.RoleViewer)
	var streams []*liveStream
	for range maxLiveStreamsPerSession {
		resp, ls := openLive(t, base, cookie)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", len(streams)+1, resp.StatusCode)
		}
		streams = append(streams, ls)
	}
	resp, body := doAs(t, "GET", base+"/live", "", cookie, "Accept", "text/event-stream")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "close some tabs") {
		t.Errorf("stream %d of one session: %d %q (Retry-After %q)", maxLiveStreamsPerSession+1, resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Another session still may.
	other := signIn(t, s, "other", auth.RoleViewer)
	if resp, _ := openLive(t, base, other); resp.StatusCode != http.StatusOK {
		t.Errorf("another session's stream: %d", resp.StatusCode)
	}

	// The server-wide bound, on the hub (256 sessions would need 256
	// sign-ins).
	h := newLiveHub()
	for i := range maxLiveStreams {
		if err := h.join(fmt.Sprint(i / maxLiveStreamsPerSession)); err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	if err := h.join("fresh"); !errors.Is(err, errLiveFull) {
		t.Errorf("join past %d streams: %v", maxLiveStreams, err)
	}
	h.leave("0")
	if err := h.join("fresh"); err != nil {
		t.Errorf("join after one left: %v", err)
	}

	// Shutting down (http.Server.Shutdown runs this hook) ends the
	// open streams: Shutdown waits for idle connections, and a stream
	// never is.
	s.live.shutdown()
	for i, ls := range streams {
		for {
			_, err := ls.next()
			if err != nil {
				if strings.Contains(err.Error(), "no message") {
					t.Errorf("stream %d still open after shutdown", i)
				}
				break
			}
		}
	}
}

// TestLiveOutlivesWriteTimeout: the server's WriteTimeout bounds whole
// answers; a stream sets a deadline per write instead, so it lives on.
func TestLiveOutlivesWriteTimeout(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	cookie := signIn(t, s, "wren", auth.RoleViewer)
	deps := s.deps
	deps.WriteTimeout = 500 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	short := NewServer(ln, deps, func(context.Context) error { return nil })
	stop := runUntilStopped(t, "short server", short.Run)
	defer stop()

	resp, ls := openLive(t, "http://"+ln.Addr().String(), cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /live: %d", resp.StatusCode)
	}
	if _, err := ls.next(); err != nil {
		t.Fatal(err)
	}
	for v := uint64(1); v <= 3; v++ {
		time.Sleep(400 * time.Millisecond) // three times past the write timeout in all
		short.LiveChanged(v)
		if msg, err := ls.next(); err != nil || !strings.Contains(msg, fmt.Sprintf("data: %d\n", v)) {
			t.Fatalf("change %d after %v: %q, %v", v, time.Duration(v)*400*time.Millisecond, msg, err)
		}
	}
}
