package email

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	amemail "github.com/prometheus/alertmanager/notify/email"
	"github.com/prometheus/alertmanager/template"
)

// wardURL is the external URL the tests give the notifier.
const wardURL = "https://ward.example.com/"

// serverConfig is an email_configs entry for s, as a user would write it in
// alertmanager.yml, followed by extra YAML lines.
func serverConfig(s *mailServer, password, extra string) string {
	return fmt.Sprintf(`
to: 'On-call <oncall@example.com>'
from: 'ward <ward@example.com>'
hello: ward.test
smarthost: localhost:%s
auth_username: %s
auth_password: %q
tls_config:
  ca_file: %s
`, s.port, testUser, password, s.caFile) + extra
}

// decodeConfig decodes one email_configs entry the way Alertmanager's config
// loader does, defaults included.
func decodeConfig(tb testing.TB, text string) *amemail.EmailConfig {
	tb.Helper()
	var cfg amemail.EmailConfig
	if err := yaml.UnmarshalStrict([]byte(text), &cfg); err != nil {
		tb.Fatalf("decode email config: %v\n%s", err, text)
	}
	return &cfg
}

// newTemplate returns Alertmanager's template set with the built-in
// templates, as the embedded Alertmanager builds it.
func newTemplate(tb testing.TB) *template.Template {
	tb.Helper()
	tmpl, err := template.FromGlobs(nil)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl.ExternalURL, _ = url.Parse("http://alertmanager.invalid")
	return tmpl
}

// build returns a notifier for the YAML config text.
func build(tb testing.TB, text string) (*Notifier, error) {
	tb.Helper()
	u, _ := url.Parse(wardURL)
	return New(decodeConfig(tb, text), newTemplate(tb), nil, Options{ExternalURL: u})
}

// mustBuild is build for configs that must be valid.
func mustBuild(tb testing.TB, text string) *Notifier {
	tb.Helper()
	n, err := build(tb, text)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return n
}

// notifyContext carries what Alertmanager's dispatcher puts in the context
// of a notification for the HostHighCPU group.
func notifyContext(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	tb.Cleanup(cancel)
	ctx = notify.WithReceiverName(ctx, "oncall")
	ctx = notify.WithGroupKey(ctx, `{}:{alertname="HostHighCPU"}`)
	ctx = notify.WithGroupLabels(ctx, model.LabelSet{model.AlertNameLabel: "HostHighCPU"})
	ctx = notify.WithNotificationReason(ctx, notify.ReasonFirstNotification)
	return ctx
}

// hostAlerts returns HostHighCPU alerts for two instances of job node,
// resolved a minute ago if resolved is set.
func hostAlerts(resolved bool) []*alert.Alert {
	now := time.Now()
	var endsAt time.Time
	if resolved {
		endsAt = now.Add(-time.Minute)
	}
	var out []*alert.Alert
	for _, instance := range []string{"127.0.0.1:9100", "127.0.0.1:9101"} {
		out = append(out, alert.New(model.Alert{
			Labels: model.LabelSet{
				model.AlertNameLabel: "HostHighCPU",
				"instance":           model.LabelValue(instance),
				"job":                "node",
				"severity":           "critical",
			},
			Annotations: model.LabelSet{
				"summary":     model.LabelValue("CPU above 90% on " + instance),
				"description": "Load <b>high</b> & rising",
				"runbook_url": "https://runbooks.example.com/HostHighCPU",
			},
			StartsAt: now.Add(-10 * time.Minute),
			EndsAt:   endsAt,
		}, now, false))
	}
	return out
}

// parsedMail is a received message taken apart with the standard library.
type parsedMail struct {
	header  netmail.Header
	subject string
	// parts maps each part's media type to its decoded body.
	parts map[string]string
}

// parseMail parses raw as an RFC 5322 message whose body is
// multipart/alternative.
func parseMail(tb testing.TB, raw []byte) parsedMail {
	tb.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("read message: %v\n%s", err, raw)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		tb.Fatalf("decode subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		tb.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("next part: %v", err)
		}
		body, err := io.ReadAll(p) // quoted-printable is decoded by NextPart
		if err != nil {
			tb.Fatalf("read part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[pt] = string(body)
	}
	return parsedMail{header: msg.Header, subject: subject, parts: parts}
}

// onlyMessage returns the single message s received.
func onlyMessage(tb testing.TB, s *mailServer) received {
	tb.Helper()
	msgs := s.messages()
	if len(msgs) != 1 {
		tb.Fatalf("server received %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

// assertContains fails for every want that s lacks.
func assertContains(tb testing.TB, what, s string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			tb.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}
