package slack

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify"
)

func TestErrorClassification(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		answer    http.HandlerFunc
		retry     bool
		delay     time.Duration // exact, or at least this with slack
		slack     time.Duration
		reason    notify.Reason
		webhookOK bool // the case also applies to webhooks
	}{
		{"500", status(500), true, 0, 0, notify.ServerErrorReason, true},
		{"503", status(503), true, 0, 0, notify.ServerErrorReason, true},
		{"429 with Retry-After seconds", status(429, "Retry-After", "7"), true, 7 * time.Second, 0, notify.RateLimitedReason, true},
		{"429 with Retry-After date", status(429, "Retry-After", httpDate), true, 85 * time.Second, 10 * time.Second, notify.RateLimitedReason, true},
		{"429 without Retry-After", status(429), true, 0, 0, notify.RateLimitedReason, true},
		{"400", status(400), false, 0, 0, notify.ClientErrorReason, true},
		{"403", status(403), false, 0, 0, notify.AuthErrorReason, true},
		{"404", status(404), false, 0, 0, notify.ClientErrorReason, true},
		{"invalid_auth", apiError("invalid_auth"), false, 0, 0, notify.AuthErrorReason, false},
		{"missing_scope", apiError("missing_scope"), false, 0, 0, notify.AuthErrorReason, false},
		{"channel_not_found", apiError("channel_not_found"), false, 0, 0, notify.ClientErrorReason, false},
		{"not_in_channel", apiError("not_in_channel"), false, 0, 0, notify.ClientErrorReason, false},
		{"internal_error", apiError("internal_error"), true, 0, 0, notify.ServerErrorReason, false},
		{"ratelimited", apiError("ratelimited"), true, 0, 0, notify.RateLimitedReason, false},
		{"proxy HTML page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>gateway</html>"))
		}, true, 0, 0, notify.RequestErrorReason, false},
	}
	for _, tc := range tests {
		for _, mode := range []string{"bot", "webhook"} {
			if mode == "webhook" && !tc.webhookOK {
				continue
			}
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				f := newFakeSlack(t)
				cfg, method := botConfig(t, f), "chat.postMessage"
				if mode == "webhook" {
					cfg, method = webhookConfig(t, f), "webhook"
				}
				f.fail(method, tc.answer)
				v := newNotifier(t, cfg, nil).Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false))
				checkVerdict(t, v, tc.retry, tc.reason)
				if d := v.Delay(); d < tc.delay || d > tc.delay+tc.slack {
					t.Errorf("delay = %s, want %s (+%s)", d, tc.delay, tc.slack)
				}
			})
		}
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Timeout = 50 * time.Millisecond
	f.fail("chat.postMessage", func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })

	v := newNotifier(t, cfg, nil).Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false))
	checkVerdict(t, v, true, notify.ContextDeadlineExceededReason)
	if !strings.Contains(v.Err().Error(), "timeout reached (50ms)") {
		t.Errorf("error %q does not name the timeout", v.Err())
	}
}

func TestUnreachableSlackIsRetried(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	f.srv.Stop()
	v := n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false))
	checkVerdict(t, v, true, notify.RequestErrorReason)
}

// TestErrorsLeakNoSecrets fails each mode in the ways whose errors carry
// the request URL, and checks neither the verdict nor the log shows the
// token or the webhook URL.
func TestErrorsLeakNoSecrets(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fakeSlack) *Notifier
	}{
		{"webhook unreachable", func(t *testing.T, f *fakeSlack) *Notifier {
			n := newNotifier(t, webhookConfig(t, f), nil)
			f.srv.Stop()
			return n
		}},
		{"webhook URL unparsable", func(t *testing.T, f *fakeSlack) *Notifier {
			cfg := webhookConfig(t, f)
			cfg.APIURLFile, cfg.APIURL = writeFile(t, cfg.APIURL.String()+"/\x7f"), nil
			return newNotifier(t, cfg, nil)
		}},
		{"webhook 500", func(t *testing.T, f *fakeSlack) *Notifier {
			f.fail("webhook", status(500))
			return newNotifier(t, webhookConfig(t, f), nil)
		}},
		{"bot invalid_auth", func(t *testing.T, f *fakeSlack) *Notifier {
			f.fail("chat.postMessage", apiError("invalid_auth"))
			return newNotifier(t, botConfig(t, f), nil)
		}},
		{"bot unreachable", func(t *testing.T, f *fakeSlack) *Notifier {
			n := newNotifier(t, botConfig(t, f), nil)
			f.srv.Stop()
			return n
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			f := newFakeSlack(t)
			n := tc.setup(t, f)
			n.logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			v := n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false))
			if v.Err() == nil {
				t.Fatal("Notify succeeded, want an error")
			}
			t.Logf("error: %v", v.Err())
			for _, secret := range []string{testToken, "s3cr3t", "B0WARD"} {
				if strings.Contains(v.Err().Error(), secret) {
					t.Errorf("error leaks %q: %v", secret, v.Err())
				}
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log leaks %q: %s", secret, logs.String())
				}
			}
		})
	}
}

func TestRedactKeepsCleanErrors(t *testing.T) {
	err := redact(notify.RedactURL(http.ErrHandlerTimeout), "https://hooks.slack.com/services/T/B/X")
	if err != http.ErrHandlerTimeout {
		t.Errorf("redact replaced an error without secrets: %v", err)
	}
}

func checkVerdict(t *testing.T, v notify.NotifyVerdict, retry bool, reason notify.Reason) {
	t.Helper()
	if v.Err() == nil {
		t.Fatal("Notify succeeded, want an error")
	}
	if v.ShouldRetry() != retry || v.Reason() != reason {
		t.Errorf("retry=%v reason=%s (%v), want retry=%v reason=%s", v.ShouldRetry(), v.Reason(), v.Err(), retry, reason)
	}
}
