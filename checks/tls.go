package checks

import (
	"crypto/tls"
	"fmt"
	"time"

	promcommon "github.com/prometheus/common/config"
)

// certExpiryMetric is the seconds until the earliest certificate the
// server presented expires; negative once it has.
const certExpiryMetric = "ward_check_tls_cert_expiry_seconds"

// tlsConfig builds the client TLS configuration of a check. serverName is
// the name to verify when tls_config sets none (the host of an address;
// net/http fills it in from the URL by itself). Files are read at every
// run, so renewed certificates are picked up.
func tlsConfig(c promcommon.TLSConfig, serverName string) (*tls.Config, error) {
	cfg, err := promcommon.NewTLSConfig(&c)
	if err != nil {
		return nil, fail(ReasonConfig, fmt.Errorf("tls_config: %w", err))
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	return cfg, nil
}

// reportCertExpiry records when the earliest certificate of the peer's
// chain expires: an intermediate expiring first breaks clients just the
// same.
func reportCertExpiry(r *report, state *tls.ConnectionState, now time.Time) {
	if state == nil || len(state.PeerCertificates) == 0 {
		return
	}
	earliest := state.PeerCertificates[0].NotAfter
	for _, c := range state.PeerCertificates[1:] {
		if c.NotAfter.Before(earliest) {
			earliest = c.NotAfter
		}
	}
	left := earliest.Sub(now)
	r.gauge(certExpiryMetric, left.Seconds())
	r.detail("TLS certificate expires in %s", formatDuration(left))
}
