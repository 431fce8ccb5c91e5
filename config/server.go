package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// TrustedProxyPrefixes returns server.trusted_proxies as networks. A
// validated config never fails here.
func (s Server) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	out, errs := s.trustedProxies()
	if len(errs) > 0 {
		return nil, errors.New(errs[0].path + ": " + errs[0].msg)
	}
	return out, nil
}

// trustedProxies parses server.trusted_proxies: CIDRs or single
// addresses, never a network that covers every address.
func (s Server) trustedProxies() ([]netip.Prefix, []fieldError) {
	var out []netip.Prefix
	var errs []fieldError
	for i, v := range s.TrustedProxies {
		path := fmt.Sprintf("server.trusted_proxies[%d]", i)
		v = strings.TrimSpace(v)
		var p netip.Prefix
		var err error
		if strings.Contains(v, "/") {
			p, err = netip.ParsePrefix(v)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(v); err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		switch {
		case v == "*":
			errs = append(errs, fieldError{path, `"*" would trust every client to name its own address; list your proxies' addresses`})
		case err != nil:
			errs = append(errs, fieldError{path, fmt.Sprintf("want a CIDR such as 10.0.0.0/8 or an address, got %q", v)})
		case p.Bits() == 0:
			errs = append(errs, fieldError{path, fmt.Sprintf("%s would trust every client to name its own address; list your proxies' addresses", v)})
		default:
			out = append(out, p.Masked())
		}
	}
	return out, errs
}
