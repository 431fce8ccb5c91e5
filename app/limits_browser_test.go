package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBrowserLimitsPage: after a token is refused, an admin's
// /admin/limits on a 390 px phone lists the limits in force and the
// token among the most refused, draws the chart of refusals, fits the
// screen and passes axe; the admin navigation links it.
func TestBrowserLimitsPage(t *testing.T) {
	in := startWard(t, fastGlobal+noTwoFactor+`
limits:
  api_read: {rate: 2, per: 1h}
  roles:
    admin: {api_read: {rate: 1000000}, api_query: {rate: 1000000}, page: {rate: 1000000}}
`)
	c := tokenClient(createToken(t, in.app.auth, "noisy", auth.RoleViewer))
	refused := 0
	for range 5 {
		resp, err := c.Get(in.base + "/api/v1/targets")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 3 {
		t.Fatalf("%d of 5 reads refused at 2 an hour, want 3", refused)
	}
	phone := signInBrowser(t, in, "ada", auth.RoleAdmin, 390)
	if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/admin/limits"), chromedp.WaitVisible(chromedp.CSS(`#top-1h`))); err != nil {
		t.Fatalf("/admin/limits: %v", err)
	}
	fig := `document.getElementById("limits-refused")`
	if _, err := chromedp.Run(phone, chromedp.Poll[bool](fig+`.dataset.state === "drawn" || `+fig+`.dataset.state === "empty"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the chart of refusals was not drawn: %v", err)
	}
	servicetest.Axe(t, phone, "/admin/limits")
	servicetest.NoSidewaysScroll(t, phone, "/admin/limits")
	text, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"api_read: 2 per 1h", "token:noisy", "draft-ietf-httpapi-ratelimit-headers-10", "admin: 1000000 per 1m"} {
		if !strings.Contains(text, want) {
			t.Errorf("/admin/limits lacks %q:\n%s", want, text)
		}
	}
	links, err := chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/admin/limits"]').length`))
	if err != nil || links < 1 {
		t.Errorf("no link to /admin/limits in the navigation (%d, %v)", links, err)
	}
}
