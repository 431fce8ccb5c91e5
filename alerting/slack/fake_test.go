package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
	commoncfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

const (
	testToken   = "xoxb-1111-2222-s3cr3tB0tT0k3n"
	webhookPath = "/services/T0WARD/B0WARD/s3cr3tW3bh00kT0k3n"
	wardBase    = "https://ward.example.com/"
)

// fakeSlack is slacktest's server with chat.postMessage, chat.update and an
// incoming webhook served by handlers that record each call and answer as
// Slack does. slacktest's own chat.postMessage neither records messages nor
// returns distinct timestamps, and it has no chat.update or webhook.
type fakeSlack struct {
	srv *slacktest.Server

	mu       sync.Mutex
	calls    []call
	messages map[string]string // ts -> channel ID of each posted message
	queued   map[string][]http.HandlerFunc
	seq      int
}

// call is one request the fake received.
type call struct {
	Method string     // "chat.postMessage", "chat.update" or "webhook"
	Form   url.Values // Web API calls
	Hook   map[string]any
	Auth   string // Authorization header
}

func newFakeSlack(tb testing.TB) *fakeSlack {
	tb.Helper()
	f := &fakeSlack{messages: map[string]string{}, queued: map[string][]http.HandlerFunc{}}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.record("chat.postMessage", f.postMessage))
		c.Handle("/chat.update", f.record("chat.update", f.update))
		c.Handle(webhookPath, f.record("webhook", func(w http.ResponseWriter, _ *http.Request, _ call) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "ok")
		}))
	})
	f.srv.Start()
	tb.Cleanup(f.srv.Stop)
	return f
}

// fail makes the next call of method answer with h instead of success.
func (f *fakeSlack) fail(method string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued[method] = append(f.queued[method], h)
}

func (f *fakeSlack) record(method string, ok func(http.ResponseWriter, *http.Request, call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := call{Method: method, Auth: r.Header.Get("Authorization")}
		if method == "webhook" {
			_ = json.Unmarshal(body, &c.Hook)
		} else {
			c.Form, _ = url.ParseQuery(string(body))
		}
		f.mu.Lock()
		f.calls = append(f.calls, c)
		var h http.HandlerFunc
		if q := f.queued[method]; len(q) > 0 {
			h, f.queued[method] = q[0], q[1:]
		}
		f.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		ok(w, r, c)
	}
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, _ *http.Request, c call) {
	if c.Form.Get("token") != testToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	channel := c.Form.Get("channel")
	if name, ok := strings.CutPrefix(channel, "#"); ok {
		channel = "C" + strings.ToUpper(name) // Slack answers with the channel's ID
	}
	f.mu.Lock()
	f.seq++
	ts := fmt.Sprintf("1700000000.%06d", f.seq)
	f.messages[ts] = channel
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": channel, "ts": ts})
}

func (f *fakeSlack) update(w http.ResponseWriter, _ *http.Request, c call) {
	f.mu.Lock()
	channel, ok := f.messages[c.Form.Get("ts")]
	f.mu.Unlock()
	if !ok || channel != c.Form.Get("channel") {
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": channel, "ts": c.Form.Get("ts"), "text": c.Form.Get("text")})
}

func (f *fakeSlack) received() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Scripted failures.

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		http.Error(w, http.StatusText(code), code)
	}
}

func apiError(code string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"ok": false, "error": code})
	}
}

// Configurations and notifiers.

func testTemplate(tb testing.TB) *template.Template {
	tb.Helper()
	tmpl, err := template.FromGlobs(nil)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl.ExternalURL = mustURL(tb, "http://alertmanager.internal")
	return tmpl
}

func botConfig(tb testing.TB, f *fakeSlack) *amslack.SlackConfig {
	tb.Helper()
	cfg := amslack.DefaultSlackConfig
	cfg.VSendResolved = true
	cfg.AppToken = commoncfg.Secret(testToken)
	cfg.AppURL = &amcommoncfg.URL{URL: mustURL(tb, f.srv.GetAPIURL())}
	cfg.Channel = "#alerts"
	return &cfg
}

func webhookConfig(tb testing.TB, f *fakeSlack) *amslack.SlackConfig {
	tb.Helper()
	cfg := amslack.DefaultSlackConfig
	cfg.VSendResolved = true
	cfg.APIURL = &amcommoncfg.SecretURL{URL: mustURL(tb, strings.TrimSuffix(f.srv.GetAPIURL(), "/")+webhookPath)}
	return &cfg
}

func newNotifier(tb testing.TB, cfg *amslack.SlackConfig, logger *slog.Logger) *Notifier {
	tb.Helper()
	n, err := New(cfg, testTemplate(tb), logger, Options{ExternalURL: mustURL(tb, wardBase)})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func writeFile(tb testing.TB, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// Alerts and contexts.

var groupLabels = model.LabelSet{"alertname": "HighLatency", "job": "api"}

// testAlert is a HighLatency alert on instance; resolved ones ended a
// minute ago.
func testAlert(instance string, started time.Time, resolved bool) *alert.Alert {
	a := model.Alert{
		Labels: model.LabelSet{"alertname": "HighLatency", "job": "api", "severity": "critical", "instance": model.LabelValue(instance)},
		Annotations: model.LabelSet{
			"summary":     "p99 latency above 2s",
			"description": "API p99 latency has been above 2s for 5 minutes.",
			"runbook_url": "https://runbooks.example.com/high-latency",
		},
		StartsAt: started,
	}
	if resolved {
		a.EndsAt = time.Now().Add(-time.Minute)
	}
	return alert.New(a, time.Now(), false)
}

// notifyContext is the context Alertmanager's pipeline gives a notifier;
// st may be nil for a pipeline without notification log.
func notifyContext(tb testing.TB, reason notify.NotifyReason, st *nflog.Store) context.Context {
	tb.Helper()
	ctx := notify.WithGroupKey(tb.Context(), `{}:{alertname="HighLatency", job="api"}`)
	ctx = notify.WithReceiverName(ctx, "team")
	ctx = notify.WithGroupLabels(ctx, groupLabels)
	ctx = notify.WithNotificationReason(ctx, reason)
	if st != nil {
		ctx = notify.WithNflogStore(ctx, st)
	}
	return ctx
}

// blocksOf returns the Block Kit a call carried, as JSON without HTML
// escaping so assertions can look for Slack markup such as <!date^...>.
func blocksOf(tb testing.TB, c call) string {
	tb.Helper()
	var raw any = c.Hook["blocks"]
	if c.Method != "webhook" {
		var bs slack.Blocks // proves slack-go can read it back
		if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &bs); err != nil {
			tb.Fatalf("%s: blocks: %v", c.Method, err)
		}
		if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &raw); err != nil {
			tb.Fatal(err)
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(raw); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func mustSucceed(tb testing.TB, v notify.NotifyVerdict) {
	tb.Helper()
	if err := v.Err(); err != nil {
		tb.Fatalf("Notify: %v (retry=%v)", err, v.ShouldRetry())
	}
}
