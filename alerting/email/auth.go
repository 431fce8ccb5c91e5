package email

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/wneessen/go-mail/smtp"

	commoncfg "github.com/prometheus/common/config"

	amemail "github.com/prometheus/alertmanager/notify/email"

	"github.com/ward-monitoring/ward/secret"
)

// credentials are the SMTP AUTH settings of one email config. Passwords and
// secrets given as files are read on every send, so a rotated file takes
// effect without a reload.
type credentials struct {
	username     string
	identity     string
	password     commoncfg.Secret
	passwordFile string
	secret       commoncfg.Secret
	secretFile   string
}

// newCredentials returns nil when no auth_username is set: like
// Alertmanager, ward then sends without authenticating.
func newCredentials(cfg *amemail.EmailConfig) (*credentials, error) {
	if cfg.AuthUsername == "" {
		return nil, nil
	}
	c := &credentials{
		username:     cfg.AuthUsername,
		identity:     cfg.AuthIdentity,
		password:     cfg.AuthPassword,
		passwordFile: cfg.AuthPasswordFile,
		secret:       cfg.AuthSecret,
		secretFile:   cfg.AuthSecretFile,
	}
	if c.password == "" && c.passwordFile == "" && c.secret == "" && c.secretFile == "" {
		return nil, errors.New("auth_username is set but none of auth_password, auth_password_file, auth_secret, auth_secret_file is")
	}
	// Fail at load time rather than on the first alert.
	var errs []error
	if _, err := c.readPassword(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.readSecret(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// mechanism picks the first mechanism in the server's AUTH list that the
// configured credentials can serve, the way Alertmanager does: CRAM-MD5 with
// the secret, PLAIN or LOGIN with the password. It also returns the secret
// value it used, so errors can be scrubbed of it.
func (c *credentials) mechanism(offered, host string) (smtp.Auth, string, error) {
	var errs []error
	for mech := range strings.FieldsSeq(offered) {
		switch strings.ToUpper(mech) {
		case "CRAM-MD5":
			secret, err := c.readSecret()
			if err == nil && secret == "" {
				err = errors.New("CRAM-MD5 needs auth_secret")
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			return smtp.CRAMMD5Auth(c.username, secret), secret, nil
		case "PLAIN", "LOGIN":
			password, err := c.readPassword()
			if err == nil && password == "" {
				err = fmt.Errorf("%s needs auth_password", mech)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			// Neither mechanism may send the password in the clear: go-mail
			// refuses unless the connection is TLS or the server is local.
			if strings.EqualFold(mech, "PLAIN") {
				return smtp.PlainAuth(c.identity, c.username, password, host, false), password, nil
			}
			return smtp.LoginAuth(c.username, password, host, false), password, nil
		}
	}
	if len(errs) == 0 {
		return nil, "", fmt.Errorf("no supported auth mechanism among %q (ward supports CRAM-MD5, PLAIN, LOGIN)", offered)
	}
	return nil, "", errors.Join(errs...)
}

// readPassword returns the password, reading auth_password_file if set.
// Surrounding whitespace in the file is dropped, as Alertmanager does.
func (c *credentials) readPassword() (string, error) {
	if c.passwordFile == "" {
		return string(c.password), nil
	}
	v, err := secret.Read("", c.passwordFile)
	if err != nil {
		return "", fmt.Errorf("auth_password_file: %w", err)
	}
	return strings.TrimSpace(string(v)), nil
}

// readSecret returns the CRAM-MD5 secret, reading auth_secret_file if set.
// The file is used byte for byte, trailing newline included, as
// Alertmanager does; secret.Read would trim it, so it is not used here.
func (c *credentials) readSecret() (string, error) {
	if c.secretFile == "" {
		return string(c.secret), nil
	}
	b, err := os.ReadFile(c.secretFile)
	if err != nil {
		return "", fmt.Errorf("auth_secret_file: %w", err)
	}
	return string(b), nil
}
