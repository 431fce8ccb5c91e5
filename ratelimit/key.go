package ratelimit

import "net/netip"

// AddrGroup is the block a client address counts as: an IPv4 address
// whole (IPv4-mapped IPv6 unmapped), IPv6 by its /64, which one host or
// site usually holds whole and could otherwise walk through. Every
// per-address limit (these limiters, auth's sign-in throttle, the
// connection caps) groups by it.
func AddrGroup(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// GroupKey names a's AddrGroup: "192.0.2.1" or "2001:db8:1:2::/64".
func GroupKey(a netip.Addr) string {
	g := AddrGroup(a)
	if g.Is6() {
		return netip.PrefixFrom(g, 64).String()
	}
	return g.String()
}

// AddrKey is the key of a client address (GroupKey); anything that is
// not an address is its own key.
func AddrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return GroupKey(a)
}
