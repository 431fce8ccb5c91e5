package ui

import (
	"net"
	"net/netip"
	"sync"

	"github.com/ward-monitoring/ward/ratelimit"

	"github.com/prometheus/client_golang/prometheus"
)

// Issue 13 fix round (attack #2): connection caps.
//
// Every open connection holds a file descriptor, and ward's TSDB, bbolt,
// control socket, probes and scrapes need theirs from the same
// RLIMIT_NOFILE. Without a cap one client can open connections until
// accept, the TSDB's WAL and the control socket all fail with "too many
// open files". The listener therefore refuses, by closing at once, a
// connection past either cap:
//   - overall, maxConns (app derives it from RLIMIT_NOFILE);
//   - per client address, maxConnsPerAddr, counting IPv6 by its /64
//     (one host usually holds the whole /64). The address is the TCP
//     peer: a header cannot be believed before the request is read.
//     Trusted proxies (server.trusted_proxies) carry many clients over
//     few addresses, so they are held only to the overall cap.
const (
	// maxConnsPerAddr is how many connections one address may hold
	// open. A browser opens at most 6 per host over HTTP/1.1 (one over
	// HTTP/2); Grafana, amtool and scripts a few each.
	maxConnsPerAddr = 64
)

// connLimiter is a net.Listener that refuses connections past its caps.
type connLimiter struct {
	net.Listener
	max     int
	trusted func(netip.Addr) bool
	refused *prometheus.CounterVec

	mu     sync.Mutex
	total  int
	byAddr map[netip.Addr]int
}

// LimitConnections wraps ln, the TCP listener (under TLS, which must see
// its own *tls.Conn), in the caps: maxConns overall and maxConnsPerAddr
// per address that trusted does not report as a trusted proxy. The
// metrics go to reg.
func LimitConnections(ln net.Listener, maxConns int, trusted func(netip.Addr) bool, reg prometheus.Registerer) net.Listener {
	l := &connLimiter{Listener: ln, max: maxConns, trusted: trusted, byAddr: map[netip.Addr]int{}}
	l.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_http_connections_refused_total",
		Help: "Connections ward's HTTP listener closed at once because the overall cap (reason=\"total\") or the per-address cap (reason=\"per_address\") was reached.",
	}, []string{"reason"})
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ward_http_connections_open",
		Help: "Connections open on ward's HTTP listener.",
	}, func() float64 {
		l.mu.Lock()
		defer l.mu.Unlock()
		return float64(l.total)
	})
	if reg != nil {
		reg.MustRegister(l.refused, open)
	}
	return l
}

// connKey is the address a connection counts against: the peer's IPv4
// address, or its IPv6 /64.
func connKey(a net.Addr) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ratelimit.AddrGroup(ap.Addr()), true
}

// Accept returns the next connection within the caps; those past them
// are closed before any byte is read and counted.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := connKey(c.RemoteAddr())
		perAddr := ok && !l.trusted(key)
		reason := ""
		l.mu.Lock()
		switch {
		case l.total >= l.max:
			reason = "total"
		case perAddr && l.byAddr[key] >= maxConnsPerAddr:
			reason = "per_address"
		default:
			l.total++
			if perAddr {
				l.byAddr[key]++
			}
		}
		l.mu.Unlock()
		if reason != "" {
			l.refused.WithLabelValues(reason).Inc()
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.release(key, perAddr) }}, nil
	}
}

func (l *connLimiter) release(key netip.Addr, perAddr bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if perAddr {
		if l.byAddr[key]--; l.byAddr[key] <= 0 {
			delete(l.byAddr, key)
		}
	}
}

// limitedConn gives its slot back on its first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
