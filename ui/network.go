package ui

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// network is what the server knows about the way requests reach it: the
// reverse proxies whose forwarding headers it believes, and the host
// names browsers may use. It is replaced whole on every configuration
// change (SetNetwork).
type network struct {
	trusted []netip.Prefix
	// hosts are the allowed host names, lower case, without port.
	hosts map[string]bool
}

// maxForwardedHops bounds how many X-Forwarded-For entries are read, so
// a client cannot make each request walk an arbitrarily long list.
const maxForwardedHops = 32

// SetNetwork sets the trusted proxies and the extra allowed host names
// (server.trusted_proxies and server.allowed_hosts). The external URL's
// host, IP literals and localhost are always allowed.
func (s *Server) SetNetwork(trusted []netip.Prefix, hosts []string) {
	n := &network{trusted: trusted, hosts: map[string]bool{"localhost": true}}
	if u := s.deps.ExternalURL; u != nil && u.Hostname() != "" {
		n.hosts[strings.ToLower(u.Hostname())] = true
	}
	for _, h := range hosts {
		n.hosts[strings.ToLower(h)] = true
	}
	s.net.Store(n)
}

func (s *Server) network() *network {
	if n := s.net.Load(); n != nil {
		return n
	}
	return &network{hosts: map[string]bool{"localhost": true}}
}

func (n *network) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range n.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client that made r. It is the TCP peer,
// unless the peer is a trusted proxy: then X-Forwarded-For (or, without
// one, Forwarded) is read right to left, skipping trusted hops, and the
// first untrusted address is the client. Entries the client wrote itself
// sit to the left of that and are never believed.
func (s *Server) clientIP(r *http.Request) string {
	peer, ok := parseHostPort(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	n := s.network()
	if len(n.trusted) == 0 || !n.isTrusted(peer) {
		return peer.String()
	}
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-maxForwardedHops; i-- {
		a, ok := parseHostPort(hops[i])
		if !ok {
			// Garbage where an address should be: the last hop
			// ward trusts is the best it knows.
			break
		}
		client = a
		if !n.isTrusted(a) {
			break
		}
	}
	return client.String()
}

// forwardedFor returns the client chain a proxy reported, oldest first:
// X-Forwarded-For when present, otherwise the for= parameters of
// Forwarded (RFC 7239). Only one of the two is read, so that a proxy that
// sets one cannot be undercut by a client sending the other.
func forwardedFor(h http.Header) []string {
	var out []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, v := range strings.Split(line, ",") {
				out = append(out, strings.TrimSpace(v))
			}
		}
		return out
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, strings.Trim(v, `"`))
				}
			}
		}
	}
	return out
}

// parseHostPort reads an address with or without a port, IPv6 with or
// without brackets ("192.0.2.1", "192.0.2.1:80", "[2001:db8::1]:80",
// "2001:db8::1").
func parseHostPort(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone(""), true
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// checkHost answers 421 to a request whose Host header names a host ward
// does not serve, so that a page on an attacker's domain re-pointed at
// ward's address (DNS rebinding) cannot read it.
func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.allowedHost(r.Host) {
			// Plain text with nosniff: the echoed name cannot run.
			s.logger.Debug("request for a host name ward does not serve", "host", clip(r.Host, 256))
			http.Error(w, fmt.Sprintf("misdirected request: ward does not serve the host name %q; add it to server.allowed_hosts or set server.external_url", clip(r.Host, 256)), http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) allowedHost(hostport string) bool {
	if hostport == "" {
		return true // HTTP/1.0 without Host: nothing to rebind
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return s.network().hosts[host]
}

// TrustedProxy reports whether a is in server.trusted_proxies (issue 13
// fix round: the connection caps exempt proxies from the per-address
// cap).
func (s *Server) TrustedProxy(a netip.Addr) bool { return s.network().isTrusted(a) }
