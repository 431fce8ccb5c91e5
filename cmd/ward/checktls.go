package main

import (
	"fmt"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// tlsExpiryWarning is how far ahead `ward check config` warns about
// ward's own certificate: TLSCertExpiringSoon's 14 days.
const tlsExpiryWarning = 14 * 24 * time.Hour

// serverTLSWarnings are the problems of server.tls's certificate that do
// not stop ward (issue 13): expired, not yet valid, or expiring soon.
// A pair that does not load already failed validation.
func serverTLSWarnings(cfg *config.Config, now time.Time) []string {
	if !cfg.Server.TLS.Enabled() {
		return nil
	}
	certFile, keyFile, _ := cfg.ServerTLSPaths()
	c, err := config.LoadServerCertificate(certFile, keyFile)
	if err != nil {
		return []string{fmt.Sprintf("server.tls.cert_file: %v", err)}
	}
	if p := config.CertificateProblem(c, now); p != "" {
		return []string{fmt.Sprintf("server.tls.cert_file: certificate %s is %s; clients will refuse it", certFile, p)}
	}
	if left := c.Leaf.NotAfter.Sub(now); left < tlsExpiryWarning {
		return []string{fmt.Sprintf("server.tls.cert_file: certificate %s expires in %s (%s)", certFile, left.Round(time.Minute), c.Leaf.NotAfter.UTC().Format(time.RFC3339))}
	}
	return nil
}
