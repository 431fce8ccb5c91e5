package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/events"
)

// EventLog is the timeline the console reads (*events.Log).
type EventLog interface {
	Query(ctx context.Context, q events.Query) ([]events.Event, error)
}

// Bounds of the events page and export.
const (
	// eventsPageSize is how many entries one page shows.
	eventsPageSize = 200
	// eventsExportRows is the most entries one export holds.
	eventsExportRows = events.MaxPage
	// eventsMaxKinds bounds the kind filters of one request.
	eventsMaxKinds = 16
)

// kindUserAction is the kind the page gives records merged from the
// audit trail; they are not stored as events.
const kindUserAction events.Kind = "user_action"

// userActions are the audit trail's actions the timeline shows: what
// people did to users, silences and alerts.
var userActions = []string{
	audit.ActionUserCreate, audit.ActionUserDisable, audit.ActionUserEnable, audit.ActionUserDelete, audit.ActionUserRole,
	audit.ActionSilenceCreate, audit.ActionSilenceUpdate, audit.ActionSilenceExpire,
	audit.ActionAlertPost, audit.ActionReceiverTest,
}

// eventsView is the events page.
type eventsView struct {
	Events []events.Event
	// The filters as given.
	From, To, Text string
	Kinds          []string
	Audit          bool
	// CanAudit says the user may merge the audit trail.
	CanAudit bool
	// Filters is the query string of the filters, for exports and
	// paging; Older continues after the last entry shown.
	Filters, Older string
	Now            time.Time
	Error          string
}

// eventsFilter is a parsed events request.
type eventsFilter struct {
	q     events.Query
	audit bool
}

// parseEvents reads the filters of the events page and export. Times are
// UTC, as the page shows them.
func parseEvents(r *http.Request, canAudit bool) (eventsFilter, eventsView, error) {
	in := r.URL.Query()
	v := eventsView{From: in.Get("from"), To: in.Get("to"), Text: in.Get("q"), Kinds: in["kind"], CanAudit: canAudit}
	var f eventsFilter
	v.Audit = canAudit && in.Get("audit") == "1"
	f.audit = v.Audit
	if len(v.Text) > events.MaxQueryText {
		return f, v, badRequest(fmt.Sprintf("q: at most %d characters", events.MaxQueryText))
	}
	f.q.Text = strings.TrimSpace(v.Text)
	if len(v.Kinds) > eventsMaxKinds {
		return f, v, badRequest(fmt.Sprintf("kind: at most %d kinds", eventsMaxKinds))
	}
	for _, k := range v.Kinds {
		switch {
		case k == "":
		case events.Kind(k).Known():
			f.q.Kinds = append(f.q.Kinds, events.Kind(k))
		case events.Kind(k) == kindUserAction && canAudit:
			f.audit, v.Audit = true, true
		default:
			return f, v, badRequest(fmt.Sprintf("kind: unknown kind %q", k))
		}
	}
	switch {
	case slices.Contains(v.Kinds, string(kindUserAction)) && len(f.q.Kinds) == 0:
		// Only user actions: no stored event matches.
		f.q.Kinds = []events.Kind{kindUserAction}
	case len(f.q.Kinds) > 0 && !slices.Contains(v.Kinds, string(kindUserAction)):
		// Other kinds only: the audit trail has none of them.
		f.audit = false
	}
	var err error
	parse := func(name, s string) time.Time {
		if s == "" || err != nil {
			return time.Time{}
		}
		t, perr := time.ParseInLocation(datetimeLocal, s, time.UTC)
		if perr != nil {
			t, perr = time.Parse(time.RFC3339, s)
		}
		if perr != nil {
			err = badRequest(name + ": want a UTC date and time like 2026-01-31T14:00")
		}
		return t
	}
	f.q.From, f.q.To = parse("from", v.From), parse("to", v.To)
	if err != nil {
		return f, v, err
	}
	if before := in.Get("before"); before != "" {
		if b, herr := hex.DecodeString(before); herr != nil || len(b) != 16 {
			return f, v, badRequest("before: not an event id")
		}
		f.q.Before = before
	}
	filters := url.Values{}
	for k, val := range map[string]string{"from": v.From, "to": v.To, "q": v.Text} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	for _, k := range v.Kinds {
		if k != "" {
			filters.Add("kind", k)
		}
	}
	if v.Audit {
		filters.Set("audit", "1")
	}
	v.Filters = filters.Encode()
	return f, v, nil
}

// timeline returns up to limit entries f selects, newest first: stored
// events and, when f asks and p may read the audit trail, user actions
// from it (reading it is audited). more says older entries remain.
func (s *Server) timeline(ctx context.Context, p *auth.Principal, f eventsFilter, limit int) (out []events.Event, more bool, err error) {
	if s.deps.Events == nil {
		return nil, false, nil
	}
	q := f.q
	q.Limit = limit + 1
	out, err = s.deps.Events.Query(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if more = len(out) > limit; more {
		out = out[:limit]
	}
	if !f.audit || s.deps.AuditLog == nil || !p.Can(auth.RoleAdmin) {
		return out, more, nil
	}
	aq := audit.Query{Actions: userActions, Since: q.From, Until: q.To, Limit: limit + 1}
	if q.Before != "" {
		// Event IDs begin with their time in Unix nanoseconds.
		b, _ := hex.DecodeString(q.Before)
		aq.Until = time.Unix(0, int64(binary.BigEndian.Uint64(b)))
	}
	recs, err := s.deps.AuditLog.Records(ctx, p.User.Name, p.IP, aq)
	if err != nil {
		return nil, false, err
	}
	for _, r := range recs {
		e := userActionEvent(r)
		if more && len(out) > 0 && e.Time.Before(out[len(out)-1].Time) {
			continue // on the next page, with the events of its time
		}
		if f.q.Text == "" || (events.Query{Text: f.q.Text}).Match(e) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b events.Event) int { return b.Time.Compare(a.Time) })
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more, nil
}

// userActionEvent shows an audit record on the timeline.
func userActionEvent(r audit.Record) events.Event {
	sev := events.SeverityInfo
	if r.Outcome != audit.Success {
		sev = events.SeverityWarning
	}
	text := r.Actor + ": " + r.Action
	if r.Target != "" {
		text += " " + r.Target
	}
	if r.Outcome != audit.Success {
		text += " (" + string(r.Outcome) + ")"
	}
	if d := detailsText(r.Details); d != "" {
		text += "; " + d
	}
	return events.Event{
		Time: r.Time, Kind: kindUserAction, Severity: sev, Subject: r.Actor, Text: text,
		Labels: map[string]string{"action": r.Action, "actor": r.Actor},
	}.Bounded()
}

// eventsPage serves GET /events.
func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	f, v, err := parseEvents(r, p.Can(auth.RoleAdmin))
	status := http.StatusOK
	if err == nil {
		var more bool
		v.Events, more, err = s.timeline(r.Context(), p, f, eventsPageSize)
		if more && len(v.Events) > 0 {
			v.Older = olderQuery(v.Filters, v.Events[len(v.Events)-1])
		}
	}
	if err != nil {
		status, v.Error = s.formError(w, r, err)
	}
	v.Now = s.now()
	pg := s.page(r, "Events")
	pg.Live = true
	s.render(w, r, status, eventsPage(pg, v))
}

// olderQuery continues a listing after last, the oldest entry shown:
// before a stored event by its ID (events recorded together share their
// time), before a user action by its time.
func olderQuery(filters string, last events.Event) string {
	older, _ := url.ParseQuery(filters)
	if last.ID != "" {
		older.Set("before", last.ID)
	} else {
		older.Set("to", last.Time.UTC().Format(time.RFC3339Nano))
	}
	return older.Encode()
}

// eventsExport serves GET /events/export?format=csv|json with the page's
// filters, as a download of at most eventsExportRows entries.
func (s *Server) eventsExport(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	f, v, err := parseEvents(r, p.Can(auth.RoleAdmin))
	format := r.URL.Query().Get("format")
	if err == nil && format != events.FormatCSV && format != events.FormatJSON {
		err = badRequest("format: want csv or json")
	}
	var evs []events.Event
	if err == nil {
		evs, _, err = s.timeline(r.Context(), p, f, eventsExportRows)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Rendered in full first, so that a failure is a clean error rather
	// than a truncated file.
	var buf bytes.Buffer
	write, ctype := events.WriteCSV, "text/csv; charset=utf-8"
	if format == events.FormatJSON {
		write, ctype = events.WriteJSON, "application/json"
	}
	err = write(&buf, evs)
	if err == nil {
		// Issue 14: who read how many events, with which filters.
		err = s.auditDataRead(r, readEventsExport, "", len(evs), map[string]string{"format": format, "filters": clip(v.Filters, 512)})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ward-events-%s.%s"`, s.now().UTC().Format("20060102T150405Z"), format))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// recentEvents returns the newest n events (at most eventsPageSize), for
// the overview; nil when there are none or they cannot be read (logged).
func (s *Server) recentEvents(ctx context.Context, n int) []events.Event {
	if s.deps.Events == nil || n <= 0 {
		return nil
	}
	evs, err := s.deps.Events.Query(ctx, events.Query{Limit: min(n, eventsPageSize)})
	if err != nil {
		s.logger.Error("reading recent events", "err", err)
		return nil
	}
	return evs
}

// eventTime renders t in UTC with its zone: 2026-12-04 08:35:10 UTC.
func eventTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

// eventAgo renders how long before now t was: "12s ago", "3m ago",
// "5h ago", "2d ago".
func eventAgo(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// eventTag is the tag class of a severity.
func eventTag(s events.Severity) string {
	switch s {
	case events.SeverityOK:
		return "tag ok"
	case events.SeverityCritical:
		return "tag bad"
	case events.SeverityWarning:
		return "tag warn"
	}
	return "tag"
}

// eventKindLabel is a kind as people read it.
func eventKindLabel(k events.Kind) string {
	if k == kindUserAction {
		return "user action"
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// eventKindOptions are the kinds the filter offers.
func eventKindOptions(canAudit bool) []events.Kind {
	out := slices.Clone(events.Kinds)
	if canAudit {
		out = append(out, kindUserAction)
	}
	return out
}
