package email

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/config"
)

// An alertmanager.yml receiver, with its smtp_* globals, works unchanged.
func TestAlertmanagerYAMLPastesIn(t *testing.T) {
	srv := startMailServer(t, false, nil)
	cfg, err := config.Load(fmt.Sprintf(`
global:
  smtp_smarthost: localhost:%s
  smtp_from: ward@example.com
  smtp_auth_username: %s
  smtp_auth_password: %s
route:
  receiver: oncall
receivers:
  - name: oncall
    email_configs:
      - to: oncall@example.com
        send_resolved: true
        tls_config:
          ca_file: %s
`, srv.port, testUser, testPassword, srv.caFile))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(wardURL)
	n, err := New(cfg.Receivers[0].EmailConfigs[0], newTemplate(t), nil, Options{ExternalURL: u})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(false)...).Err(); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	got := onlyMessage(t, srv)
	m := parseMail(t, got.data)
	if !got.tls || got.authUser != testUser || m.subject != "[FIRING:2] HostHighCPU (node)" {
		t.Errorf("tls=%v auth=%q subject=%q", got.tls, got.authUser, m.subject)
	}
	if m.parts["text/plain"] == "" || m.parts["text/html"] == "" {
		t.Errorf("parts %q", m.parts)
	}
}
