package ui

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// auditPageLimit is how many records the page shows; exports have none.
const auditPageLimit = 200

// datetimeLocal is the format of an <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// auditQuery reads the filters of the audit page and export.
func auditQuery(r *http.Request) (audit.Query, auditView, error) {
	q := r.URL.Query()
	v := auditView{Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), Since: q.Get("since"), Until: q.Get("until")}
	aq := audit.Query{Actor: v.Actor, Action: v.Action, Outcome: audit.Outcome(v.Outcome)}
	if v.Outcome != "" && aq.Outcome != audit.Success && aq.Outcome != audit.Failure {
		return aq, v, badRequest("outcome: want success or failure")
	}
	var err error
	parse := func(name, s string) time.Time {
		if s == "" || err != nil {
			return time.Time{}
		}
		t, perr := time.ParseInLocation(datetimeLocal, s, time.UTC)
		if perr != nil {
			err = badRequest(name + ": want a date and time like 2025-01-31T14:00")
		}
		return t
	}
	aq.Since, aq.Until = parse("from", v.Since), parse("until", v.Until)
	filters := url.Values{}
	for k, val := range map[string]string{"actor": v.Actor, "action": v.Action, "outcome": v.Outcome, "since": v.Since, "until": v.Until} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	v.Export = filters.Encode()
	return aq, v, err
}

// auditPage serves GET /admin/audit.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	q, v, err := auditQuery(r)
	v.Limit = auditPageLimit
	status := http.StatusOK
	if err != nil {
		status, v.Error = s.formError(w, r, err)
	} else {
		v.Records, err = s.auditPageRecords(r, p, q)
		if err != nil {
			status, v.Error = s.formError(w, r, err)
		}
	}
	s.render(w, r, status, auditPage(s.page(r, "Audit trail"), v))
}

// auditPageRecords reads the page's newest records and audits the view
// (audit.view) with its filters, via=page and the number of records
// shown, in the same transaction, as the API records its reads.
func (s *Server) auditPageRecords(r *http.Request, p *auth.Principal, q audit.Query) ([]audit.Record, error) {
	if s.deps.AuditTrail == nil {
		q.Limit = auditPageLimit
		return s.deps.AuditLog.Records(r.Context(), p.User.Name, p.IP, q)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	page, err := s.deps.AuditTrail.AuditPageQuery(q, storage.AuditPageOptions{
		Limit: auditPageLimit,
		// The read and its audit.view record share a write transaction:
		// bound the scan, or a rare filter over a long trail holds the
		// write lock (sign-ins, every audit append) for the whole trail.
		MaxScan: maxAuditAPIScan,
		View: func(pg storage.AuditPage) audit.Record {
			d := q.Details()
			d["via"] = "page"
			d["records"] = strconv.Itoa(len(pg.Records))
			return auth.AuditRecord(r.Context(), s.now(), audit.ActionAuditView, "", audit.Success, d)
		},
	})
	return page.Records, err
}

// auditExport serves GET /admin/audit/export?format=csv|json with the
// page's filters, as a download.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	q, _, err := auditQuery(r)
	format := r.URL.Query().Get("format")
	if err == nil && format != audit.FormatCSV && format != audit.FormatJSON {
		err = badRequest("format: want csv or json")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Rendered in full first, so that a failure is a clean error rather
	// than a truncated file; the export is audited before it is read.
	var buf bytes.Buffer
	n, err := s.deps.AuditLog.ExportCount(r.Context(), p.User.Name, p.IP, q, format, &buf)
	if err == nil {
		// Issue 14: who read how many records, as for every export.
		d := q.Details()
		d["format"] = format
		err = s.auditDataRead(r, readAuditExport, "", n, d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctype := "text/csv; charset=utf-8"
	if format == audit.FormatJSON {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ward-audit-%s.%s"`, time.Now().UTC().Format("20060102T150405Z"), format))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
