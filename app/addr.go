package app

import (
	"fmt"
	"net"
	"net/url"

	"github.com/ward-monitoring/ward/config"
)

// loopbackAddr turns a listener address into one ward can scrape itself
// on: a wildcard host becomes loopback.
func loopbackAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	switch {
	case ip == nil || ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

func externalURL(cfg *config.Config, selfAddr string) (*url.URL, error) {
	s := cfg.Server.ExternalURL
	if s == "" {
		s = scheme(cfg) + "://" + selfAddr + "/" // issue 13: https with server.tls
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("server.external_url: %w", err)
	}
	return u, nil
}
