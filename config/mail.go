package config

import (
	"net"
	"net/mail"
	"path/filepath"
	"reflect"

	promcommon "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/ward-monitoring/ward/secret"
)

// Mail configures how ward sends its own mail: password-reset links and
// security notices to users (section `mail:`). Alert notifications are
// configured per receiver under `alerting:`, not here. The password is
// never written in the file: it comes from auth_password_file or
// auth_password_env, read at every send.
type Mail struct {
	// Smarthost is the SMTP server, host:port.
	Smarthost string `yaml:"smarthost"`
	// From is the sender, e.g. "ward <ward@example.com>".
	From string `yaml:"from"`
	// Hello is the name ward gives in EHLO; empty means "localhost".
	Hello string `yaml:"hello"`

	AuthUsername     string `yaml:"auth_username"`
	AuthPasswordFile string `yaml:"auth_password_file"`
	AuthPasswordEnv  string `yaml:"auth_password_env"`

	// RequireTLS makes STARTTLS mandatory; false sends in the clear.
	RequireTLS bool `yaml:"require_tls"`
	// ForceImplicitTLS speaks TLS from the first byte (SMTPS). Unset
	// means: when the port is 465.
	ForceImplicitTLS *bool                `yaml:"force_implicit_tls"`
	TLSConfig        promcommon.TLSConfig `yaml:"tls_config"`
}

// DefaultMail returns the values of the keys a mail section leaves out.
func DefaultMail() Mail {
	return Mail{RequireTLS: true}
}

// UnmarshalYAML applies DefaultMail under the document's values.
func (m *Mail) UnmarshalYAML(n *yaml.Node) error {
	*m = DefaultMail()
	type plain Mail
	return n.Decode((*plain)(m))
}

// setDirectory resolves the section's file paths against dir, the config
// file's directory.
func (m *Mail) setDirectory(dir string) {
	if m.AuthPasswordFile != "" && !filepath.IsAbs(m.AuthPasswordFile) {
		m.AuthPasswordFile = filepath.Join(dir, m.AuthPasswordFile)
	}
	m.TLSConfig.SetDirectory(dir)
}

// validateMail checks the mail section, when there is one, and resolves
// its relative file paths.
func (c *Config) validateMail() []fieldError {
	m := c.Mail
	if m == nil {
		return nil
	}
	if c.Source != DefaultSource {
		m.setDirectory(filepath.Dir(c.Source))
	}
	v := pathValidator{path: "mail"}
	if m.Smarthost == "" {
		v.add("smarthost", "required")
	} else if host, port, err := net.SplitHostPort(m.Smarthost); err != nil || host == "" || port == "" {
		v.add("smarthost", "want host:port, got %q", m.Smarthost)
	}
	if m.From == "" {
		v.add("from", "required")
	} else if _, err := mail.ParseAddress(m.From); err != nil {
		v.add("from", "want one address such as \"ward <ward@example.com>\", got %q", m.From)
	}
	v.secretSource("auth_password", m.AuthPasswordEnv, m.AuthPasswordFile, m.AuthUsername != "")
	if m.AuthUsername == "" && (m.AuthPasswordEnv != "" || m.AuthPasswordFile != "") {
		v.add("auth_username", "required with auth_password_env or auth_password_file")
	}
	if !reflect.ValueOf(m.TLSConfig).IsZero() {
		if err := m.TLSConfig.Validate(); err != nil {
			v.add("tls_config", "%v", err)
		}
	}
	return v.errs
}

// ReadPassword returns the SMTP password from auth_password_env or
// auth_password_file; "" when neither is set. Errors never hold the value.
func (m *Mail) ReadPassword() (secret.Secret, error) {
	return secret.Read(m.AuthPasswordEnv, m.AuthPasswordFile)
}
