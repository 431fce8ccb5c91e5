package email

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/wneessen/go-mail/smtp"

	"github.com/prometheus/alertmanager/alert"
)

// baseConfig is a valid config that needs no server: New never connects.
const baseConfig = `
to: oncall@example.com
from: ward@example.com
smarthost: smtp.example.com:587
auth_username: ward
auth_password: secret
`

func TestNewRejectsBadConfigAtLoad(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name  string
		extra string
		want  []string // every one must appear in the error
	}{
		{"html exec error", "html: '{{ .NoSuchField }}'\n", []string{"html template", "NoSuchField"}},
		{"html parse error", "html: '{{ if }}'\n", []string{"html template", "missing value for if"}},
		{"unknown named template", "html: '{{ template \"nope\" . }}'\n", []string{"html template", `"nope"`}},
		{"text error", "text: '{{ .Alerts.Nope }}'\n", []string{"text template"}},
		{"subject error", "headers:\n  Subject: '{{ range }}'\n", []string{"headers.Subject template"}},
		{"other header error", "headers:\n  X-Team: '{{ .Bad'\n", []string{"headers.X-Team template"}},
		{"header From not an address", "headers:\n  From: 'not an address'\n", []string{"headers.From"}},
		{"password file missing", "auth_password_file: " + missing + "\n", []string{"auth_password_file", "missing"}},
		{"ca file missing", "tls_config:\n  ca_file: " + missing + "\n", []string{"tls_config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig + tt.extra
			if strings.Contains(tt.extra, "auth_password_file") {
				cfg = strings.Replace(cfg, "auth_password: secret\n", "", 1)
			}
			_, err := build(t, cfg)
			if err == nil {
				t.Fatal("New accepted the config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	cfg := strings.NewReplacer(
		"from: ward@example.com", "from: 'two@example.com, addresses@example.com'",
		"smtp.example.com:587", "smtp.example.com:nope",
		"auth_password: secret", "auth_password: ''",
	).Replace(baseConfig)
	_, err := build(t, cfg)
	if err == nil {
		t.Fatal("New accepted the config")
	}
	for _, w := range []string{"smarthost", "auth_username is set", "from:"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestDefaultTemplates(t *testing.T) {
	n := mustBuild(t, baseConfig)
	one := alert.New(model.Alert{
		Labels: model.LabelSet{
			model.AlertNameLabel: "DiskFull",
			"instance":           "db1:9100",
			"job":                "node",
			"mountpoint":         "/var",
		},
		Annotations: model.LabelSet{
			"summary":     "<script>alert(1)</script>",
			"runbook_url": "javascript:alert(1)",
		},
	}, time.Now(), false)

	out, err := n.render.render(n.tmpl.Data("oncall", model.LabelSet{"alertname": "DiskFull"}, nil, "first notification", one))
	if err != nil {
		t.Fatal(err)
	}
	// job and instance first, then the remaining common labels by name.
	if want := "[FIRING:1] DiskFull (node db1:9100 /var)"; out.subject != want {
		t.Errorf("subject %q, want %q", out.subject, want)
	}
	if strings.Contains(out.html, "<script>") || !strings.Contains(out.html, "&lt;script&gt;") {
		t.Errorf("summary not escaped in HTML:\n%s", out.html)
	}
	if strings.Contains(out.html, `href="javascript:`) {
		t.Errorf("unsafe runbook URL kept in HTML:\n%s", out.html)
	}
	if !strings.Contains(out.text, "Summary:     <script>alert(1)</script>") {
		t.Errorf("text part should carry the summary verbatim:\n%s", out.text)
	}
}

func TestHeaderValuesStayOnOneLine(t *testing.T) {
	n := mustBuild(t, baseConfig+"headers:\n  Subject: \"a\\nBcc: victim@example.com\"\n  X-Note: \"x\\r\\ny\"\n")
	out, err := n.render.render(n.tmpl.Data("oncall", nil, nil, "", hostAlerts(false)...))
	if err != nil {
		t.Fatal(err)
	}
	if out.subject != "a Bcc: victim@example.com" || out.headers["X-Note"] != "x y" {
		t.Errorf("subject %q, X-Note %q: newlines not folded", out.subject, out.headers["X-Note"])
	}
}

func TestAuthMechanismChoice(t *testing.T) {
	c := &credentials{username: "u", password: "p"}
	tests := []struct {
		offered, want string
		wantErr       bool
	}{
		{offered: "PLAIN LOGIN", want: "PLAIN"},
		{offered: "LOGIN PLAIN", want: "LOGIN"},
		{offered: "CRAM-MD5 LOGIN", want: "LOGIN"}, // no secret: skip CRAM-MD5
		{offered: "XOAUTH2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.offered, func(t *testing.T) {
			a, _, err := c.mechanism(tt.offered, "localhost")
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			proto, _, err := a.Start(&smtp.ServerInfo{Name: "localhost", TLS: true})
			if err != nil || proto != tt.want {
				t.Errorf("picked %s (%v), want %s", proto, err, tt.want)
			}
		})
	}
}
