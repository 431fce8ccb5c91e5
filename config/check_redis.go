package config

import promcommon "github.com/prometheus/common/config"

// CheckRedis is the kind of a Redis check.
const CheckRedis = "redis"

// RedisCheck is a Redis check's own keys: it sends PING and INFO.
type RedisCheck struct {
	// Username is the ACL user; the password comes from PasswordEnv or
	// PasswordFile.
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// Address is host:port; TLS speaks TLS to it, verified by TLSConfig.
	Address   string               `yaml:"address"`
	TLS       bool                 `yaml:"tls"`
	DB        int                  `yaml:"db"`
	TLSConfig promcommon.TLSConfig `yaml:"tls_config"`
}

func (s *RedisCheck) setDirectory(dir string) {
	resolvePaths(dir, &s.PasswordFile)
	s.TLSConfig.SetDirectory(dir)
}

func (s *RedisCheck) validate(v *pathValidator, _ *Check) {
	validateAddress(v, s.Address)
	v.secretSource("password", s.PasswordEnv, s.PasswordFile, false)
	if s.DB < 0 {
		v.add("db", "must not be negative")
	}
	validateTLS(v, s.TLSConfig, s.TLS)
}
