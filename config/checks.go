package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	promcommon "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/ward-monitoring/ward/secret"
)

// Check kinds.
const (
	CheckPostgres = "postgres"
	CheckRedis    = "redis"
	CheckS3       = "s3"
	CheckHTTP     = "http"
	CheckTCP      = "tcp"
)

// MaxCheckInterval bounds interval: a series written less often than the
// query lookback (5m) has gaps that resolve and re-fire alerts.
const MaxCheckInterval = 5 * time.Minute

// Check configures one health check (section `checks:`). The keys are flat,
// as in the example; checkKeys says which kind uses which, and a key
// set for a kind that ignores it is an error rather than silently unused.
//
// Passwords never sit in the file itself: each comes from an environment
// variable (`*_env`) or a file (`*_file`) read at every run, so rotating
// one needs no reload.
type Check struct {
	Name     string            `yaml:"name"`
	Kind     string            `yaml:"kind"`
	Interval model.Duration    `yaml:"interval"`
	Timeout  model.Duration    `yaml:"timeout"`
	Critical bool              `yaml:"critical"`
	Labels   map[string]string `yaml:"labels"`

	// Username and password: postgres (password only; the user is in the
	// DSN), redis (ACL user) and http (basic auth).
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`

	// postgres: exactly one of DSN (without a password) and DSNFile.
	DSN              string         `yaml:"dsn"`
	DSNFile          string         `yaml:"dsn_file"`
	ConnectTimeout   model.Duration `yaml:"connect_timeout"`
	StatementTimeout model.Duration `yaml:"statement_timeout"`
	// Query runs after SELECT 1; ExpectResult, if set, must equal the first
	// column of its first row in PostgreSQL's text form ("t", "42").
	Query        string `yaml:"query"`
	ExpectResult string `yaml:"expect_result"`

	// redis and tcp: host:port, and whether to speak TLS.
	Address string `yaml:"address"`
	TLS     bool   `yaml:"tls"`
	DB      int    `yaml:"db"`

	// s3. Endpoint is empty for AWS, or the URL of an S3-compatible store.
	Endpoint            string `yaml:"endpoint"`
	Region              string `yaml:"region"`
	Bucket              string `yaml:"bucket"`
	AccessKeyID         string `yaml:"access_key_id"`
	SecretAccessKeyEnv  string `yaml:"secret_access_key_env"`
	SecretAccessKeyFile string `yaml:"secret_access_key_file"`
	PathStyle           bool   `yaml:"path_style"`
	// Canary adds a put, read-back (checksum verified) and delete of a small
	// object under CanaryPrefix to every run.
	Canary       bool   `yaml:"canary"`
	CanaryPrefix string `yaml:"canary_prefix"`

	// http. ExpectStatus empty means any 2xx.
	URL          string                   `yaml:"url"`
	Method       string                   `yaml:"method"`
	ExpectStatus []int                    `yaml:"expect_status"`
	BodyRegexp   string                   `yaml:"body_regexp"`
	Headers      map[string]secret.Secret `yaml:"headers"`

	// TLSConfig verifies the server (CA, name, skip verification) and
	// holds a client certificate: redis and tcp with tls: true, http and s3.
	TLSConfig promcommon.TLSConfig `yaml:"tls_config"`
}

// DefaultCheck returns the values of the keys a check leaves out.
func DefaultCheck() Check {
	return Check{
		Interval:     model.Duration(30 * time.Second),
		Timeout:      model.Duration(5 * time.Second),
		Region:       "us-east-1",
		CanaryPrefix: "ward-canary/",
		Method:       "GET",
	}
}

// UnmarshalYAML applies DefaultCheck under the document's values.
func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("a check is a mapping with name and kind, got %q", n.Value)
	}
	*c = DefaultCheck()
	type plain Check
	return n.Decode((*plain)(c))
}

// setDirectory resolves the check's file paths against dir, the config
// file's directory, as Prometheus does for its own *_file keys.
func (c *Check) setDirectory(dir string) {
	for _, p := range []*string{&c.PasswordFile, &c.DSNFile, &c.SecretAccessKeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	c.TLSConfig.SetDirectory(dir)
}

var (
	checkNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	labelNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	// dsnPasswordRE finds a password keyword in a key=value DSN.
	dsnPasswordRE = regexp.MustCompile(`(^|\s)password\s*=`)
)

// reservedCheckLabels are the labels ward sets on check series itself.
var reservedCheckLabels = map[string]bool{
	"check": true, "kind": true, "op": true, "reason": true, "role": true, "version": true,
}

// checkKeys lists, per kind, the kind-specific keys it uses. The common
// keys (name, kind, interval, timeout, critical, labels) apply to all.
var checkKeys = map[string][]string{
	CheckPostgres: {"password_env", "password_file", "dsn", "dsn_file", "connect_timeout", "statement_timeout", "query", "expect_result"},
	CheckRedis:    {"username", "password_env", "password_file", "address", "tls", "db", "tls_config"},
	CheckS3: {"endpoint", "region", "bucket", "access_key_id", "secret_access_key_env", "secret_access_key_file",
		"path_style", "canary", "canary_prefix", "tls_config"},
	CheckHTTP: {"username", "password_env", "password_file", "url", "method", "expect_status", "body_regexp", "headers", "tls_config"},
	CheckTCP:  {"address", "tls", "tls_config"},
}

var commonCheckKeys = map[string]bool{"name": true, "kind": true, "interval": true, "timeout": true, "critical": true, "labels": true}

// validateChecks checks the `checks:` section and resolves its relative
// file paths against the config file's directory.
func (c *Config) validateChecks() []fieldError {
	var errs []fieldError
	seen := map[string]int{}
	for i := range c.Checks {
		ch := &c.Checks[i]
		if c.Source != DefaultSource {
			ch.setDirectory(filepath.Dir(c.Source))
		}
		v := checkValidator{path: fmt.Sprintf("checks[%d]", i)}
		switch {
		case ch.Name == "":
			v.add("name", "required")
		case !checkNameRE.MatchString(ch.Name):
			v.add("name", "%q: use letters, digits, '_', '.' and '-', starting with a letter or digit", ch.Name)
		default:
			if first, dup := seen[ch.Name]; dup {
				v.add("name", "%q already names checks[%d]", ch.Name, first)
			} else {
				seen[ch.Name] = i
			}
		}
		v.common(ch)
		if _, ok := checkKeys[ch.Kind]; ok {
			v.unusedKeys(ch)
			v.kind(ch)
		} else {
			v.add("kind", "%q: want one of postgres, redis, s3, http, tcp", ch.Kind)
		}
		errs = append(errs, v.errs...)
	}
	return errs
}

// checkValidator collects the problems of one check.
type checkValidator struct {
	path string
	errs []fieldError
}

func (v *checkValidator) add(key, format string, args ...any) {
	v.errs = append(v.errs, fieldError{path: v.path + "." + key, msg: fmt.Sprintf(format, args...)})
}

func (v *checkValidator) common(ch *Check) {
	switch iv := time.Duration(ch.Interval); {
	case iv <= 0:
		v.add("interval", "must be positive")
	case iv > MaxCheckInterval:
		v.add("interval", "%s is longer than %s; alerts would see gaps", ch.Interval, model.Duration(MaxCheckInterval))
	}
	switch {
	case ch.Timeout <= 0:
		v.add("timeout", "must be positive")
	case ch.Interval > 0 && ch.Timeout > ch.Interval:
		v.add("timeout", "%s exceeds interval %s", ch.Timeout, ch.Interval)
	}
	for name := range ch.Labels {
		switch {
		case !labelNameRE.MatchString(name) || strings.HasPrefix(name, "__"):
			v.add("labels."+name, "invalid label name")
		case reservedCheckLabels[name]:
			v.add("labels."+name, "ward sets label %q itself", name)
		}
	}
}

// unusedKeys reports keys set (to other than their default) that the
// check's kind does not use.
func (v *checkValidator) unusedKeys(ch *Check) {
	allowed := map[string]bool{}
	for _, k := range checkKeys[ch.Kind] {
		allowed[k] = true
	}
	got, def := reflect.ValueOf(*ch), reflect.ValueOf(DefaultCheck())
	t := got.Type()
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if commonCheckKeys[key] || allowed[key] {
			continue
		}
		if !reflect.DeepEqual(got.Field(i).Interface(), def.Field(i).Interface()) {
			v.add(key, "not used by kind %s", ch.Kind)
		}
	}
}

// secretSource checks a pair of *_env / *_file keys; required says one
// must be set.
func (v *checkValidator) secretSource(prefix, env, file string, required bool) {
	switch {
	case env != "" && file != "":
		v.add(prefix+"_file", "set %s_env or %s_file, not both", prefix, prefix)
	case env != "" && !envNameRE.MatchString(env):
		v.add(prefix+"_env", "%q is not an environment variable name", env)
	case required && env == "" && file == "":
		v.add(prefix+"_env", "required (or %s_file)", prefix)
	}
}

func (v *checkValidator) kind(ch *Check) {
	switch ch.Kind {
	case CheckPostgres:
		v.postgres(ch)
	case CheckRedis:
		v.address(ch.Address)
		v.secretSource("password", ch.PasswordEnv, ch.PasswordFile, false)
		if ch.DB < 0 {
			v.add("db", "must not be negative")
		}
		v.tls(ch, true)
	case CheckS3:
		v.s3(ch)
	case CheckHTTP:
		v.http(ch)
	case CheckTCP:
		v.address(ch.Address)
		v.tls(ch, true)
	}
}

func (v *checkValidator) address(addr string) {
	if addr == "" {
		v.add("address", "required")
		return
	}
	if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
		v.add("address", "want host:port, got %q", addr)
	}
}

// tls checks tls_config; withFlag says the kind enables TLS with `tls: true`.
func (v *checkValidator) tls(ch *Check, withFlag bool) {
	if reflect.ValueOf(ch.TLSConfig).IsZero() {
		return
	}
	if withFlag && !ch.TLS {
		v.add("tls_config", "set tls: true to use it")
	}
	if err := ch.TLSConfig.Validate(); err != nil {
		v.add("tls_config", "%v", err)
	}
}

func (v *checkValidator) postgres(ch *Check) {
	switch {
	case ch.DSN == "" && ch.DSNFile == "":
		v.add("dsn", "required (or dsn_file)")
	case ch.DSN != "" && ch.DSNFile != "":
		v.add("dsn_file", "set dsn or dsn_file, not both")
	case ch.DSN != "":
		// The message must not repeat the DSN: it may hold a password.
		if strings.Contains(ch.DSN, "://") {
			u, err := url.Parse(ch.DSN)
			switch {
			case err != nil:
				v.add("dsn", "not a valid URL")
			case u.Scheme != "postgres" && u.Scheme != "postgresql":
				v.add("dsn", "want a postgres:// URL or key=value pairs")
			case hasURLPassword(u):
				v.add("dsn", "holds a password; use password_env, password_file or dsn_file")
			}
		} else if dsnPasswordRE.MatchString(ch.DSN) {
			v.add("dsn", "holds a password; use password_env, password_file or dsn_file")
		}
	}
	v.secretSource("password", ch.PasswordEnv, ch.PasswordFile, false)
	for _, d := range []struct {
		key string
		d   model.Duration
	}{{"connect_timeout", ch.ConnectTimeout}, {"statement_timeout", ch.StatementTimeout}} {
		if d.d < 0 {
			v.add(d.key, "must not be negative")
		} else if ch.Timeout > 0 && d.d > ch.Timeout {
			v.add(d.key, "%s exceeds timeout %s", d.d, ch.Timeout)
		}
	}
	if ch.ExpectResult != "" && ch.Query == "" {
		v.add("expect_result", "needs query")
	}
}

func hasURLPassword(u *url.URL) bool {
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}

var s3BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func (v *checkValidator) s3(ch *Check) {
	if !s3BucketRE.MatchString(ch.Bucket) {
		v.add("bucket", "want an S3 bucket name (3-63 lower-case letters, digits, '.', '-'), got %q", ch.Bucket)
	}
	if ch.Endpoint != "" {
		u, err := url.Parse(ch.Endpoint)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.add("endpoint", "want an http:// or https:// URL")
		case u.User != nil:
			v.add("endpoint", "must not hold credentials; use access_key_id and secret_access_key_env or _file")
		}
	}
	if ch.Region == "" {
		v.add("region", "required")
	}
	if ch.AccessKeyID == "" {
		v.add("access_key_id", "required")
	}
	v.secretSource("secret_access_key", ch.SecretAccessKeyEnv, ch.SecretAccessKeyFile, true)
	if ch.Canary && (ch.CanaryPrefix == "" || strings.HasPrefix(ch.CanaryPrefix, "/")) {
		v.add("canary_prefix", "want a key prefix such as ward-canary/")
	}
	v.tls(ch, false)
}

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "OPTIONS": true}

func (v *checkValidator) http(ch *Check) {
	u, err := url.Parse(ch.URL)
	switch {
	case ch.URL == "":
		v.add("url", "required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.add("url", "want an http:// or https:// URL")
	case u.User != nil:
		v.add("url", "must not hold credentials; use username with password_env or password_file")
	}
	if !httpMethods[ch.Method] {
		v.add("method", "%q: want GET, HEAD, POST or OPTIONS", ch.Method)
	}
	for j, code := range ch.ExpectStatus {
		if code < 100 || code > 599 {
			v.add(fmt.Sprintf("expect_status[%d]", j), "%d is not an HTTP status code", code)
		}
	}
	if _, err := regexp.Compile(ch.BodyRegexp); err != nil {
		v.add("body_regexp", "%v", err)
	}
	for name := range ch.Headers {
		if !headerNameRE.MatchString(name) {
			v.add("headers."+name, "invalid header name")
		}
	}
	if ch.Username != "" && ch.PasswordEnv == "" && ch.PasswordFile == "" {
		v.add("password_env", "username needs password_env or password_file")
	}
	v.secretSource("password", ch.PasswordEnv, ch.PasswordFile, false)
	v.tls(ch, false)
}
