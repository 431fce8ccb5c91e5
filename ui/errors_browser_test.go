package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestErrorsBrowserPhone: on a 390 px phone the errors pages and the
// overview's section pass axe and fit the screen; an operator opens an
// issue from the list, unfolds library frames and resolves it.
func TestErrorsBrowserPhone(t *testing.T) {
	mem := newMemErrors(time.Now(), 12)
	// A long title and culprit must wrap, not widen the page.
	mem.issues[1].Title = "OperationalError: " + strings.Repeat("could_not_connect_to_server_", 8)
	mem.issues[1].Culprit = "shop.payments.gateway.adapters.stripe_adapter_with_a_long_module_name in charge_card_and_record_the_result"
	s, base := startErrorsServer(t, mem)
	ctx := browserSignIn(t, s, base, "olga", auth.RoleOperator, 390)
	for _, path := range []string{"/errors", "/errors?status=resolved", "/errors/issues/iss0001?range=24h", "/errors/projects/1", "/", "/errors/issues/nope"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		servicetest.Axe(t, ctx, path)
		servicetest.NoSidewaysScroll(t, ctx, path)
	}

	// From the list to the issue: wait for the new document, not for an
	// element the list also has.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/errors"), chromedp.WaitVisible(chromedp.CSS(`table.issues`))); err != nil {
		t.Fatal(err)
	}
	// A card on a phone keeps to the essentials: the tallest of the
	// list (one with a long title and culprit included) is at most 220
	// px, not the ~400 of every fact stacked.
	heights := `[...document.querySelectorAll("table.issues tbody tr")].map(tr => tr.getBoundingClientRect().height)`
	tallest, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.max(...`+heights+`)`))
	if err != nil || tallest > 220 || tallest < 40 {
		t.Errorf("the tallest issue card at 390 px: %.0f px (%v), want 40 to 220", tallest, err)
	}
	shortest, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.min(...`+heights+`)`))
	t.Logf("issue cards at 390 px: %.0f to %.0f px tall", shortest, tallest)
	clickNav(t, ctx, `table.issues a[href="/errors/issues/iss0000"]`)
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " " + document.querySelectorAll("li.frame.in-app mark").length`)); err != nil || got != "/errors/issues/iss0000 1" {
		t.Fatalf("after the click: %q (%v), want the issue with one highlighted in-app line", got, err)
	}
	// Library frames are folded until opened; opened, the page still fits.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`li.frame.library summary`))); err != nil {
		t.Fatal(err)
	}
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("li.frame.library details").open`)); err != nil || !open {
		t.Errorf("library frames did not unfold (%v)", err)
	}
	servicetest.Axe(t, ctx, "issue with library frames open")
	servicetest.NoSidewaysScroll(t, ctx, "issue with library frames open")

	// Resolve it: the issue page comes back saying so.
	clickNav(t, ctx, `.issue-actions form button`)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.changed-notice p`)))
	if err != nil {
		t.Fatal(err)
	}
	mem.mu.Lock()
	changes := append([]statusChange(nil), mem.statuses...)
	mem.mu.Unlock()
	if !strings.Contains(text, "Issue “ZeroDivisionError: division by zero” is now resolved.") || len(changes) != 1 || changes[0].St != apperrors.StatusResolved || changes[0].Rec.Actor != "olga" {
		t.Fatalf("resolve: notice %q, changes %+v", text, changes)
	}
	if tag, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1 .tag`))); err != nil || tag != "resolved" {
		t.Errorf("the issue's status after resolving: %q (%v)", tag, err)
	}
	servicetest.Axe(t, ctx, "resolved issue")
	servicetest.NoSidewaysScroll(t, ctx, "resolved issue")

	// Undo: the issue is unresolved again.
	clickNav(t, ctx, `.changed-notice button`)
	if tag, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1 .tag`))); err != nil || tag != "unresolved" {
		t.Errorf("the issue's status after Undo: %q (%v)", tag, err)
	}
}
