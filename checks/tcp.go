package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// tcpProber connects to an address, optionally completing a TLS
// handshake, and reports the certificate's expiry.
type tcpProber struct {
	spec *config.TCPCheck
}

var _ prober = (*tcpProber)(nil)

// tcpReasons are the failure reasons a TCP check reports.
var tcpReasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonConfig, ReasonError}

func newTCPProber(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.TCPCheck](cfg)
	if err != nil {
		return nil, err
	}
	return &tcpProber{spec: spec}, nil
}

func (p *tcpProber) probe(ctx context.Context, r *report) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.spec.Address)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if !p.spec.TLS {
		r.detail("connected to %s", conn.RemoteAddr())
		return nil
	}
	host, _, _ := net.SplitHostPort(p.spec.Address)
	tc, err := tlsConfig(p.spec.TLSConfig, host)
	if err != nil {
		return err
	}
	tconn := tls.Client(conn, tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return tlsHandshakeError(err)
	}
	state := tconn.ConnectionState()
	reportCertExpiry(r, &state, time.Now())
	return nil
}

// tlsHandshakeError marks a failed handshake as a TLS failure unless the
// network or the deadline caused it.
func tlsHandshakeError(err error) error {
	err = fmt.Errorf("tls handshake: %w", err)
	if reason := classify(err); reason == ReasonTimeout || reason == ReasonNetwork {
		return err
	}
	return fail(ReasonTLS, err)
}
