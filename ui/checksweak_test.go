package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/storage"
)

// TestChecksPageWeak: a headers check up with a warning (score under the
// threshold) shows "weak" in the warning colour, not a green "up", with
// its warning, and is listed under Failing, not under Up.
func TestChecksPageWeak(t *testing.T) {
	now := time.Now()
	report := checks.Health{Status: checks.HealthPass, Checks: []checks.Result{
		{Check: "shop-headers", Kind: "headers", Status: checks.StatusUp, Time: now, LastSuccess: now,
			Details: "HTTP 200, headers score 0%", Warning: "headers score 0%, under 80%"},
		{Check: "site-headers", Kind: "headers", Status: checks.StatusUp, Time: now, LastSuccess: now, Details: "HTTP 200, headers score 100%"},
	}}
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.Report = func(context.Context) checks.Health { return report }
	})
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	_, all := doAs(t, "GET", base+"/checks", "", viewer)
	row := all[strings.Index(all, `id="check-shop-headers"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `class="tag warn">weak</span>`) || !strings.Contains(row, "under 80%") {
		t.Errorf("weak check's row:\n%s", row)
	}
	for path, want := range map[string][2]bool{ // shop, site
		"/checks?state=failing":              {true, false},
		"/checks?state=up":                   {false, true},
		"/checks?kind=headers":               {true, true},
		"/checks?state=failing&kind=headers": {true, false},
	} {
		resp, body := doAs(t, "GET", base+path, "", viewer)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if got := [2]bool{strings.Contains(body, `id="check-shop-headers"`), strings.Contains(body, `id="check-site-headers"`)}; got != want {
			t.Errorf("GET %s lists (shop, site) %v, want %v", path, got, want)
		}
	}
}
