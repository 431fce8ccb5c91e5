package compliance

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// minCertLife is how long every certificate must still be valid.
const minCertLife = 14 * 24 * time.Hour

// certExpiryExpr is the seconds until each checked endpoint's earliest
// certificate expires (checks/tls.go), ward's own left out: it is read
// from its file.
const certExpiryExpr = `min by (check) (ward_check_tls_cert_expiry_seconds{check!="ward-server"})`

// checkCertificates: ward's own certificate (server.tls) and those of the
// endpoints its checks reach are valid for more than 14 days.
func checkCertificates(e *env) Result {
	threshold := "every certificate valid > 14d"
	type cert struct {
		name string
		left time.Duration
	}
	var certs []cert
	var src []Source
	if e.cfg.Server.TLS.Enabled() {
		path, _, _ := e.cfg.ServerTLSPaths()
		notAfter, err := earliestExpiry(path)
		if err != nil {
			return failed("", threshold, "server.tls.cert_file: "+err.Error(), configSource("server.tls.cert_file"))
		}
		certs = append(certs, cert{"ward (server.tls)", notAfter.Sub(e.now)})
		src = append(src, configSource("server.tls.cert_file"))
	}
	vec, err := e.facts.Query(e.ctx, certExpiryExpr, e.now)
	if err != nil {
		return failed("", threshold, "querying the checks' certificates: "+err.Error(), metricSource(certExpiryExpr))
	}
	for _, s := range vec {
		certs = append(certs, cert{"check " + s.Metric.Get("check"), time.Duration(s.F * float64(time.Second))})
	}
	if len(vec) > 0 {
		src = append(src, metricSource(certExpiryExpr), Source{Kind: "check", Ref: "checks", URL: "/checks"})
	}
	if len(certs) == 0 {
		return Result{Status: NA, Value: "no TLS certificate: ward serves http and no check reaches a TLS endpoint", Threshold: threshold,
			Sources: []Source{configSource("server.tls"), configSource("checks")}}
	}
	slices.SortFunc(certs, func(a, b cert) int { return int((a.left - b.left) / time.Second) })
	var short []string
	for _, c := range certs {
		if c.left <= minCertLife {
			if c.left <= 0 {
				short = append(short, c.name+" expired")
			} else {
				short = append(short, fmt.Sprintf("%s expires in %s", c.name, days(c.left.Truncate(time.Hour))))
			}
		}
	}
	value := fmt.Sprintf("%d certificates, the first expires in %s (%s)", len(certs), days(certs[0].left.Truncate(time.Hour)), certs[0].name)
	if len(short) > 0 {
		return failed(value, threshold, "Renew: "+strings.Join(short, "; ")+".", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// earliestExpiry is when the first certificate of the PEM chain in path
// expires.
func earliestExpiry(path string) (time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, err
	}
	var first time.Time
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return time.Time{}, err
		}
		if first.IsZero() || c.NotAfter.Before(first) {
			first = c.NotAfter
		}
	}
	if first.IsZero() {
		return first, errors.New("no certificate in the file")
	}
	return first, nil
}
