package ui

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// serveLimited serves h on a listener capped at maxConns overall, with
// trusted as the trusted proxies, and returns its address and metrics.
func serveLimited(t *testing.T, maxConns int, trusted ...string) (string, *prometheus.Registry) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ln := LimitConnections(raw, maxConns, func(a netip.Addr) bool {
		for _, p := range trusted {
			if netip.MustParseAddr(p) == a {
				return true
			}
		}
		return false
	}, reg)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return raw.Addr().String(), reg
}

// dialFrom opens a connection to addr from the local address src.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// served reports whether c gets an answer to a GET.
func served(c net.Conn) bool {
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestConnectionCapPerAddress opens maxConnsPerAddr connections from
// 127.0.0.1: the next one from there is closed unanswered and counted,
// while a client at 127.0.0.2 is still served; closing one gives its
// slot back.
func TestConnectionCapPerAddress(t *testing.T) {
	addr, reg := serveLimited(t, 1000)
	var held []net.Conn
	for range maxConnsPerAddr {
		c := dialFrom(t, "127.0.0.1", addr)
		if !served(c) {
			t.Fatalf("connection %d within the cap not served", len(held)+1)
		}
		held = append(held, c)
	}
	if served(dialFrom(t, "127.0.0.1", addr)) {
		t.Fatalf("connection %d from one address served, want closed", maxConnsPerAddr+1)
	}
	if !served(dialFrom(t, "127.0.0.2", addr)) {
		t.Fatal("another address refused while the first is at its cap")
	}
	if n := refusedConns(t, reg, "per_address"); n != 1 {
		t.Errorf("refused per_address = %v, want 1", n)
	}
	held[0].Close()
	var ok bool
	for range 50 { // the server sees the close asynchronously
		if ok = served(dialFrom(t, "127.0.0.1", addr)); ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !ok {
		t.Error("a closed connection's slot was not given back")
	}
}

// TestConnectionCapTotal: past the overall cap every address is refused;
// a trusted proxy is exempt from the per-address cap only.
func TestConnectionCapTotal(t *testing.T) {
	addr, reg := serveLimited(t, maxConnsPerAddr+2, "127.0.0.3")
	for i := range maxConnsPerAddr + 1 {
		if !served(dialFrom(t, "127.0.0.3", addr)) {
			t.Fatalf("trusted proxy's connection %d refused", i+1)
		}
	}
	if !served(dialFrom(t, "127.0.0.4", addr)) {
		t.Fatal("last connection under the overall cap refused")
	}
	if served(dialFrom(t, "127.0.0.5", addr)) {
		t.Fatal("connection past the overall cap served")
	}
	if n := refusedConns(t, reg, "total"); n != 1 {
		t.Errorf("refused total = %v, want 1", n)
	}
}

// refusedConns is ward_http_connections_refused_total{reason} in reg.
func refusedConns(t *testing.T, reg *prometheus.Registry, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ward_http_connections_refused_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no ward_http_connections_refused_total{reason=%q}", reason)
	return 0
}

// TestSlowBody trickles a body to the sign-in form and to a ping over a
// real connection: each is answered 408 in its route's format once its
// route's time limit (shortened here) passes, not when the server's
// ReadTimeout does, and a body sent in time reaches the handler.
func TestSlowBody(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	for _, tc := range []struct {
		pattern, path string
		json          bool
	}{
		{"POST /login", "/login", false},
		{"POST /ping/{token}", "/ping/abcdefghijklmnopqrstuv", true},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			e := s.endpoints[tc.pattern]
			if e.timeout <= 0 {
				t.Fatalf("%s has no time limit", tc.pattern)
			}
			e.timeout = 300 * time.Millisecond
			srv := httptest.NewServer(s.guard(e, s.bounded(e, e.handler)))
			defer srv.Close()
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nu", tc.path)
			go func() { // a byte every 100 ms, as slowbody.py did
				for range 40 {
					time.Sleep(100 * time.Millisecond)
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}()
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if took := time.Since(start); resp.StatusCode != http.StatusRequestTimeout || took > 2*time.Second {
				t.Fatalf("status %d after %v, want 408 within the limit: %.200s", resp.StatusCode, took, body)
			}
			if isJSON := strings.Contains(resp.Header.Get("Content-Type"), "json"); isJSON != tc.json || !strings.Contains(string(body), "not received within 300ms") {
				t.Errorf("Content-Type %q: %.300s", resp.Header.Get("Content-Type"), body)
			}
		})
	}
	// A body sent at once reaches the handler whole.
	e := s.endpoints["POST /login"]
	got := ""
	srv := httptest.NewServer(s.bounded(e, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.FormValue("username") })))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("username=alice&password=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "alice" {
		t.Errorf("handler read username %q, want alice", got)
	}
}
