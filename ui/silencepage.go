package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// Bounds of the silences pages.
const (
	// maxSilencesShown bounds the silences listed of each state.
	maxSilencesShown = 200
	// maxPreviewAlerts bounds the alerts a silence preview lists.
	maxPreviewAlerts = 100
)

type silencesView struct {
	Silences    []alerting.SilenceView
	Totals      map[string]int
	Muted       map[string]int // alerts each silence mutes now, by ID
	CanSilence  bool
	Notice      string
	Now         time.Time
	DefaultExt  string
	ActiveCount int
}

// silenceNotices are what /silences?done=... says after a form.
var silenceNotices = map[string]string{
	"created":  "Silence created.",
	"extended": "Silence extended.",
	"expired":  "Silence expired.",
}

// silencesPage serves GET /silences: active, pending and recently
// expired silences, with how many alerts each mutes now.
func (s *Server) silencesPage(w http.ResponseWriter, r *http.Request) {
	sils, totals, err := s.deps.Alerting.Silences(r.Context(), maxSilencesShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := silencesView{
		Silences: sils, Totals: totals, Muted: map[string]int{}, Now: time.Now(),
		CanSilence: auth.PrincipalFrom(r.Context()).Can(auth.RoleOperator),
		Notice:     silenceNotices[r.URL.Query().Get("done")], DefaultExt: "2h",
	}
	alerts, _ := s.deps.Alerting.Alerts(r.Context(), nil, 0)
	for _, a := range alerts {
		for _, id := range a.SilencedBy {
			v.Muted[id]++
		}
	}
	pg := s.page(r, "Silences")
	pg.Live = true
	s.render(w, r, http.StatusOK, silencesPageView(pg, v))
}

// newSilenceView is the form to create a silence and its preview.
type newSilenceView struct {
	Form    silenceForm
	Error   string
	Preview []alertRow
	Matched int // alerts the matchers select, beyond those listed too
	// Previewed is set when the matchers were read: the preview is
	// meaningful even when empty.
	Previewed bool
	Now       time.Time
}

// silenceNewPage serves GET /silences/new: the form, filled from the
// query (the alerts page links here with an alert's labels as
// matchers), and a preview of the alerts its matchers select. The
// form's Preview button submits here; Create posts to /silences.
func (s *Server) silenceNewPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := silenceForm{
		MatchersText: q.Get("matchers"), Duration: q.Get("duration"), Ends: q.Get("ends"), Comment: q.Get("comment"),
	}
	if f.Duration == "" && f.Ends == "" {
		f.Duration = "2h"
	}
	v := newSilenceView{Form: f, Now: time.Now()}
	status := http.StatusOK
	if f.MatchersText != "" {
		ms, err := decodeSilenceMatchers(f.MatchersText)
		if err != nil {
			status, v.Error = s.formError(w, r, err)
		} else {
			v.Form.Matchers = ms
			s.preview(r, &v)
		}
	}
	s.render(w, r, status, newSilencePage(s.page(r, "New silence"), v))
}

// preview lists the alerts v's matchers select.
func (s *Server) preview(r *http.Request, v *newSilenceView) {
	alerts, total := s.deps.Alerting.Alerts(r.Context(), v.Form.Matchers, maxPreviewAlerts)
	av := alertsView{Now: v.Now}
	for _, a := range alerts {
		v.Preview = append(v.Preview, av.heldRow(a, viewState(a), ruleIndex{}))
	}
	v.Matched, v.Previewed = total, true
}

// silenceCreate serves POST /silences: the form becomes a silence of
// the signed-in user through the same path, and the same audit, as
// Alertmanager's API (storeSilence).
func (s *Server) silenceCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	now := time.Now()
	f, err := decodeSilenceForm(r.PostForm, now)
	v := newSilenceView{Form: f, Now: now}
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.audit(r, audit.ActionSilenceCreate, "", status, map[string]string{"status": strconv.Itoa(status), "reason": clip(msg, 256)})
		v.Error = msg
		if f.Matchers != nil {
			s.preview(r, &v)
		}
		s.render(w, r, status, newSilencePage(s.page(r, "New silence"), v))
		return
	}
	status, id, reason := s.storeSilence(&discard{}, r, s.deps.Alerting.Handler(), f.postable("", now))
	if status != http.StatusOK {
		v.Error = "Alertmanager refused the silence: " + reason
		s.preview(r, &v)
		s.render(w, r, http.StatusUnprocessableEntity, newSilencePage(s.page(r, "New silence"), v))
		return
	}
	http.Redirect(w, r, "/silences?done=created#silence-"+url.PathEscape(id), http.StatusSeeOther)
}

var (
	errSilenceID      = badRequest("silence: the ID is not a UUID")
	errNoSilence      = notFound("there is no such silence")
	errSilenceExpired = errkind.New(errkind.Conflict, "ui: silence expired", "the silence has expired; create a new one instead")
	errSilenceSets    = errkind.New(errkind.Conflict, "ui: silence has several matcher sets", "the silence has several matcher sets, which this form cannot keep; change it through the API")
)

// silenceExpire serves POST /silences/{id}/expire.
func (s *Server) silenceExpire(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !strfmt.IsUUID(id) {
		s.refuseSilenceForm(w, r, audit.ActionSilenceExpire, errSilenceID)
		return
	}
	if status, reason := s.expireSilenceID(&discard{}, r, s.deps.Alerting.Handler(), id); status != http.StatusOK {
		s.fail(w, r, amRefusal(status, reason))
		return
	}
	http.Redirect(w, r, "/silences?done=expired#silence-"+id, http.StatusSeeOther)
}

// silenceExtend serves POST /silences/{id}/extend: the silence's end
// moves on by the posted duration (from its end, or from now if that
// is sooner), within maxSilenceDuration of now.
func (s *Server) silenceExtend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if !strfmt.IsUUID(id) {
		s.refuseSilenceForm(w, r, audit.ActionSilenceUpdate, errSilenceID)
		return
	}
	cur, ok := s.deps.Alerting.Silence(r.Context(), id)
	if !ok {
		s.refuseSilenceForm(w, r, audit.ActionSilenceUpdate, errNoSilence)
		return
	}
	if cur.State == "expired" {
		s.refuseSilenceForm(w, r, audit.ActionSilenceUpdate, errSilenceExpired)
		return
	}
	if cur.OtherSets > 0 {
		s.refuseSilenceForm(w, r, audit.ActionSilenceUpdate, errSilenceSets)
		return
	}
	now := time.Now()
	base := now
	if cur.EndsAt.After(now) {
		base = cur.EndsAt
	}
	end, err := decodeSilenceEnd(r.PostFormValue("duration"), "", base)
	if err == nil && end.Sub(now) > maxSilenceDuration {
		err = badRequest(fmt.Sprintf("duration: the silence would end more than %s from now", model.Duration(maxSilenceDuration)))
	}
	if err != nil {
		s.refuseSilenceForm(w, r, audit.ActionSilenceUpdate, err)
		return
	}
	f := silenceForm{Matchers: cur.Matchers, Comment: cur.Comment, EndsAt: end}
	status, _, reason := s.storeSilence(&discard{}, r, s.deps.Alerting.Handler(), f.postable(id, cur.StartsAt))
	if status != http.StatusOK {
		s.fail(w, r, amRefusal(status, reason))
		return
	}
	http.Redirect(w, r, "/silences?done=extended#silence-"+id, http.StatusSeeOther)
}

// refuseSilenceForm audits a refused silence form, as the API's
// refusals are, and answers with a page naming the problem.
func (s *Server) refuseSilenceForm(w http.ResponseWriter, r *http.Request, action string, err error) {
	p := s.explain(r, err)
	target := r.PathValue("id")
	s.audit(r, action, clip(target, 64), p.status, map[string]string{"status": strconv.Itoa(p.status), "reason": clip(p.msg, 256)})
	s.answer(w, r, p)
}

// amRefusal is Alertmanager's refusal of a silence change, for a page.
func amRefusal(status int, reason string) error {
	kind := errkind.Invalid
	switch {
	case status == http.StatusNotFound:
		kind = errkind.NotFound
	case status >= 500:
		kind = errkind.Internal
	}
	return errkind.New(kind, "ui: alertmanager: "+reason, "Alertmanager refused: "+reason)
}

// discard is a ResponseWriter for Alertmanager's answers to the forms:
// storeSilence reads what it needs through its capture.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}
