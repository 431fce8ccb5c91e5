package slack

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/notify"
)

func TestFiringPostsBlockKitMessage(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	started := time.Date(2026, 11, 26, 21, 4, 0, 0, time.UTC)
	st := nflog.NewStore(nil)

	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, st), testAlert("api-1:9100", started, false)))

	calls := f.received()
	if len(calls) != 1 || calls[0].Method != "chat.postMessage" {
		t.Fatalf("calls = %+v, want one chat.postMessage", calls)
	}
	c := calls[0]
	if got := c.Form.Get("channel"); got != "#alerts" {
		t.Errorf("channel = %q", got)
	}
	if ts := c.Form.Get("thread_ts"); ts != "" {
		t.Errorf("first message is a thread reply (thread_ts %q)", ts)
	}
	if got, want := c.Form.Get("text"), "[FIRING:1] HighLatency — p99 latency above 2s"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	filter := url.Values{"filter": {`{alertname="HighLatency",job="api"}`}}.Encode()
	blocks := blocksOf(t, c)
	for _, want := range []string{
		`"type":"header"`,
		":red_circle: FIRING: HighLatency",
		"*Severity*\\n:red_circle: critical",
		"p99 latency above 2s",
		"API p99 latency has been above 2s",
		"*instance*\\n`api-1:9100`",
		"*job*\\n`api`",
		fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|2026-11-26 21:04 UTC>", started.Unix()),
		"<" + wardBase + "alerts?" + filter + "|:mag: View in ward>",
		"<https://runbooks.example.com/high-latency|:book: Runbook>",
		"Group: `alertname=HighLatency, job=api`",
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %q:\n%s", want, blocks)
		}
	}
	for _, dup := range []string{"*alertname*", "*severity*\\n"} {
		if strings.Contains(blocks, dup) {
			t.Errorf("blocks repeat %q as a key label:\n%s", dup, blocks)
		}
	}

	if p := loadPosted(st); p.channel != "CALERTS" || p.ts != "1700000000.000001" || p.resolved {
		t.Errorf("stored %+v, want the posted message's channel ID and ts, not resolved", p)
	}
}

func TestResolveUpdatesMessageAndRepliesInThread(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	started := time.Now().Add(-30 * time.Minute)
	st := nflog.NewStore(nil)
	mustSucceed(t, newNotifier(t, cfg, nil).Notify(notifyContext(t, notify.ReasonFirstNotification, st), testAlert("api-1:9100", started, false)))
	first := loadPosted(st)

	// A fresh Notifier: nothing but the store carries the message over.
	mustSucceed(t, newNotifier(t, cfg, nil).Notify(notifyContext(t, notify.ReasonAllAlertsResolved, st), testAlert("api-1:9100", started, true)))

	calls := f.received()[1:]
	if len(calls) != 2 {
		t.Fatalf("resolve made %d calls (%+v), want chat.update and a thread reply", len(calls), calls)
	}
	upd, reply := calls[0], calls[1]
	if upd.Method != "chat.update" || upd.Form.Get("channel") != first.channel || upd.Form.Get("ts") != first.ts {
		t.Errorf("update = %s %v, want chat.update of %+v", upd.Method, upd.Form, first)
	}
	if b := blocksOf(t, upd); !strings.Contains(b, ":white_check_mark: RESOLVED: HighLatency") || !strings.Contains(b, "*Resolved*") ||
		!strings.Contains(b, "*instance*") || !strings.Contains(b, "View in ward") {
		t.Errorf("updated message does not show the resolved alert with its details:\n%s", b)
	}
	if reply.Method != "chat.postMessage" || reply.Form.Get("thread_ts") != first.ts || reply.Form.Get("channel") != first.channel {
		t.Errorf("reply = %s %v, want a reply in thread %s", reply.Method, reply.Form, first.ts)
	}
	if txt := reply.Form.Get("text"); !strings.Contains(txt, "Resolved") || !strings.Contains(txt, "HighLatency") {
		t.Errorf("reply text = %q", txt)
	}
	if reply.Form.Get("reply_broadcast") != "" {
		t.Error("resolve notice is broadcast to the channel")
	}
	if p := loadPosted(st); !p.resolved || p.ts != first.ts {
		t.Errorf("stored %+v, want the same message marked resolved", p)
	}

	// The next episode must not reopen the resolved message, even when the
	// store is carried over and the reason is unknown.
	mustSucceed(t, newNotifier(t, cfg, nil).Notify(notifyContext(t, notify.ReasonUnknown, st), testAlert("api-1:9100", time.Now(), false)))
	last := f.received()[3]
	if last.Method != "chat.postMessage" || last.Form.Get("thread_ts") != "" {
		t.Errorf("new episode = %s thread_ts=%q, want a new top-level message", last.Method, last.Form.Get("thread_ts"))
	}
	if p := loadPosted(st); p.ts == first.ts || p.resolved {
		t.Errorf("stored %+v, want the new message", p)
	}
}

func TestGroupChangesUpdateMessage(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	st := nflog.NewStore(nil)
	start := time.Now().Add(-time.Hour)
	a, b, c := testAlert("api-1", start, false), testAlert("api-2", start, false), testAlert("api-3", start, false)
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, st), a, b))
	ts := loadPosted(st).ts

	steps := []struct {
		name      string
		reason    notify.NotifyReason
		alerts    []*alert.Alert
		header    string
		broadcast bool
	}{
		{"one resolved", notify.ReasonNewResolvedAlerts, []*alert.Alert{a, testAlert("api-2", start, true)}, "FIRING (1, 1 resolved): HighLatency", false},
		{"new alert", notify.ReasonNewAlertsInGroup, []*alert.Alert{a, c}, "FIRING (2): HighLatency", true},
	}
	for _, s := range steps {
		before := len(f.received())
		mustSucceed(t, n.Notify(notifyContext(t, s.reason, st), s.alerts...))
		calls := f.received()[before:]
		if len(calls) != 2 || calls[0].Method != "chat.update" || calls[0].Form.Get("ts") != ts || calls[1].Form.Get("thread_ts") != ts {
			t.Fatalf("%s: calls = %+v, want chat.update of %s and a reply in its thread", s.name, calls, ts)
		}
		if b := blocksOf(t, calls[0]); !strings.Contains(b, s.header) {
			t.Errorf("%s: updated message lacks %q:\n%s", s.name, s.header, b)
		}
		if got := calls[1].Form.Get("reply_broadcast") == "true"; got != s.broadcast {
			t.Errorf("%s: reply broadcast = %v, want %v", s.name, got, s.broadcast)
		}
	}
}

func TestWithoutStoreEveryNotificationIsNew(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	start := time.Now().Add(-time.Hour)
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", start, false)))
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonAllAlertsResolved, nil), testAlert("api-1", start, true)))
	for _, c := range f.received() {
		if c.Method != "chat.postMessage" || c.Form.Get("thread_ts") != "" {
			t.Errorf("call %s thread_ts=%q, want top-level posts only", c.Method, c.Form.Get("thread_ts"))
		}
	}
	if got := blocksOf(t, f.received()[1]); !strings.Contains(got, "RESOLVED") {
		t.Errorf("resolved post:\n%s", got)
	}
}

func TestDeletedMessageIsPostedAgain(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	st := nflog.NewStore(nil)
	posted{channel: "CALERTS", ts: "1600000000.000001"}.save(st) // Slack no longer has it

	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonAllAlertsResolved, st), testAlert("api-1", time.Now().Add(-time.Hour), true)))

	calls := f.received()
	if len(calls) != 2 || calls[0].Method != "chat.update" || calls[1].Method != "chat.postMessage" || calls[1].Form.Get("thread_ts") != "" {
		t.Fatalf("calls = %+v, want a failed chat.update then a new top-level message", calls)
	}
	if p := loadPosted(st); p.ts != "1700000000.000001" || !p.resolved {
		t.Errorf("stored %+v, want the new message, resolved", p)
	}
}

func TestUserTemplatesReplaceDefaults(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Title = `{{ .CommonLabels.alertname }} on {{ .CommonLabels.job }}`
	cfg.Text = `{{ range .Alerts }}*{{ .Labels.instance }}* is slow{{ end }}`
	cfg.MessageText = `{{ .Status }}: {{ .CommonLabels.alertname }}`
	cfg.Username = "ward-bot"
	n := newNotifier(t, cfg, nil)

	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false)))

	c := f.received()[0]
	b := blocksOf(t, c)
	for _, want := range []string{`"text":"HighLatency on api"`, "*api-1* is slow", "View in ward"} {
		if !strings.Contains(b, want) {
			t.Errorf("blocks lack %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "FIRING: HighLatency") || strings.Contains(b, "API p99 latency") {
		t.Errorf("ward's default title or details used despite the user's:\n%s", b)
	}
	if got := c.Form.Get("text"); got != "firing: HighLatency" {
		t.Errorf("text = %q, want message_text", got)
	}
	if got := c.Form.Get("username"); got != "ward-bot" {
		t.Errorf("username = %q", got)
	}
}

func TestGroupListsAlertsCompactly(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	var as []*alert.Alert
	for i := range 13 {
		as = append(as, testAlert(fmt.Sprintf("api-%02d", i), time.Now().Add(-time.Duration(i)*time.Minute), false))
	}
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), as...))

	b := blocksOf(t, f.received()[0])
	if got := strings.Count(b, "• :red_circle: instance="); got != maxAlertLines {
		t.Errorf("%d alert lines, want %d:\n%s", got, maxAlertLines, b)
	}
	for _, want := range []string{"FIRING (13): HighLatency", "_…and 3 more_", "• :red_circle: instance=api-12 · since <!date^"} {
		if !strings.Contains(b, want) {
			t.Errorf("blocks lack %q:\n%s", want, b)
		}
	}
}
