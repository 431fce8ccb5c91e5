package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/ratelimit"
	"github.com/ward-monitoring/ward/storage"
)

// Tests of the fixes after the issue 13 review (attack and trial).

// TestLiveRefreshCharged: X-Ward-Live exempts nothing: a signed-in
// person's live refreshes are charged to the page class, and a query
// sent with it pays its cost. The refusal shows on /admin/limits, with
// the config's spelling of the class and the key's kind said once.
func TestLiveRefreshCharged(t *testing.T) {
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, st *storage.State) { d.LimitStats = st })
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"page":      {Name: "page", Quota: 2, Window: 1 << 62},
		"api_query": {Name: "api_query", Quota: 10, Window: 1 << 62},
	}, Roles: map[string]map[string]ratelimit.Policy{
		"admin": {"page": {Name: "page", Quota: 100, Window: 1 << 62}},
	}})
	cookie := signIn(t, s, "vera", auth.RoleViewer)
	if resp, _ := doAs(t, "GET", base+"/alerts", "", cookie); resp.StatusCode != http.StatusOK {
		t.Fatalf("page view: %d", resp.StatusCode)
	}
	if resp, _ := doAs(t, "GET", base+"/alerts", "", cookie, liveRefreshHeader, "1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("live refresh: %d", resp.StatusCode)
	}
	resp, _ := doAs(t, "GET", base+"/alerts", "", cookie, liveRefreshHeader, "1")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("live refresh over the page limit: %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("RateLimit"); !strings.HasPrefix(got, `"page";r=0`) {
		t.Errorf("RateLimit = %q", got)
	}
	q := url.Values{"query": {"count_over_time(up[30d])"}}.Encode()
	resp, _ = doAs(t, "GET", base+"/api/v1/query?"+q, "", cookie, liveRefreshHeader, "1")
	if got := resp.Header.Get("RateLimit"); !strings.HasPrefix(got, `"api_query";r=3;`) {
		t.Errorf("a live 30-day instant query: RateLimit %q, want r=3 (cost 7 of 10)", got)
	}
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	resp, body := doAs(t, "GET", base+"/admin/limits", "", admin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/admin/limits: %d", resp.StatusCode)
	}
	for _, want := range []string{"user:vera", "api_query", "2 per ", "admin: 100 per", "Refused requests by class, per minute"} {
		if !strings.Contains(body, want) {
			t.Errorf("/admin/limits lacks %q", want)
		}
	}
	for _, bad := range []string{"api-read", "user:vera <span class=\"muted\">user"} {
		if strings.Contains(body, bad) {
			t.Errorf("/admin/limits shows %q", bad)
		}
	}
}

// TestRefusalAuditBounded: anonymous refusals are sampled per address
// and class per minute and bounded per class overall, whatever the path
// says (GET /static/tokens is not a tokens route): 8,000 refusals from
// 4,000 addresses add at most maxRefusalAuditsPerClass records and one
// summary, and at most one event. A signed-in caller refused on a
// tokens route is audited each time.
func TestRefusalAuditBounded(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"anonymous": {Name: "anonymous", Quota: 1, Window: time.Hour},
		"sign_in":   {Name: "sign_in", Quota: 1, Window: time.Hour},
		"page":      {Name: "page", Quota: 1, Window: time.Hour},
	}})
	ctx := context.Background()
	count := func() (n, unrecorded int) {
		recs, err := s.deps.AuditLog.Records(ctx, "test", "", audit.Query{Action: audit.ActionRateLimited})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			u, _ := strconv.Atoi(r.Details["unrecorded_principals"])
			unrecorded += u
		}
		return len(recs), unrecorded
	}
	evlog := s.deps.Events.(*events.Log)
	events0 := evlog.Recorded()
	refused := 0
	for i := range 4000 {
		addr := "10." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ".1:1"
		for range 3 {
			if serve(s, httptest.NewRequest("GET", "/static/tokens", nil), addr).Code == http.StatusTooManyRequests {
				refused++
			}
		}
	}
	if refused != 8000 {
		t.Fatalf("%d refusals, want 8000", refused)
	}
	if got := evlog.Recorded() - events0; got > 1 {
		t.Errorf("8,000 anonymous refusals in a minute recorded %d events, want 1", got)
	}
	n, _ := count()
	if n > maxRefusalAuditsPerClass {
		t.Errorf("8,000 anonymous refusals wrote %d audit records, want at most %d", n, maxRefusalAuditsPerClass)
	}
	s.flushLimits(true)
	n2, unrecorded := count()
	if n2 != n+1 || unrecorded != 4000-n {
		t.Errorf("after the window: %d records (+%d) naming %d unrecorded addresses, want one summary of the other %d", n2, n2-n, unrecorded, 4000-n)
	}
	// Sign-in posts: sampled per address too.
	for range 5 {
		req := httptest.NewRequest("POST", "/login", strings.NewReader("username=x&password=y"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		serve(s, req, "192.0.2.9:1")
	}
	if n3, _ := count(); n3 != n2+1 {
		t.Errorf("4 refused sign-in posts from one address wrote %d records, want 1", n3-n2)
	}
	// A signed-in user on a tokens route: every refusal.
	cookie := signIn(t, s, "vera", auth.RoleViewer)
	n3, _ := count()
	for range 4 {
		req := httptest.NewRequest("GET", "/account/tokens", nil)
		req.AddCookie(cookie)
		serve(s, req, "192.0.2.10:1")
	}
	if n4, _ := count(); n4 != n3+3 {
		t.Errorf("3 refusals on /account/tokens wrote %d records, want 3", n4-n3)
	}
}

// TestFailedAuthCharged: requests failing authentication on protected
// routes (a bad token, a bad cookie) are charged to the client's address
// in the anonymous class: the 401s carry the headers, and past the
// limit the answer is 429.
func TestFailedAuthCharged(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"anonymous": {Name: "anonymous", Quota: 2, Window: time.Hour},
	}})
	send := func(h, v string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/query?query=up", nil)
		req.Header.Set(h, v)
		return serve(s, req, "198.51.100.7:1")
	}
	rec := send("Authorization", "Bearer ward_"+strings.Repeat("A", 43))
	if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("RateLimit"), `"anonymous";r=1`) {
		t.Errorf("bad token: %d, RateLimit %q; want 401 with r=1", rec.Code, rec.Header().Get("RateLimit"))
	}
	if rec = send("Cookie", "ward_session=zzz"); rec.Code != http.StatusUnauthorized {
		t.Errorf("bad cookie: %d, want 401", rec.Code)
	}
	if rec = send("Authorization", "Bearer nope"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("third failure: %d, want 429 with Retry-After", rec.Code)
	}
}

// TestQueryFormBoundedByRoute: a POSTed query form is read for its cost
// only up to the route's body limit (maxQueryBody): a larger body is not
// parsed, costs 1 and is refused with 413.
func TestQueryFormBoundedByRoute(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"api_query": {Name: "api_query", Quota: 100, Window: time.Hour},
	}})
	tok := apiToken(t, s, "bot", auth.RoleViewer)
	now := time.Now()
	form := url.Values{"query": {"up"}, "start": {strconv.FormatInt(now.Add(-30*24*time.Hour).Unix(), 10)},
		"end": {strconv.FormatInt(now.Unix(), 10)}, "step": {"3600"}, "pad": {strings.Repeat("x", 300<<10)}}.Encode()
	req := httptest.NewRequest("POST", "/api/v1/query_range", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := serve(s, req, "198.51.100.8:1")
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("300 KiB query form: %d, want 413", rec.Code)
	}
	if got := rec.Header().Get("RateLimit"); !strings.HasPrefix(got, `"api_query";r=99;`) {
		t.Errorf("300 KiB query form: RateLimit %q, want r=99 (cost 1, unread)", got)
	}
}

// TestAuthThrottleCounted: sign-ins refused by the auth package's own
// throttles (per address and per account failures) are counted under
// sign_in in the metric and the hourly counts behind /admin/limits, not
// only those of the sign_in limit (trial of issue 13, #3).
func TestAuthThrottleCounted(t *testing.T) {
	var st *storage.State
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, state *storage.State) {
		d.LimitStats, st = state, state
	})
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"sign_in": {Name: "sign_in", Quota: 1000, Window: time.Hour},
	}})
	metric := s.limits.recorder.total.WithLabelValues("sign_in", "anonymous")
	before := testutil.ToFloat64(metric)
	refused := 0
	for i := range 32 {
		form := url.Values{"username": {"nobody" + strconv.Itoa(i)}, "password": {"wrong password here"}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, _ := send(t, req); resp.StatusCode == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("32 failed sign-ins from one address: no 429 from auth's throttle")
	}
	if got := testutil.ToFloat64(metric) - before; int(got) != refused {
		t.Errorf("metric counted %v sign_in refusals, want %d", got, refused)
	}
	s.flushLimits(true)
	counts, err := st.LimitCounts(time.Now().Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, c := range counts {
		if c.Class == "sign_in" {
			n += c.Count
		}
	}
	if int(n) != refused {
		t.Errorf("/admin/limits counts %d sign_in refusals (%v), want %d", n, counts, refused)
	}
}

// TestLimitCountsFlushed: pending refusal counts reach the store on the
// periodic flush without a further refusal or page view, and at
// shutdown (trial of issue 13, #2).
func TestLimitCountsFlushed(t *testing.T) {
	var st *storage.State
	s, _ := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, state *storage.State) {
		d.LimitStats, st = state, state
	})
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"api_read": {Name: "api_read", Quota: 1, Window: time.Hour},
	}})
	tok := apiToken(t, s, "bot", auth.RoleViewer)
	read := func() {
		req := httptest.NewRequest("GET", "/api/v1/targets", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		serve(s, req, "198.51.100.9:1")
	}
	stored := func() uint64 {
		counts, err := st.LimitCounts(time.Now().Add(-time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, c := range counts {
			n += c.Count
		}
		return n
	}
	for range 3 { // two refusals: the first is written at once, the second waits
		read()
	}
	stop := s.flushLimitsEvery(20 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for stored() != 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := stored(); n != 2 {
		t.Fatalf("after the periodic flush: %d refusals stored, want 2", n)
	}
	read()
	stop()
	if n := stored(); n != 3 {
		t.Errorf("after shutdown: %d refusals stored, want 3", n)
	}
}
