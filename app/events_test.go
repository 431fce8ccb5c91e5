package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBrowserEventsLive scrapes a real node_exporter, opens /events in a
// browser, kills the exporter and sees its target_down event appear on
// the open page through GET /live, without a reload. It then checks the
// exports, a failed reload's event, the audit-trail merge, axe-core and
// the phone layout.
func TestBrowserEventsLive(t *testing.T) {
	bin := servicetest.LookPath(t, "prometheus-node-exporter", "prometheus-node-exporter")
	addr := servicetest.FreeAddr(t)
	exporter := servicetest.StartProcess(t, func() error {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}, nil, bin, "--web.listen-address="+addr, "--collector.disable-defaults", "--collector.loadavg")
	in := startWard(t, fastGlobal+noTwoFactor+"rules: {builtin: false}\nscrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['"+addr+"']}]\n")

	// Up for three scrapes: the watcher (every second) has seen it up.
	servicetest.Eventually(t, 30*time.Second, "node_exporter scraped up three times", func() bool {
		s := in.query(t, `sum_over_time(up{job="node"}[1m])`)
		n, _ := strconv.ParseFloat(value(firstOr(s)), 64)
		return n >= 3
	})

	ctx := signInBrowser(t, in, "ada", auth.RoleAdmin, 1100)
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(in.base+"/events"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-live] h1`)),
		// The indicator shows once the stream is open.
		chromedp.WaitVisible(chromedp.CSS(`.live-status`)),
	); err != nil {
		t.Fatalf("opening /events: %v", err)
	}
	if got := eval(`document.querySelector(".live-status").textContent`); got != "Live" {
		t.Errorf("indicator %q, want Live", got)
	}
	// A reload would lose this.
	eval(`window.wardNoReload = "still here"`)

	exporter.Stop()
	killed := time.Now()
	// The timeline's rows, as the page shows them now.
	rows := func(kind string) string {
		return eval(`Array.from(document.querySelectorAll("table.events tbody tr")).map(r => r.innerText).filter(t => t.includes(` + strconv.Quote(kind) + `)).join("\n")`)
	}
	var row string
	servicetest.Eventually(t, 20*time.Second, "target_down on the open page", func() bool {
		row = rows("target down")
		return row != ""
	})
	t.Logf("target_down shown %s after the exporter died (scrape interval 1s)", time.Since(killed).Round(100*time.Millisecond))
	if got := eval(`window.wardNoReload || "reloaded"`); got != "still here" {
		t.Errorf("the page was reloaded instead of updated: %q", got)
	}
	screenshot(t, ctx, "events")
	if !strings.Contains(row, addr) || !strings.Contains(row, "went down") || !strings.Contains(row, "UTC") {
		t.Errorf("target_down row %q: want the instance, \"went down\" and a UTC time", row)
	}

	t.Run("export", func(t *testing.T) {
		csv := eval(`fetch("/events/export?format=csv&kind=target_down").then(r => r.text())`)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if len(lines) != 2 || lines[0] != "time,kind,severity,subject,text,labels" ||
			!strings.Contains(lines[1], ",target_down,critical,node "+addr+",") || !strings.Contains(lines[1], "instance="+addr) {
			t.Errorf("CSV export:\n%s", csv)
		}
		raw := eval(`fetch("/events/export?format=json&q=` + addr + `").then(r => r.text())`)
		var evs []events.Event
		if err := json.Unmarshal([]byte(raw), &evs); err != nil {
			t.Fatalf("JSON export %q: %v", raw, err)
		}
		if len(evs) != 1 || evs[0].Kind != events.TargetDown || evs[0].Labels["instance"] != addr || evs[0].Labels["job"] != "node" {
			t.Errorf("JSON export: %+v", evs)
		}
		if got := eval(`fetch("/events/export?format=xml").then(r => r.status + " " + r.statusText)`); !strings.HasPrefix(got, "400") {
			t.Errorf("format=xml: %s", got)
		}
	})

	t.Run("failed reload", func(t *testing.T) {
		writeFile(t, in.cfgFile, "scrape_configs: [oops\n")
		in.hup <- struct{}{}
		servicetest.Eventually(t, 20*time.Second, "config_reload_failed on the open page", func() bool {
			return strings.Contains(rows("config reload failed"), "rejected")
		})
	})

	t.Run("typing holds updates back", func(t *testing.T) {
		before := rows("config reload failed")
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#ev-q`), "half a word")); err != nil {
			t.Fatal(err)
		}
		in.hup <- struct{}{} // the config is still broken: one more failure
		servicetest.Eventually(t, 20*time.Second, "the change held back", func() bool {
			return eval(`String(document.querySelector("main").hasAttribute("data-live-held"))`) == "true"
		})
		if got := eval(`document.querySelector("#ev-q").value`); got != "half a word" || rows("config reload failed") != before {
			t.Errorf("the page changed under the typing: input %q", got)
		}
		// Leaving the field lets the update in.
		eval(`document.activeElement.blur(), "ok"`)
		servicetest.Eventually(t, 20*time.Second, "the held change shown", func() bool {
			return rows("config reload failed") != before
		})
	})

	t.Run("audit trail merged", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/events?audit=1&kind=user_action"), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
			t.Fatal(err)
		}
		text := eval(`document.querySelector("table.events tbody").innerText`)
		if !strings.Contains(text, "user action") || !strings.Contains(text, "user.create ada") || strings.Contains(text, "target down") {
			t.Errorf("user actions only:\n%s", text)
		}
		servicetest.Axe(t, ctx, "events with the audit trail")
	})

	t.Run("phone", func(t *testing.T) {
		phone := signInBrowser(t, in, "pia", auth.RoleViewer, 390)
		// Headless Chromium keeps its window at least 500 px wide;
		// the emulated viewport is a phone's.
		if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(in.base+"/events"), chromedp.WaitVisible(chromedp.CSS(`table.events`))); err != nil {
			t.Fatal(err)
		}
		if w, err := chromedp.Run(phone, chromedp.Evaluate[int](`window.innerWidth`)); err != nil || w != 390 {
			t.Fatalf("viewport %d px wide, want 390 (%v)", w, err)
		}
		screenshot(t, phone, "events-phone")
		servicetest.Axe(t, phone, "events on a phone")
		servicetest.NoSidewaysScroll(t, phone, "events on a phone")
		// Viewers are not offered the audit trail, nor given it.
		if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/events?audit=1&kind=user_action"), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
			t.Fatal(err)
		}
		if text, _ := chromedp.Run(phone, chromedp.Evaluate[string](`document.querySelector("main").innerText`)); !strings.Contains(text, "unknown kind") {
			t.Errorf("viewer asking for user actions:\n%s", text)
		}
	})
}

func firstOr(s []sample) sample {
	if len(s) == 0 {
		return sample{}
	}
	return s[0]
}

// TestEventsFromAlerting follows an alert onto the timeline: it fires,
// its primary receiver fails, the fallback is notified, and it resolves;
// each step is an event.
func TestEventsFromAlerting(t *testing.T) {
	g := newGauge(t)
	primary, fallback := newWebhook(t), newWebhook(t)
	primary.status.Store(http.StatusInternalServerError)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	in := startWardIn(t, dir, alertingConfig(g.addr(), primary.srv.URL, fallback.srv.URL, "    fallback: fallback\n    fallback_after: 2s\n"))
	servicetest.Eventually(t, 20*time.Second, "the gauge scraped", func() bool {
		return value(firstOr(in.query(t, `up{job="gauge"}`))) == "1"
	})
	kinds := func(ks ...events.Kind) []events.Event {
		evs, err := in.app.events.Query(context.Background(), events.Query{Kinds: ks})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	// Starting is not news: targets coming up, the TSDB getting its
	// first sample.
	if evs := kinds(); len(evs) != 0 {
		t.Errorf("events at start: %+v", evs)
	}
	g.v.Store(1)
	servicetest.Eventually(t, 60*time.Second, "fallback notified", func() bool { return fallback.count("firing") >= 1 })
	servicetest.Eventually(t, 10*time.Second, "firing, failure, fallback and delivery events", func() bool {
		return len(kinds(events.AlertFiring)) == 1 && len(kinds(events.NotificationFailed)) > 0 &&
			len(kinds(events.NotificationFallback)) > 0 && len(kinds(events.NotificationDelivered)) > 0
	})
	fired := kinds(events.AlertFiring)[0]
	if fired.Subject != "ValueHigh" || fired.Severity != events.SeverityCritical || !strings.Contains(fired.Text, "value is 1") || fired.Labels["job"] != "gauge" {
		t.Errorf("alert_firing: %+v", fired)
	}
	failed := kinds(events.NotificationFailed)[0]
	if failed.Subject != "primary" || !strings.Contains(failed.Text, "500") || failed.Labels["integration"] != "webhook[0]" {
		t.Errorf("notification_failed: %+v", failed)
	}
	fb := kinds(events.NotificationFallback)[0]
	if fb.Subject != "primary" || fb.Labels["fallback"] != "fallback" || !strings.Contains(fb.Text, "notified its fallback fallback") {
		t.Errorf("notification_fallback: %+v", fb)
	}
	if d := kinds(events.NotificationDelivered)[0]; d.Subject != "fallback" {
		t.Errorf("notification_delivered: %+v", d)
	}

	g.v.Store(0)
	servicetest.Eventually(t, 30*time.Second, "alert_resolved", func() bool { return len(kinds(events.AlertResolved)) == 1 })
	if r := kinds(events.AlertResolved)[0]; r.Subject != "ValueHigh" || r.Severity != events.SeverityOK || !strings.Contains(r.Text, "resolved after") {
		t.Errorf("alert_resolved: %+v", r)
	}
	// A reload that works is on the timeline too.
	in.hup <- struct{}{}
	servicetest.Eventually(t, 10*time.Second, "config_reload_ok", func() bool { return len(kinds(events.ConfigReloadOK)) == 1 })
}
