package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMailSection(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(t *testing.T, m *Mail)
	}{
		{"absent", "server: {listen: 127.0.0.1:9740}\n", func(t *testing.T, m *Mail) {
			if m != nil {
				t.Errorf("Mail = %+v, want nil", m)
			}
		}},
		{"defaults", "mail:\n  smarthost: smtp.example.com:587\n  from: ward@example.com\n", func(t *testing.T, m *Mail) {
			if m == nil || !m.RequireTLS || m.ForceImplicitTLS != nil || m.AuthUsername != "" {
				t.Errorf("Mail = %+v, want require_tls default true", m)
			}
		}},
		{"full", `
mail:
  smarthost: smtp.example.com:465
  from: 'ward <ward@example.com>'
  hello: ward.example.com
  auth_username: ward
  auth_password_file: smtp.password
  require_tls: false
  force_implicit_tls: true
  tls_config: {ca_file: ca.pem}
`, func(t *testing.T, m *Mail) {
			if m.RequireTLS || m.ForceImplicitTLS == nil || !*m.ForceImplicitTLS || m.Hello != "ward.example.com" {
				t.Errorf("Mail = %+v", m)
			}
			if m.AuthPasswordFile != filepath.Join("etc", "smtp.password") || m.TLSConfig.CAFile != filepath.Join("etc", "ca.pem") {
				t.Errorf("paths not resolved against the config's directory: %q %q", m.AuthPasswordFile, m.TLSConfig.CAFile)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load([]byte(tt.doc), filepath.Join("etc", "ward.yml"))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg.Mail)
		})
	}
}

func TestMailUsernameNeedsPassword(t *testing.T) {
	_, err := Load([]byte("mail:\n  smarthost: smtp.example.com:587\n  from: ward@example.com\n  auth_username: ward\n"), "m.yml")
	if err == nil || !strings.Contains(err.Error(), "mail.auth_password_env: required (or auth_password_file)") {
		t.Errorf("err = %v", err)
	}
}

func TestMailPasswordReadNotPrinted(t *testing.T) {
	t.Setenv("WARD_TEST_SMTP_PASSWORD", "hunter2-smtp")
	cfg, err := Load([]byte("mail:\n  smarthost: smtp.example.com:587\n  from: ward@example.com\n  auth_username: ward\n  auth_password_env: WARD_TEST_SMTP_PASSWORD\n"), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	pw, err := cfg.Mail.ReadPassword()
	if err != nil || string(pw) != "hunter2-smtp" {
		t.Fatalf("ReadPassword = %v, %v", pw, err)
	}
	if out := cfg.String(); strings.Contains(out, "hunter2") || !strings.Contains(out, "auth_password_env: WARD_TEST_SMTP_PASSWORD") {
		t.Errorf("printed config:\n%s", out)
	}
}

// TestExampleMailLoads uncomments the mail example in config.example.yaml
// and loads it, so the commented example cannot rot.
func TestExampleMailLoads(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "# mail:" {
			doc = append(doc, "mail:")
			continue
		}
		if len(doc) > 0 {
			if line == "" {
				break
			}
			doc = append(doc, strings.TrimPrefix(line, "# "))
		}
	}
	if len(doc) == 0 {
		t.Fatal("config.example.yaml has no commented mail section")
	}
	cfg, err := Load([]byte(strings.Join(doc, "\n")), "example-mail.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(doc, "\n"))
	}
	if cfg.Mail == nil || cfg.Mail.Smarthost != "smtp.example.com:587" || cfg.Mail.AuthPasswordFile == "" {
		t.Errorf("example mail section decoded as %+v", cfg.Mail)
	}
}
