package app

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// oneLineCells counts the cells of table.tokens whose text runs over more
// than one line: names, roles, scopes and the Revoke button must not
// break inside a word at 1280 px.
const oneLineCells = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('table.tokens td:nth-child(-n+3), table.tokens td.actions .button')) {
    const r = document.createRange(); r.selectNodeContents(el);
    const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
    if (lines.size > 1) { bad.push(el.textContent.trim()); }
  }
  return bad.join('|');
})()`

// TestBrowserTokensTableLayout: /admin/tokens keeps names, roles, scopes
// and buttons whole at 1280 px, turns into cards within 390 px, and the
// date field shows only once "until a date" is chosen.
func TestBrowserTokensTableLayout(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	soon := time.Now().Add(3 * 24 * time.Hour)
	for _, spec := range []auth.TokenSpec{
		{Name: "grafana", Role: auth.RoleViewer, Scopes: []auth.Scope{auth.ScopeMetricsRead}},
		{Name: "amtool-oncall", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeAlertsWrite}},
		{Name: "nightly-backup", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeBackupsPing}, Expires: soon},
		{Name: "reload-bot", Role: auth.RoleAdmin},
	} {
		scopedToken(t, in, spec)
	}
	for _, width := range []int{1280, 390} {
		px := strconv.Itoa(width)
		p := browserPage{t: t, ctx: signInBrowser(t, in, "ada"+px, auth.RoleAdmin, width)}
		p.open(in.base + "/admin/tokens")
		p.screenshot("admin-tokens-" + px)
		if width == 1280 {
			if bad := p.eval(oneLineCells); bad != "" {
				t.Errorf("at 1280 px these token cells break over lines: %s", bad)
			}
		} else {
			if w := p.evalInt(`document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("/admin/tokens is %d px wide on a 390 px phone", w)
			}
			servicetest.Axe(t, p.ctx, "/admin/tokens at 390 px")
		}
		if p.evalInt(`document.getElementById('tok-date').offsetParent === null ? 0 : 1`) != 0 {
			t.Errorf("at %d px the date field shows before \"until a date\" is chosen", width)
		}
		p.do("choose until a date", chromedp.SetValue(chromedp.CSS(`#tok-expiry`), "custom"))
		if p.evalInt(`document.getElementById('tok-date').offsetParent === null ? 0 : 1`) != 1 {
			t.Errorf("at %d px the date field stays hidden once \"until a date\" is chosen", width)
		}
		p.screenshot("admin-tokens-custom-" + px)
	}
}
