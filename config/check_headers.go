package config

import (
	promcommon "github.com/prometheus/common/config"
)

// CheckHeaders is the kind of a security-headers check (issue 13).
const CheckHeaders = "headers"

// HeadersCheck is a headers check's own keys: it GETs URL (a page of the
// monitored app) and scores the response's security headers against
// the OWASP secure-headers set ward serves itself.
type HeadersCheck struct {
	URL       string               `yaml:"url"`
	TLSConfig promcommon.TLSConfig `yaml:"tls_config"`
}

func (s *HeadersCheck) setDirectory(dir string) { s.TLSConfig.SetDirectory(dir) }

func (s *HeadersCheck) validate(v *pathValidator, _ *Check) {
	validateWebURL(v, s.URL, "must not hold credentials")
	validateTLS(v, s.TLSConfig, true)
}
