package ingest

import (
	"context"
	"net"
	"sync"

	"github.com/ward-monitoring/ward/ratelimit"
)

// Bounds of the bodies in flight (issue 16 fix round, attack #1). A body
// is read only after what can be checked without it (the project
// exists, the key of the headers is its), and only while a slot is free:
// at most MaxBodiesInFlight bodies are read at once, at most
// MaxBodiesPerAddr of them from one client address (ratelimit.AddrKey:
// an IPv4 address, an IPv6 /64). A body holds at most
// envelope.MaxCompressedBytes read plus envelope.MaxRequestBytes
// decompressed, so the bodies in flight hold at most 32 × ~4.2 MiB
// ≈ 135 MiB however many connections trickle them. A request past
// either bound is answered 429 at once, before its body is read.
const (
	MaxBodiesInFlight = 32
	MaxBodiesPerAddr  = 8
	// BusyRetryAfter is the Retry-After of a request refused because
	// the bodies in flight are at their bound.
	BusyRetryAfter = 5
)

// gate counts the bodies being read, in all and per client address.
type gate struct {
	mu     sync.Mutex
	total  int
	peak   int
	byAddr map[string]int
}

// enter takes a slot for addr, or reports false when none is free.
func (g *gate) enter(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.total >= MaxBodiesInFlight || g.byAddr[addr] >= MaxBodiesPerAddr {
		return false
	}
	if g.byAddr == nil {
		g.byAddr = map[string]int{}
	}
	g.total++
	g.peak = max(g.peak, g.total)
	g.byAddr[addr]++
	return true
}

// leave frees addr's slot.
func (g *gate) leave(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.byAddr[addr]--; g.byAddr[addr] <= 0 {
		delete(g.byAddr, addr)
	}
}

// BodiesInFlight returns the bodies being read now and the most ever
// read at once.
func (h *Handler) BodiesInFlight() (now, peak int) {
	h.gate.mu.Lock()
	defer h.gate.mu.Unlock()
	return h.gate.total, h.gate.peak
}

type clientAddrKey struct{}

// WithClientAddr gives the handler the client's address as the server
// knows it (behind a trusted proxy, the forwarded one); without it the
// handler takes the connection's peer.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// clientAddr is the key of the request's client address.
func clientAddr(ctx context.Context, remoteAddr string) string {
	if a, ok := ctx.Value(clientAddrKey{}).(string); ok && a != "" {
		return ratelimit.AddrKey(a)
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return ratelimit.AddrKey(host)
}
