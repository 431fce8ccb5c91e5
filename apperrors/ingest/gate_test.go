package ingest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors/envelope"
)

// slowConn is a request whose headers and part of its body are sent,
// the rest withheld.
type slowConn struct {
	c net.Conn
	r *bufio.Reader
}

// openSlow sends path's request headers (client address addr, key
// when not "") and part bytes of a body declared MaxCompressedBytes
// long.
func openSlow(t *testing.T, base, path, addr, key string, part int) *slowConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	hdr := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Test-Addr: %s\r\n", path, envelope.MaxCompressedBytes, addr)
	if key != "" {
		hdr += "X-Sentry-Auth: " + auth(key) + "\r\n"
	}
	go func() { // the server may refuse and close before reading it all
		_, _ = c.Write(append([]byte(hdr+"\r\n"), make([]byte, part)...))
	}()
	return &slowConn{c: c, r: bufio.NewReader(c)}
}

// answer reads the conn's answer: a refusal arrives while the body is
// still withheld.
func (s *slowConn) answer(t *testing.T) *http.Response {
	t.Helper()
	// A safety net against a hang, not a timing claim.
	_ = s.c.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(s.r, nil)
	if err != nil {
		t.Fatalf("no answer while the body is withheld: %v", err)
	}
	return resp
}

// waitInFlight waits for the handler to be reading n bodies.
func waitInFlight(t *testing.T, h *Handler, n int) {
	t.Helper()
	for i := 0; ; i++ {
		if now, _ := h.BodiesInFlight(); now == n {
			return
		}
		if i > 6000 {
			now, _ := h.BodiesInFlight()
			t.Fatalf("%d bodies in flight, want %d", now, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestBodiesInFlightBounded (issue 16 fix round, attack #1): slow bodies
// are read only for an existing project whose headers' key is right, at
// most MaxBodiesPerAddr from one address and MaxBodiesInFlight in all;
// every other request is answered at once, before its body is read, so
// the heap held grows with the bound and not with the connections.
func TestBodiesInFlightBounded(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.h.ServeHTTP(w, r.WithContext(WithClientAddr(r.Context(), r.Header.Get("X-Test-Addr"))))
	}))
	t.Cleanup(srv.Close)
	const part = 1 << 20 // sent of each body
	before := heapInUse()

	// No such project, or a wrong key in the headers: refused unread.
	for _, c := range []struct{ path, key string }{{"/api/999/envelope/", ""}, {"/api/999/store/", key1}, {"/api/1/envelope/", wrong}} {
		if resp := openSlow(t, srv.URL, c.path, "198.51.100.1", c.key, part).answer(t); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s key %q: %d, want 403", c.path, c.key, resp.StatusCode)
		}
	}
	if now, _ := f.h.BodiesInFlight(); now != 0 {
		t.Fatalf("%d bodies read for refused requests", now)
	}

	// One address: MaxBodiesPerAddr are read, the next is refused.
	for i := range MaxBodiesPerAddr {
		openSlow(t, srv.URL, "/api/1/envelope/", "203.0.113.1", key1, part)
		waitInFlight(t, f.h, i+1)
	}
	resp := openSlow(t, srv.URL, "/api/1/envelope/", "203.0.113.1", key1, part).answer(t)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("past the per-address bound: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Other addresses fill the global bound; three times as many more
	// connections are refused at once.
	for i := MaxBodiesPerAddr; i < MaxBodiesInFlight; i++ {
		openSlow(t, srv.URL, "/api/1/store/", fmt.Sprintf("203.0.113.%d", 2+i/MaxBodiesPerAddr), key1, part)
		waitInFlight(t, f.h, i+1)
	}
	for i := range 3 * MaxBodiesInFlight {
		resp := openSlow(t, srv.URL, "/api/1/envelope/", fmt.Sprintf("192.0.2.%d", 1+i), key1, part).answer(t)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("request %d past the global bound: %d", i, resp.StatusCode)
		}
	}
	now, peak := f.h.BodiesInFlight()
	grown := int64(heapInUse()) - int64(before)
	t.Logf("%d bodies in flight (peak %d), heap grown %.1f MiB", now, peak, float64(grown)/(1<<20))
	if now != MaxBodiesInFlight || peak != MaxBodiesInFlight {
		t.Errorf("in flight %d, peak %d, want %d", now, peak, MaxBodiesInFlight)
	}
	// Each body read holds its part (read whole: up to twice in growth);
	// had the refused 3×MaxBodiesInFlight been read too, the heap would
	// hold four times as much.
	if limit := int64(MaxBodiesInFlight) * 2 * part; grown > limit {
		t.Errorf("heap grew %d bytes with %d bodies in flight, over %d", grown, now, limit)
	}
	if got := f.count("shop", outcomeOverloaded); got != 1+3*MaxBodiesInFlight {
		t.Errorf("overloaded count %v", got)
	}
}
