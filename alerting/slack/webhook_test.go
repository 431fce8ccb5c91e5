package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/notify"
)

func TestWebhookPostsBlockKit(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, webhookConfig(t, f), nil)
	start := time.Now().Add(-time.Hour)
	st := nflog.NewStore(nil)

	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, st), testAlert("api-1", start, false)))

	calls := f.received()
	if len(calls) != 1 || calls[0].Method != "webhook" {
		t.Fatalf("calls = %+v, want one webhook POST", calls)
	}
	hook := calls[0].Hook
	if got := hook["text"]; got != "[FIRING:1] HighLatency — p99 latency above 2s" {
		t.Errorf("text = %v", got)
	}
	if hook["unfurl_links"] != false {
		t.Errorf("unfurl_links = %v, want false", hook["unfurl_links"])
	}
	b := blocksOf(t, calls[0])
	for _, want := range []string{":red_circle: FIRING: HighLatency", "*instance*", "<!date^", "View in ward", ":book: Runbook"} {
		if !strings.Contains(b, want) {
			t.Errorf("blocks lack %q:\n%s", want, b)
		}
	}
	if _, ok := st.GetStr(keyTS); ok {
		t.Error("webhook mode stored a message timestamp it can never use")
	}

	// No update or thread is possible: the resolve notice is a new message.
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonAllAlertsResolved, st), testAlert("api-1", start, true)))
	calls = f.received()
	if len(calls) != 2 || calls[1].Method != "webhook" {
		t.Fatalf("calls = %+v, want a second webhook POST", calls)
	}
	if b := blocksOf(t, calls[1]); !strings.Contains(b, ":white_check_mark: RESOLVED: HighLatency") {
		t.Errorf("resolve notice:\n%s", b)
	}
}

func TestWebhookURLFromFile(t *testing.T) {
	f := newFakeSlack(t)
	cfg := webhookConfig(t, f)
	file := writeFile(t, cfg.APIURL.String()+"\n")
	cfg.APIURL, cfg.APIURLFile = nil, file
	n := newNotifier(t, cfg, nil)

	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false)))
	if calls := f.received(); len(calls) != 1 || calls[0].Method != "webhook" {
		t.Fatalf("calls = %+v, want one webhook POST", calls)
	}
}
