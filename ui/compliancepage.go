package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
)

// ComplianceChecklist is the control checklist (issue 14;
// *compliance.Service).
type ComplianceChecklist interface {
	Checklist(ctx context.Context) ([]compliance.Item, error)
	Control(id string) (compliance.Control, error)
	HistoryPage(id string, from, to time.Time, page, per int) ([]compliance.Evidence, int, error)
	Attest(ctx context.Context, id, by, ip, comment string, expires time.Time) (compliance.Attestation, error)
	// CheckNow checks every control now, appends the evidence and
	// audits it as compliance.check by by.
	CheckNow(ctx context.Context, by, ip string) (compliance.Summary, error)
}

// Bounds of the evidence history page.
const (
	evidenceWindow  = 30 * 24 * time.Hour
	evidencePerPage = 50
)

var errNoCompliance = notFound("the compliance checklist is off")

type complianceView struct {
	Items   []compliance.Item
	Summary compliance.Summary
	Error   string
	// CanDownload offers the evidence pack (admins, when packs are
	// wired).
	CanDownload bool
	Notice      string
}

// compliancePage serves GET /compliance: every control, its status and
// newest evidence.
func (s *Server) compliancePage(w http.ResponseWriter, r *http.Request) {
	if s.deps.Compliance == nil {
		s.fail(w, r, errNoCompliance)
		return
	}
	items, err := s.deps.Compliance.Checklist(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := complianceView{Items: items, Summary: compliance.Summarize(items)}
	if p := auth.PrincipalFrom(r.Context()); p != nil && p.Can(auth.RoleAdmin) && s.deps.EvidencePacks != nil {
		v.CanDownload = true
	}
	if r.URL.Query().Get("checked") != "" {
		v.Notice = "Every control was checked just now."
	}
	s.render(w, r, http.StatusOK, compliancePageView(s.page(r, "Compliance"), v))
}

// complianceCheckNow serves POST /compliance/check: the "Check now"
// button (operators and admins) checks every control at once, so that an
// auditor sees the facts of now rather than of the last scheduled check.
// It is under the api_write rate limit (routes), not the page one: each
// press runs every check.
func (s *Server) complianceCheckNow(w http.ResponseWriter, r *http.Request) {
	if s.deps.Compliance == nil {
		s.fail(w, r, errNoCompliance)
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if _, err := s.deps.Compliance.CheckNow(r.Context(), p.User.Name, s.clientIP(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/compliance?checked=1", http.StatusSeeOther)
}

type controlView struct {
	Item     compliance.Item
	Evidence []compliance.Evidence
	// Page is the page of evidence shown (0 first); Pages how many.
	Page, Pages int
	// CanAttest shows the attestation form (admins, manual controls).
	CanAttest bool
	Expires   string // the form's default and latest expiry date
	ValidFor  string // the control's valid_for, for people
	Comment   string
	Error     string
	Notice    string
}

// complianceControlPage serves GET /compliance/{control}: the control's
// evidence of the last 30 days, 50 to a page (?page=N), newest first.
func (s *Server) complianceControlPage(w http.ResponseWriter, r *http.Request) {
	if s.deps.Compliance == nil {
		s.fail(w, r, errNoCompliance)
		return
	}
	v, err := s.controlView(r, r.PathValue("control"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("attested") != "" {
		v.Notice = "Attestation recorded."
	}
	s.render(w, r, http.StatusOK, controlPageView(s.page(r, v.Item.Control.Title), v))
}

// controlView reads control id's item and evidence page.
func (s *Server) controlView(r *http.Request, id string) (controlView, error) {
	c, err := s.deps.Compliance.Control(id)
	if err != nil {
		return controlView{}, err
	}
	items, err := s.deps.Compliance.Checklist(r.Context())
	if err != nil {
		return controlView{}, err
	}
	v := controlView{Item: compliance.Item{Control: c, Status: compliance.Stale}}
	for _, it := range items {
		if it.Control.ID == id {
			v.Item = it
		}
	}
	now := s.now()
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 && p < 1_000_000 {
		v.Page = p
	}
	ev, total, err := s.deps.Compliance.HistoryPage(id, now.Add(-evidenceWindow), now.Add(time.Minute), v.Page, evidencePerPage)
	if err != nil {
		return controlView{}, err
	}
	v.Evidence, v.Pages = ev, max(1, (total+evidencePerPage-1)/evidencePerPage)
	if p := auth.PrincipalFrom(r.Context()); p != nil && p.Can(auth.RoleAdmin) && c.Manual {
		v.CanAttest = true
		v.Expires = now.Add(c.ValidFor).UTC().Format(time.DateOnly)
		v.ValidFor = intervalText(c.ValidFor)
	}
	return v, nil
}

// complianceAttest serves POST /compliance/{control}/attest: an admin
// attests a manual control with a comment and an expiry date (the end of
// that day, UTC; empty: the control's valid_for).
func (s *Server) complianceAttest(w http.ResponseWriter, r *http.Request) {
	if s.deps.Compliance == nil {
		s.fail(w, r, errNoCompliance)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	id := r.PathValue("control")
	comment := r.PostFormValue("comment")
	var expires time.Time
	var err error
	if e := r.PostFormValue("expires"); e != "" {
		var d time.Time
		if d, err = time.Parse(time.DateOnly, e); err != nil {
			err = badRequest("expires: want a date as YYYY-MM-DD")
		} else {
			expires = d.Add(24*time.Hour - time.Second)
		}
	}
	if err == nil {
		p := auth.PrincipalFrom(r.Context())
		_, err = s.deps.Compliance.Attest(r.Context(), id, p.User.Name, s.clientIP(r), comment, expires)
	}
	if err != nil {
		status, msg := s.formError(w, r, err)
		v, verr := s.controlView(r, id)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Error, v.Comment = msg, clip(comment, compliance.MaxComment)
		if e := r.PostFormValue("expires"); e != "" {
			v.Expires = clip(e, 32)
		}
		s.render(w, r, status, controlPageView(s.page(r, v.Item.Control.Title), v))
		return
	}
	http.Redirect(w, r, "/compliance/"+url.PathEscape(id)+"?attested=1", http.StatusSeeOther)
}

// Helpers of the templates.

// statusClass is the CSS class of a status's tile and tag.
func statusClass(st compliance.Status) string {
	switch st {
	case compliance.Pass, compliance.Manual:
		return "ok"
	case compliance.Warn:
		return "warn"
	case compliance.NA:
		return "nodata"
	}
	return "bad"
}

// statusText names a status for people.
func statusText(st compliance.Status) string {
	switch st {
	case compliance.Manual:
		return "attested"
	case compliance.Stale:
		return "stale"
	}
	return string(st)
}

func controlHref(id string) string { return "/compliance/" + url.PathEscape(id) }

func controlPageHref(id string, page int) string {
	return controlHref(id) + "?page=" + strconv.Itoa(page)
}

func attestHref(id string) string { return controlHref(id) + "/attest" }

// checkedText says when evidence was checked.
func checkedText(e *compliance.Evidence) string {
	if e == nil {
		return "never"
	}
	return timeText(e.Checked)
}

// intervalText writes a check interval or a lifetime as people read it:
// "15 min", "1 h", "365 days".
func intervalText(d time.Duration) string {
	switch {
	case d <= 0:
		return "never"
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return countText(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}

func seqText(n uint64) string { return "#" + strconv.FormatUint(n, 10) }
