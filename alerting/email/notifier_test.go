package email

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNotifyDelivers(t *testing.T) {
	tests := []struct {
		name         string
		implicitTLS  bool
		passwordFile bool // give the password as auth_password_file
		extra        string
	}{
		{name: "starttls"},
		{name: "implicit tls", implicitTLS: true, extra: "force_implicit_tls: true\n"},
		{name: "password file", passwordFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startMailServer(t, tt.implicitTLS, nil)
			cfg := serverConfig(srv, testPassword, tt.extra)
			if tt.passwordFile {
				file := filepath.Join(t.TempDir(), "password")
				if err := os.WriteFile(file, []byte(testPassword+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				cfg = strings.Replace(cfg, fmt.Sprintf("auth_password: %q", testPassword), "auth_password_file: "+file, 1)
			}
			n := mustBuild(t, cfg)

			v := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(false)...)
			if err := v.Err(); err != nil {
				t.Fatalf("Notify: %v", err)
			}

			got := onlyMessage(t, srv)
			// A plain listener that saw DATA under TLS means STARTTLS ran.
			if !got.tls {
				t.Error("message was sent without TLS")
			}
			if got.authUser != testUser {
				t.Errorf("authenticated as %q, want %q", got.authUser, testUser)
			}
			if got.from != "ward@example.com" {
				t.Errorf("MAIL FROM %q, want ward@example.com", got.from)
			}
			if !slices.Equal(got.to, []string{"oncall@example.com"}) {
				t.Errorf("RCPT TO %q, want [oncall@example.com]", got.to)
			}

			m := parseMail(t, got.data)
			if want := "[FIRING:2] HostHighCPU (node)"; m.subject != want {
				t.Errorf("subject %q, want %q", m.subject, want)
			}
			if to := m.header.Get("To"); !strings.Contains(to, "oncall@example.com") {
				t.Errorf("To header %q", to)
			}
			if m.header.Get("Message-Id") == "" || m.header.Get("Date") == "" {
				t.Error("Message-ID or Date header missing")
			}
			assertContains(t, "text part", m.parts["text/plain"],
				"Firing (2)",
				"Severity:    critical",
				"Summary:     CPU above 90% on 127.0.0.1:9100",
				"Description: Load <b>high</b> & rising",
				"Started:",
				"Runbook:     https://runbooks.example.com/HostHighCPU",
				"instance = 127.0.0.1:9101",
				"View in ward: https://ward.example.com/alerts",
			)
			assertContains(t, "html part", m.parts["text/html"],
				"Firing (2)",
				"CRITICAL",
				"CPU above 90% on 127.0.0.1:9100",
				"Load &lt;b&gt;high&lt;/b&gt; &amp; rising",
				`href="https://runbooks.example.com/HostHighCPU"`,
				`href="https://ward.example.com/alerts"`,
				"127.0.0.1:9101",
			)
		})
	}
}

func TestNotifyResolved(t *testing.T) {
	srv := startMailServer(t, false, nil)
	n := mustBuild(t, serverConfig(srv, testPassword, ""))

	if err := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(true)...).Err(); err != nil {
		t.Fatalf("Notify: %v", err)
	}

	m := parseMail(t, onlyMessage(t, srv).data)
	if want := "[RESOLVED] HostHighCPU (node)"; m.subject != want {
		t.Errorf("subject %q, want %q", m.subject, want)
	}
	assertContains(t, "text part", m.parts["text/plain"], "Resolved (2)", "HostHighCPU (resolved)", "Resolved:    ")
	assertContains(t, "html part", m.parts["text/html"], "Resolved (2)", "RESOLVED", ", resolved ")
	if strings.Contains(m.parts["text/plain"], "Firing") {
		t.Errorf("resolved notice mentions firing alerts:\n%s", m.parts["text/plain"])
	}
}

func TestNotifyUserTemplates(t *testing.T) {
	srv := startMailServer(t, false, nil)
	n := mustBuild(t, serverConfig(srv, testPassword, `
headers:
  subject: 'Custom {{ .Status }} {{ .CommonLabels.alertname }}'
  To: 'Pager list <pager@example.com>'
  X-Ward-Team: '{{ .Receiver }}'
html: '<p class="x">{{ .CommonAnnotations.description }} ({{ len .Alerts }})</p>'
text: 'plain {{ .CommonLabels.job }} {{ .Status }}'
`))

	if err := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(false)...).Err(); err != nil {
		t.Fatalf("Notify: %v", err)
	}

	got := onlyMessage(t, srv)
	m := parseMail(t, got.data)
	if want := "Custom firing HostHighCPU"; m.subject != want {
		t.Errorf("subject %q, want %q", m.subject, want)
	}
	if h := m.header.Get("X-Ward-Team"); h != "oncall" {
		t.Errorf("X-Ward-Team %q, want oncall", h)
	}
	// The To header is the configured one; the envelope still uses "to".
	if h := m.header.Get("To"); h != "Pager list <pager@example.com>" {
		t.Errorf("To header %q", h)
	}
	if !slices.Equal(got.to, []string{"oncall@example.com"}) {
		t.Errorf("RCPT TO %q, want [oncall@example.com]", got.to)
	}
	if len(m.header["To"]) != 1 || m.header.Get("Bcc") != "" {
		t.Errorf("address headers: To=%q Bcc=%q", m.header["To"], m.header["Bcc"])
	}
	if want := `<p class="x">Load &lt;b&gt;high&lt;/b&gt; &amp; rising (2)</p>`; m.parts["text/html"] != want {
		t.Errorf("html part %q, want %q", m.parts["text/html"], want)
	}
	if want := "plain node firing"; m.parts["text/plain"] != want {
		t.Errorf("text part %q, want %q", m.parts["text/plain"], want)
	}
}

func TestNotifyThreading(t *testing.T) {
	srv := startMailServer(t, false, nil)
	n := mustBuild(t, serverConfig(srv, testPassword, "threading:\n  enabled: true\n  thread_by_date: none\n"))

	for _, resolved := range []bool{false, true} {
		if err := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(resolved)...).Err(); err != nil {
			t.Fatalf("Notify: %v", err)
		}
	}
	msgs := srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("received %d messages, want 2", len(msgs))
	}
	firing, resolved := parseMail(t, msgs[0].data), parseMail(t, msgs[1].data)
	ref := firing.header.Get("References")
	if !strings.HasPrefix(ref, "<alert-") || ref != resolved.header.Get("References") || ref != resolved.header.Get("In-Reply-To") {
		t.Errorf("firing and resolved mails not threaded: %q, %q", ref, resolved.header.Get("References"))
	}
}

// TestTransportSend: ward's own mail goes through the same SMTP client.
func TestTransportSend(t *testing.T) {
	srv := startMailServer(t, false, nil)
	tr, err := NewTransport(decodeConfig(t, serverConfig(srv, testPassword, "")), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := notifyContext(t, 15*time.Second)
	if err := tr.Send(ctx, Message{To: "alice@example.com", Subject: "[ward] Hello", Text: "plain body", HTML: "<p>html body</p>"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := onlyMessage(t, srv)
	if !got.tls || got.authUser != testUser || !slices.Equal(got.to, []string{"alice@example.com"}) {
		t.Errorf("received %+v", got)
	}
	m := parseMail(t, got.data)
	if m.subject != "[ward] Hello" || !strings.Contains(m.parts["text/plain"], "plain body") || !strings.Contains(m.parts["text/html"], "<p>html body</p>") {
		t.Errorf("message %+v", m)
	}
	if _, err := NewTransport(decodeConfig(t, "to: unused@example.com\nsmarthost: localhost:25\nfrom: not an address\n"), nil); err == nil || !strings.Contains(err.Error(), "from") {
		t.Errorf("bad from accepted: %v", err)
	}
}
