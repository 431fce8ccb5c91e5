package config

import promcommon "github.com/prometheus/common/config"

// CheckTCP is the kind of a TCP check.
const CheckTCP = "tcp"

// TCPCheck is a TCP check's own keys: it connects to Address and, with
// TLS, completes a handshake verified by TLSConfig.
type TCPCheck struct {
	Address   string               `yaml:"address"`
	TLS       bool                 `yaml:"tls"`
	TLSConfig promcommon.TLSConfig `yaml:"tls_config"`
}

func (s *TCPCheck) setDirectory(dir string) {
	s.TLSConfig.SetDirectory(dir)
}

func (s *TCPCheck) validate(v *pathValidator, _ *Check) {
	validateAddress(v, s.Address)
	validateTLS(v, s.TLSConfig, s.TLS)
}
