package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/servicetest"
)

// browserSignIn creates name with role and signs in through the form in
// a browser width pixels wide.
func browserSignIn(tb testing.TB, s *Server, base, name string, role auth.Role, width int) context.Context {
	tb.Helper()
	if _, err := s.deps.Auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{Name: name, Role: role, Password: testPassword}); err != nil {
		tb.Fatal(err)
	}
	ctx := servicetest.Browser(tb, width, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
	); err != nil {
		tb.Fatalf("signing in as %s: %v", name, err)
	}
	return ctx
}

// TestBackupsBrowserPhone: on a 390 px phone the backups pages pass axe
// and fit the screen; a restore through the form needs the step-up and
// the typed name, and the run's page follows the run until it ends.
func TestBackupsBrowserPhone(t *testing.T) {
	now := time.Now()
	mem := newMemBackups(now)
	// A suspicious run (its tags wrap), a job before its first run and a
	// watched job whose slot has just passed.
	mem.mu.Lock()
	mem.add(backups.Run{Kind: backups.KindBackup, State: backups.StateSuccess, Trigger: backups.TriggerPing, Job: "media", Started: now.Add(-30 * time.Minute), Finished: now.Add(-29 * time.Minute),
		Suspicious: []string{"too_many_runs", "smaller than the previous by 60%"}})
	mem.status.Jobs = append(mem.status.Jobs,
		backups.JobStatus{Name: "fresh", Kind: "pgbackrest", Stanza: "main", NextRun: now.Add(3 * time.Hour)},
		backups.JobStatus{Name: "late", Kind: "watched", NextRun: now.Add(-27 * time.Second)})
	mem.mu.Unlock()
	s, base := startBackupsServer(t, mem)
	ctx := browserSignIn(t, s, base, "olga", auth.RoleOperator, 390)
	testBackupsPhoneLayout(t, ctx, base)
	page, _ := mem.List(context.Background(), backups.Filter{Kind: backups.KindDrill, State: backups.StateRunning, Limit: 1})
	for _, path := range []string{"/backups", "/backups?range=7d", "/backups/runs/" + page.Runs[0].ID, "/backups/restore?stanza=main&kind=restore"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		servicetest.Axe(t, ctx, path)
		servicetest.NoSidewaysScroll(t, ctx, path)
	}

	// Without a step-up the restore is refused and the form comes back.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#restore-target`), "staging"),
		chromedp.SendKeys(chromedp.CSS(`#restore-confirm`), "main"),
	); err != nil {
		t.Fatal(err)
	}
	clickNav(t, ctx, `form[action="/backups/restore"] button`)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.error`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Confirm with your password") || len(mem.drills) != 0 {
		t.Fatalf("restore without step-up: %q, service got %d requests", text, len(mem.drills))
	}
	servicetest.Axe(t, ctx, "restore refused")
	// Step up: the form comes back with the target typed before it.
	// The refused page has the same form: wait for the new document,
	// or the next keys go to the old one's nodes as it goes away.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#stepup-proof`), testPassword)); err != nil {
		t.Fatal(err)
	}
	clickNav(t, ctx, `form[action="/account/step-up"] button`)
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("restore-target").value`)); err != nil || v != "staging" {
		t.Errorf("after the step-up the target is %q (%v), want staging kept", v, err)
	}
	// Then the restore starts and its page follows it.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#restore-confirm`), "main")); err != nil {
		t.Fatal(err)
	}
	clickNav(t, ctx, `form[action="/backups/restore"] button`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#run-live[data-poll]`))); err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	if len(mem.drills) != 1 || mem.drills[0].RestoreTarget != "staging" || !strings.Contains(url, "/backups/runs/") {
		t.Fatalf("restore after step-up: at %s, service got %+v", url, mem.drills)
	}
	servicetest.Axe(t, ctx, "running restore")
	// The run ends; the page shows it without a reload.
	id := url[strings.LastIndex(url, "/")+1:]
	mem.mu.Lock()
	for i := range mem.runs {
		if mem.runs[i].ID == id {
			mem.runs[i].State, mem.runs[i].Finished, mem.runs[i].Progress, mem.runs[i].Log = backups.StateSuccess, time.Now(), "", "restore complete"
		}
	}
	mem.mu.Unlock()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(`#run-live:not([data-poll]) pre.run-log`))); err != nil {
		t.Fatalf("the run page did not follow the run to its end: %v", err)
	}
	servicetest.Axe(t, ctx, "finished restore")

	// With restore targets configured the form offers them as a list,
	// with the delta checkbox; it too passes axe on the phone.
	mem.mu.Lock()
	mem.status.RestoreTargets = []string{"staging", "qa"}
	mem.mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/backups/restore?stanza=main&kind=restore&restore_target=qa&delta=on"), chromedp.WaitVisible(chromedp.CSS(`select#restore-target`))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("restore-target").value + " " + document.getElementById("restore-delta").checked`))
	if err != nil || got != "qa true" {
		t.Errorf("restore form with targets: %q (%v), want qa chosen and delta checked", got, err)
	}
	servicetest.Axe(t, ctx, "restore form with targets")
	servicetest.NoSidewaysScroll(t, ctx, "restore form with targets")
}

// testBackupsPhoneLayout: at 390 px the suspicious tags wrap inside the
// screen, the calendar's words are not split, Run now sits inside its
// job's tile, a job before its first run waits (not Down) and a passed
// slot reads "Expected by", never a next run in the past.
func testBackupsPhoneLayout(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/backups?range=1h"), chromedp.WaitVisible(chromedp.CSS(`#tile-job-fresh`))); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"a tag past the screen's right edge": `Array.from(document.querySelectorAll("main .tag")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.textContent).join("|")`,
		// A word split across lines makes its box taller than one line.
		"a calendar word split":    `Array.from(document.querySelectorAll("table.calendar .what > span, table.calendar .what")).filter(e => e.getClientRects().length && e.offsetWidth && !e.classList.contains("what-long") && e.textContent.split(" ").length === 1 && e.getBoundingClientRect().height > parseFloat(getComputedStyle(e).lineHeight) * 1.5).map(e => e.textContent).join("|")`,
		"Run now outside its tile": `document.querySelector("#tile-job-nightly form[action='/backups/jobs/nightly/run']") ? "" : "outside"`,
		"the fresh job's tile":     `(t => t.textContent.includes("Waiting") && t.textContent.includes("waiting for its first run") && !t.textContent.includes("Down") ? "" : t.textContent)(document.getElementById("tile-job-fresh"))`,
		"the late job's tile":      `(t => t.textContent.includes("Expected by") && !t.textContent.includes("Next run") ? "" : t.textContent)(document.getElementById("tile-job-late"))`,
	}
	for what, js := range checks {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != "" {
			t.Errorf("%s: %q", what, got)
		}
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main .tag.tag-wraps").length`)); err != nil || n < 2 {
		t.Errorf("suspicious tags on the page: %d (%v), want 2", n, err)
	}
}

// clickNav clicks sel and waits until the page it leads to has loaded:
// a mark set on the old document's window is gone from the new one.
func clickNav(tb testing.TB, ctx context.Context, sel string) {
	tb.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.wardStale = true`)); err != nil {
		tb.Fatalf("before clicking %s: %v", sel, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.Fatalf("clicking %s: %v", sel, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Evaluating fails while the old document goes away: try again.
		fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.wardStale !== true && document.readyState === "complete"`))
		if err == nil && fresh {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no new page after clicking %s (%v)", sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
