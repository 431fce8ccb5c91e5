package slack

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/nflog/nflogpb"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/client_golang/prometheus"
)

// TestResolveAfterRestart runs each notification in its own "process":
// the notification log is loaded from its snapshot file, a new Notifier is
// built, the alerts pass Alertmanager's own dedup, retry and set-notifies
// stages, and the log is snapshotted again. Only that file links the
// resolve to the message posted when the alert fired.
func TestResolveAfterRestart(t *testing.T) {
	f := newFakeSlack(t)
	snapshot := filepath.Join(t.TempDir(), "nflog")
	started := time.Now().Add(-20 * time.Minute)

	lifetime := func(alerts ...*alert.Alert) []call {
		t.Helper()
		before := len(f.received())
		l, err := nflog.New(nflog.Options{SnapshotFile: snapshot, Retention: time.Hour, Metrics: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		cfg := botConfig(t, f)
		integration := notify.NewIntegration(newNotifier(t, cfg, nil), cfg, "slack", 0, "team")
		recv := &nflogpb.Receiver{GroupName: "team", Integration: "slack"}
		stages := notify.MultiStage{
			notify.NewDedupStage(&integration, l, recv),
			notify.NewRetryStage(integration, "team", notify.NewMetrics(prometheus.NewRegistry(), featurecontrol.NoopFlags{}), eventrecorder.NopRecorder()),
			notify.NewSetNotifiesStage(l, recv, featurecontrol.NoopFlags{}),
		}
		ctx, cancel := context.WithTimeout(notifyContext(t, notify.ReasonUnknown, nil), 10*time.Second)
		defer cancel()
		ctx = notify.WithRepeatInterval(ctx, 4*time.Hour)
		if _, _, err := stages.Exec(ctx, slog.New(slog.DiscardHandler), alerts...); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(snapshot)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Snapshot(out); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		return f.received()[before:]
	}

	fired := lifetime(testAlert("api-1", started, false))
	if len(fired) != 1 || fired[0].Method != "chat.postMessage" || fired[0].Form.Get("thread_ts") != "" {
		t.Fatalf("firing: calls = %+v, want one top-level chat.postMessage", fired)
	}
	ts := "1700000000.000001"

	resolved := lifetime(testAlert("api-1", started, true))
	if len(resolved) != 2 {
		t.Fatalf("resolve: calls = %+v, want chat.update and a thread reply", resolved)
	}
	if c := resolved[0]; c.Method != "chat.update" || c.Form.Get("ts") != ts || c.Form.Get("channel") != "CALERTS" {
		t.Errorf("resolve: first call %s %v, want chat.update of CALERTS/%s", c.Method, c.Form, ts)
	}
	if c := resolved[1]; c.Method != "chat.postMessage" || c.Form.Get("thread_ts") != ts {
		t.Errorf("resolve: second call %s thread_ts=%q, want a reply in thread %s", c.Method, c.Form.Get("thread_ts"), ts)
	}

	again := lifetime(testAlert("api-1", time.Now(), false))
	if len(again) != 1 || again[0].Method != "chat.postMessage" || again[0].Form.Get("thread_ts") != "" {
		t.Fatalf("next episode: calls = %+v, want one new top-level message", again)
	}
}
