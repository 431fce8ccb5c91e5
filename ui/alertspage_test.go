package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// TestAlertsPage: /alerts renders at most maxAlertsShown alerts and says
// how many more matched; counts cover every match; the filter takes the
// notification links' syntax; a bad filter or state is a 400 page
// naming the field; only operators get Silence buttons.
func TestAlertsPage(t *testing.T) {
	s, base := startServer(t, discardLogger())
	op := apiToken(t, s, "loader", auth.RoleOperator)
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	operator := signIn(t, s, "olga", auth.RoleOperator)

	now := time.Now().UTC()
	const n = maxAlertsShown + 5
	var alerts []string
	for i := range n {
		alerts = append(alerts, fmt.Sprintf(`{"labels":{"alertname":"Load","instance":"host%03d","severity":"warning"},"startsAt":%q,"endsAt":%q}`,
			i, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	}
	if resp, body := post(t, base+"/api/v2/alerts", op, "application/json", "["+strings.Join(alerts, ",")+"]"); resp.StatusCode != http.StatusOK {
		t.Fatalf("posting alerts: %d %s", resp.StatusCode, body)
	}
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		var resp *http.Response
		resp, body = doAs(t, "GET", base+"/alerts", "", viewer)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/alerts: %d", resp.StatusCode)
		}
		if strings.Contains(body, "5 more match") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cap notice:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := strings.Count(body, `<li class="alert state-firing">`); got != maxAlertsShown {
		t.Errorf("%d alerts rendered, want %d", got, maxAlertsShown)
	}
	if !strings.Contains(body, `state=firing">Firing <span class="count">505</span>`) {
		t.Errorf("firing count is not 505")
	}
	if strings.Contains(body, "/silences/new") {
		t.Error("a viewer is offered Silence")
	}

	filter := url.Values{"filter": {`{alertname="Load",instance=~"host00[0-2]"}`}}.Encode()
	_, body = doAs(t, "GET", base+"/alerts?"+filter, "", operator)
	if got := strings.Count(body, `<li class="alert state-firing">`); got != 3 || strings.Contains(body, "more match") {
		t.Errorf("filtered: %d alerts rendered, want 3", got)
	}
	if got := strings.Count(body, `href="/silences/new?matchers=`); got != 3 {
		t.Errorf("operator sees %d Silence links, want 3", got)
	}

	for _, q := range []string{"filter=" + url.QueryEscape(`{instance=~"("}`), "state=resolved", "filter=" + strings.Repeat("a", maxFilterBytes+1)} {
		resp, body := doAs(t, "GET", base+"/alerts?"+q, "", viewer)
		field, _, _ := strings.Cut(q, "=")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<h1>Not accepted</h1>") || !strings.Contains(body, strings.ToUpper(field[:1])+field[1:]+":") {
			t.Errorf("%s: %d, want a 400 page naming %s:\n%s", q, resp.StatusCode, field, body)
		}
	}
}
