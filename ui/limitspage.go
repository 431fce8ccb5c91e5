package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/ratelimit"
	"github.com/ward-monitoring/ward/storage"
)

// The /admin/limits page (issue 13): the limits in force per class and
// role, who was refused most over the last hour, day and week, and a
// chart of refusals.

// limitsTopN is how many principals each period's table lists.
const limitsTopN = 20

// limitsChart draws ward_http_requests_limited_total by class.
var limitsChart = chartSpec{
	ID: "limits-refused", Title: "Refused requests by class, per minute",
	Expr:   "sum by (class) (increase(ward_http_requests_limited_total[1m]))",
	Legend: "{{class}}", Unit: "",
	Note: "Empty until a request is refused.", NoteWhenEmpty: true,
}

// limitRow is one class's limit as the page shows it.
type limitRow struct {
	Class, Keyed, Kind string
	Policy             ratelimit.Policy
	// Roles are the role overrides of the class, "role: q/w".
	Roles []string
}

// limitPeriod is one period's most refused principals.
type limitPeriod struct {
	ID, Name string
	Top      []storage.LimitCount
}

type limitsView struct {
	Rows    []limitRow
	Periods []limitPeriod
	Error   string
	Charts  []chartSpec
	Links   []rangeLink
	Range   chartRange
	Custom  customRange
}

// limitClasses are the classes in the order the page lists them, with
// what each is keyed by and how it counts.
var limitClasses = []struct {
	class       limitClass
	keyed, kind string
}{
	{apiRead, "user or token", "token bucket"},
	{apiQuery, "user or token", "token bucket, by query cost"},
	{apiWrite, "user or token", "token bucket"},
	{pageView, "user", "token bucket; live refreshes included"},
	{anonymous, "client address (IPv6 /64)", "token bucket"},
	{signInLimited, "client address (IPv6 /64)", "fixed window"},
	{pingLimited, "ping token", "fixed window; also 600 per address, 30 for unknown tokens"},
}

// limitsPage serves GET /admin/limits.
func (s *Server) limitsPage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	l := s.currentLimits()
	v := limitsView{Charts: []chartSpec{limitsChart}}
	for _, c := range limitClasses {
		p, _ := l.rates.For("", c.class.String())
		row := limitRow{Class: c.class.String(), Keyed: c.keyed, Kind: c.kind, Policy: p}
		for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator, auth.RoleAdmin} {
			if rp, ok := l.rates.Roles[string(role)][c.class.String()]; ok {
				row.Roles = append(row.Roles, string(role)+": "+policyText(rp))
			}
		}
		v.Rows = append(v.Rows, row)
	}
	status := http.StatusOK
	if s.deps.LimitStats != nil {
		s.flushLimitCounts(now, true)
		for _, p := range []struct {
			id, name string
			d        time.Duration
		}{{"top-1h", "Last hour", time.Hour}, {"top-24h", "Last 24 hours", 24 * time.Hour}, {"top-7d", "Last 7 days", 7 * 24 * time.Hour}} {
			top, err := s.deps.LimitStats.LimitCounts(now.Add(-p.d), limitsTopN)
			if err != nil {
				status, v.Error = s.formError(w, r, err)
				break
			}
			v.Periods = append(v.Periods, limitPeriod{ID: p.id, Name: p.name, Top: top})
		}
	}
	q := r.URL.Query()
	if q.Get("range") == "" && q.Get("from") == "" && q.Get("to") == "" {
		q.Set("range", "24h")
	}
	cr, err := parseChartRange(q, now, s.chartRefresh())
	v.Custom = customRangeOf(r)
	if err != nil {
		status, v.Custom.Error = s.formError(w, r, err)
		v.Custom.From, v.Custom.To = clip(q.Get("from"), 64), clip(q.Get("to"), 64)
		cr, _ = parseChartRange(url.Values{"range": {"24h"}}, now, s.chartRefresh())
	}
	v.Range, v.Links = cr, rangeLinks(r, cr)
	s.render(w, r, status, limitsPageView(s.chartPage(s.page(r, "Rate limits")), v))
}

// policyText is p in words: "100 per 1m (burst 200)".
func policyText(p ratelimit.Policy) string {
	t := strconv.Itoa(p.Quota) + " per " + shortDuration(p.Window)
	if p.Burst > 0 && p.Burst != p.Quota {
		t += " (burst " + strconv.Itoa(p.Burst) + ")"
	}
	return t
}

// roleList is the overrides as one line, or "none".
func roleList(rs []string) string {
	if len(rs) == 0 {
		return "none"
	}
	return strings.Join(rs, "; ")
}

// keyKind is what the most-refused table says after a key: nothing when
// the key already names its kind (user:NAME, token:NAME), else the kind
// ("anonymous" after ip:ADDRESS).
func keyKind(c storage.LimitCount) string {
	if strings.HasPrefix(c.Key, c.Kind+":") {
		return ""
	}
	return c.Kind
}
