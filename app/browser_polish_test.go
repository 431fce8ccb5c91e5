package app

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// spread is the largest difference between the values a script returns
// for a list of elements (their tops, bottoms, heights...).
const spreadJS = `((sel, f) => { const v = Array.from(document.querySelectorAll(sel)).map(e => f(e.getBoundingClientRect()));
	return v.length < 2 ? -1 : Math.max(...v) - Math.min(...v); })`

// TestBrowserPolish walks the pages the new-user defects touched, signed
// in as an admin in headless Chromium, with axe-core on each: the users
// table and the audit filters line up, deleting a user asks first and
// reports success in green, an unknown path shows ward's 404 page with
// the navigation, and signing out lands on /login.
func TestBrowserPolish(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	ctx := signInBrowser(t, in, "ada", auth.RoleAdmin, 1100)
	if _, err := in.app.auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{Name: "vic", Role: auth.RoleViewer, Password: browserPassword}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			t.Fatalf("%s: %v\npage:\n%s", what, err, html)
		}
	}
	eval := func(js string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// Users: step up, then one row reads across.
	do("users page with step-up",
		chromedp.Navigate(in.base+"/admin/users"),
		chromedp.SendKeys(chromedp.CSS(`#stepup-proof`), browserPassword),
		chromedp.Click(chromedp.CSS(`form[action="/account/step-up"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/users/vic/delete"]`)),
	)
	if d := eval(spreadJS + `('form[action="/admin/users/vic/role"] select, form[action="/admin/users/vic/role"] button', r => (r.top + r.bottom) / 2)`); d < 0 || d > 1.5 {
		t.Errorf("users table: the role select and its button are %.1f px apart vertically", d)
	}
	if d := eval(spreadJS + `('tr:has(a[href="/admin/users/vic/delete"]) td.actions button, tr:has(a[href="/admin/users/vic/delete"]) td.actions a', r => r.height)`); d < 0 || d > 1.5 {
		t.Errorf("users table: action buttons of one row differ %.1f px in height", d)
	}
	servicetest.Axe(t, ctx, "users")

	// Deleting asks first; the outcome is a success, in green.
	do("delete confirmation",
		chromedp.Click(chromedp.CSS(`a[href="/admin/users/vic/delete"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users/vic/delete"] button`)),
	)
	if got := text(`h1`); got != "Delete vic?" {
		t.Errorf("confirmation heading %q", got)
	}
	servicetest.Axe(t, ctx, "delete confirmation")
	do("confirm the deletion",
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/vic/delete"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.success`)),
	)
	if got := text(`p.success`); !strings.Contains(got, "vic was deleted.") {
		t.Errorf("after deleting: %q", got)
	}
	if c, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("p.success")).color`)); err != nil || c != "rgb(30, 122, 60)" {
		t.Errorf("success notice colour %q (%v), want the ok green rgb(30, 122, 60)", c, err)
	}

	// Audit filters: every control of a row has the same top and bottom.
	do("audit page", chromedp.Navigate(in.base+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS(`form.filters`)))
	// Grid rows are told apart by their cells' tops.
	rowSpread := `(() => { const rows = {}; let worst = 0;
		for (const c of document.querySelectorAll('form.filters input, form.filters select, form.filters button')) {
			const row = Math.round(c.parentElement.getBoundingClientRect().top), r = c.getBoundingClientRect();
			(rows[row] = rows[row] || []).push(r);
		}
		for (const rs of Object.values(rows)) for (const f of [r => r.top, r => r.bottom]) {
			const v = rs.map(f); worst = Math.max(worst, Math.max(...v) - Math.min(...v));
		}
		return worst; })()`
	if d := eval(rowSpread); d > 1.5 {
		t.Errorf("audit filters: controls of one row are %.1f px out of line", d)
	}
	if d := eval(spreadJS + `('form.filters input, form.filters select, form.filters button', r => r.height)`); d > 1.5 {
		t.Errorf("audit filter controls differ %.1f px in height", d)
	}
	servicetest.Axe(t, ctx, "audit")

	// An unknown path: ward's page, navigation included.
	do("404 page", chromedp.Navigate(in.base+"/alertz"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if got := text(`h1`); got != "Not found" {
		t.Errorf("404 heading %q", got)
	}
	if n := eval(`document.querySelectorAll('nav a[href="/admin/users"]').length`); n != 1 {
		t.Error("404 page without the navigation")
	}
	servicetest.Axe(t, ctx, "404")

	// Sign out: the address becomes the sign-in page's.
	do("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	if loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); err != nil || loc != "/login?signed_out=1" {
		t.Errorf("after sign-out at %q (%v)", loc, err)
	}
	servicetest.Axe(t, ctx, "sign-in after sign-out")

	// On a phone the new pages fit the screen.
	phone := signInBrowser(t, in, "ama", auth.RoleAdmin, 390)
	for _, path := range []string{"/alertz", "/admin/users/ada/delete"} {
		if err := chromedp.Do(phone, chromedp.Navigate(in.base+path), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
			t.Fatalf("%s on a phone: %v", path, err)
		}
		servicetest.NoSidewaysScroll(t, phone, path)
	}
}
