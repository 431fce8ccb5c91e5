package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// fieldError is a semantic problem with one key of ward's own sections.
type fieldError struct {
	path, msg string
}

// pathValidator collects the problems of one part of the configuration,
// each under a key relative to path.
type pathValidator struct {
	path string
	errs []fieldError
}

func (v *pathValidator) add(key, format string, args ...any) {
	v.errs = append(v.errs, fieldError{path: v.path + "." + key, msg: fmt.Sprintf(format, args...)})
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// secretSource checks a pair of *_env / *_file keys; required says one
// must be set.
func (v *pathValidator) secretSource(prefix, env, file string, required bool) {
	switch {
	case env != "" && file != "":
		v.add(prefix+"_file", "set %s_env or %s_file, not both", prefix, prefix)
	case env != "" && !envNameRE.MatchString(env):
		v.add(prefix+"_env", "%q is not an environment variable name", env)
	case required && env == "" && file == "":
		v.add(prefix+"_env", "required (or %s_file)", prefix)
	}
}

// validate checks ward's own sections and returns every problem found.
func (c *Config) validate() []fieldError {
	var errs []fieldError
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldError{path: path, msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Storage.Path) == "" {
		add("storage.path", "required")
	}
	if c.Storage.Retention.Time < 0 {
		add("storage.retention.time", "must not be negative")
	}
	if c.Storage.Retention.Size < 0 {
		add("storage.retention.size", "must not be negative")
	}
	if c.Storage.Retention.Time == 0 && c.Storage.Retention.Size == 0 {
		add("storage.retention", "set time, size or both; ward never keeps data unbounded")
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen", "want host:port: %v", err)
	}
	if c.Server.ExternalURL != "" {
		u, err := url.Parse(c.Server.ExternalURL)
		switch {
		case err != nil:
			add("server.external_url", "%v", err)
		case u.Scheme != "http" && u.Scheme != "https":
			add("server.external_url", "want an http:// or https:// URL, got %q", c.Server.ExternalURL)
		case u.Host == "":
			add("server.external_url", "missing host in %q", c.Server.ExternalURL)
		}
	}
	_, proxyErrs := c.Server.trustedProxies()
	errs = append(errs, proxyErrs...)
	for i, h := range c.Server.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/:*@ ") {
			add(fmt.Sprintf("server.allowed_hosts[%d]", i), "want a host name without scheme, port or wildcard, got %q", h)
		}
	}
	seen := map[string]bool{}
	for i, name := range c.Rules.Disable {
		path := fmt.Sprintf("rules.disable[%d]", i)
		switch {
		case strings.TrimSpace(name) == "":
			add(path, "empty rule name")
		case seen[name]:
			add(path, "%q listed twice", name)
		}
		seen[name] = true
	}
	errs = append(errs, c.Rules.problems()...) // issue 15, for state restore
	errs = append(errs, c.validateAuth()...)
	errs = append(errs, c.validateQuery()...)
	errs = append(errs, c.Events.problems()...)
	errs = append(errs, c.Privacy.problems()...)
	errs = append(errs, c.Dashboard.problems()...) // issue 11
	errs = append(errs, c.validateMail()...)
	errs = append(errs, c.validateBackups()...)     // issue 12
	errs = append(errs, c.Limits.problems()...)     // issue 13, rate limits
	errs = append(errs, c.Compliance.problems()...) // issue 14
	errs = append(errs, c.Errors.problems()...)     // issue 16
	// Issue 13 (helper D): server.tls, server.cors.
	errs = append(errs, c.validateServerTransport()...)
	return append(errs, c.validateChecks()...)
}
