package config

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"
)

// CheckPostgres is the kind of a PostgreSQL check.
const CheckPostgres = "postgres"

// PostgresCheck is a PostgreSQL check's own keys: it connects, runs
// SELECT 1 and reads version, role, replication lag and connections.
type PostgresCheck struct {
	// The password, if the DSN's user needs one; never in the DSN.
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`

	// Exactly one of DSN (without a password) and DSNFile.
	DSN              string         `yaml:"dsn"`
	DSNFile          string         `yaml:"dsn_file"`
	ConnectTimeout   model.Duration `yaml:"connect_timeout"`
	StatementTimeout model.Duration `yaml:"statement_timeout"`
	// Query runs after SELECT 1; ExpectResult, if set, must equal the first
	// column of its first row in PostgreSQL's text form ("t", "42").
	Query        string `yaml:"query"`
	ExpectResult string `yaml:"expect_result"`
}

func (s *PostgresCheck) setDirectory(dir string) {
	resolvePaths(dir, &s.PasswordFile, &s.DSNFile)
}

// dsnPasswordRE finds a password keyword in a key=value DSN.
var dsnPasswordRE = regexp.MustCompile(`(^|\s)password\s*=`)

func (s *PostgresCheck) validate(v *pathValidator, ch *Check) {
	switch {
	case s.DSN == "" && s.DSNFile == "":
		v.add("dsn", "required (or dsn_file)")
	case s.DSN != "" && s.DSNFile != "":
		v.add("dsn_file", "set dsn or dsn_file, not both")
	case s.DSN != "":
		// The message must not repeat the DSN: it may hold a password.
		if strings.Contains(s.DSN, "://") {
			u, err := url.Parse(s.DSN)
			switch {
			case err != nil:
				v.add("dsn", "not a valid URL")
			case u.Scheme != "postgres" && u.Scheme != "postgresql":
				v.add("dsn", "want a postgres:// URL or key=value pairs")
			case hasURLPassword(u):
				v.add("dsn", "holds a password; use password_env, password_file or dsn_file")
			}
		} else if dsnPasswordRE.MatchString(s.DSN) {
			v.add("dsn", "holds a password; use password_env, password_file or dsn_file")
		}
	}
	v.secretSource("password", s.PasswordEnv, s.PasswordFile, false)
	for _, d := range []struct {
		key string
		d   model.Duration
	}{{"connect_timeout", s.ConnectTimeout}, {"statement_timeout", s.StatementTimeout}} {
		if d.d < 0 {
			v.add(d.key, "must not be negative")
		} else if ch.Timeout > 0 && d.d > ch.Timeout {
			v.add(d.key, "%s exceeds timeout %s", d.d, ch.Timeout)
		}
	}
	if s.ExpectResult != "" && s.Query == "" {
		v.add("expect_result", "needs query")
	}
}

func hasURLPassword(u *url.URL) bool {
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}
