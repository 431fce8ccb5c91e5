package ui

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
)

// The audit trail API (issue 14): GET /api/ward/audit pages the trail
// for a SIEM or a compliance tool, GET /api/ward/audit/verify verifies
// its chain. Both answer in the console API's envelope and audit their
// own reading (audit.view), as /admin/audit does.

// Bounds of the audit trail API.
const (
	defaultAuditAPILimit = 100
	maxAuditAPILimit     = 1000
	// maxAuditAPIScan bounds the records one page examines: a filter
	// that matches little over a long trail answers a short (or empty)
	// page with a cursor rather than reading the whole trail at once.
	maxAuditAPIScan = 50_000
	// maxAuditAPIField bounds the actor, action and target filters.
	maxAuditAPIField = 256
	// maxAuditAPIAnchors bounds the anchors one verification checks.
	maxAuditAPIAnchors = 16
)

// AuditTrail pages and verifies the audit trail for its API
// (*storage.State).
type AuditTrail interface {
	AuditPageQuery(q audit.Query, o storage.AuditPageOptions) (storage.AuditPage, error)
	VerifyAudit(now time.Time, external ...audit.External) (audit.Result, error)
}

// auditAPIRequest is a parsed GET /api/ward/audit.
type auditAPIRequest struct {
	q      audit.Query
	oldest bool
	limit  int
	// filters is the filters' canonical text, which a cursor is bound
	// to so that it cannot continue a listing of other filters.
	filters string
	// cur is the cursor given, if any.
	cur auditCursor
}

// parseAuditAPI reads the query of GET /api/ward/audit. Unknown or
// repeated parameters are refused, so a misspelt filter does not
// silently match everything.
func parseAuditAPI(in url.Values) (auditAPIRequest, error) {
	req := auditAPIRequest{limit: defaultAuditAPILimit}
	var cursor string
	for k, vs := range in {
		if len(vs) > 1 {
			return req, badRequest(clip(k, 32) + ": given more than once")
		}
		v := vs[0]
		var err error
		switch k {
		case "actor", "action", "target":
			if len(v) > maxAuditAPIField {
				return req, badRequest(fmt.Sprintf("%s: at most %d bytes", k, maxAuditAPIField))
			}
			switch k {
			case "actor":
				req.q.Actor = v
			case "action":
				req.q.Action = v
			default:
				req.q.Target = v
			}
		case "outcome":
			if req.q.Outcome = audit.Outcome(v); v != string(audit.Success) && v != string(audit.Failure) {
				return req, badRequest("outcome: want success or failure")
			}
		case "since":
			req.q.Since, err = parseAPITime(k, v)
		case "until":
			req.q.Until, err = parseAPITime(k, v)
		case "order":
			if v != "asc" && v != "desc" {
				return req, badRequest("order: want asc (oldest first) or desc (newest first)")
			}
			req.oldest = v == "asc"
		case "limit":
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1 || n > maxAuditAPILimit {
				return req, badRequest(fmt.Sprintf("limit: want an integer from 1 to %d", maxAuditAPILimit))
			}
			req.limit = n
		case "cursor":
			cursor = v
		default:
			return req, badRequest(clip(k, 32) + ": unknown parameter (want actor, action, target, outcome, since, until, order, cursor or limit)")
		}
		if err != nil {
			return req, err
		}
	}
	if !req.q.Since.IsZero() && !req.q.Until.IsZero() && !req.q.Until.After(req.q.Since) {
		return req, badRequest("until: must be after since")
	}
	req.filters = auditFiltersText(req.q)
	if cursor != "" {
		cur, err := decodeAuditCursor(cursor, req.filters)
		if err != nil {
			return req, err
		}
		if in.Has("order") && cur.oldest != req.oldest {
			return req, badRequest("cursor: it continues a listing in the other order; leave order out or match it")
		}
		req.oldest, req.cur = cur.oldest, cur
		if cur.oldest {
			req.q.AfterSeq = cur.seq
		} else {
			req.q.BeforeSeq = cur.seq
		}
	}
	return req, nil
}

// parseAPITime reads an RFC 3339 time or Unix seconds (fractions
// allowed), as Prometheus' API does.
func parseAPITime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, badRequest(field + ": want an RFC 3339 time (2026-01-31T14:00:00Z) or Unix seconds")
}

// auditFiltersText is q's filters in one canonical line.
func auditFiltersText(q audit.Query) string {
	d := q.Details()
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q;", k, d[k])
	}
	return b.String()
}

// auditAPIPage is the data of GET /api/ward/audit's answer.
type auditAPIPage struct {
	// Records are as stored (prev and hash included, in hex as heads
	// and anchors are), so a client can check the chain itself.
	Records []auditAPIRecord `json:"records"`
	// NextCursor continues the listing. Oldest first (order=asc) it is
	// always set: a poller keeps it and asks again later for what is
	// new. Newest first it is set while older records remain.
	NextCursor string `json:"next_cursor,omitempty"`
	// More says records remain past NextCursor right now.
	More bool `json:"more"`
}

// apiAudit serves GET /api/ward/audit.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if s.deps.AuditTrail == nil {
		s.fail(w, r, notFound("the audit trail is not available"))
		return
	}
	req, err := parseAuditAPI(r.URL.Query())
	if err == nil {
		err = s.checkAuditCursor(req.cur)
	}
	if err != nil {
		s.failAuditAPI(w, r, err)
		return
	}
	page, err := s.deps.AuditTrail.AuditPageQuery(req.q, storage.AuditPageOptions{
		Oldest: req.oldest, Limit: req.limit, MaxScan: maxAuditAPIScan,
		View: func(p storage.AuditPage) audit.Record {
			d := req.q.Details()
			d["via"] = "api"
			d["records"] = strconv.Itoa(len(p.Records))
			if req.q.AfterSeq != 0 {
				d["after_seq"] = strconv.FormatUint(req.q.AfterSeq, 10)
			}
			if req.q.BeforeSeq != 0 {
				d["before_seq"] = strconv.FormatUint(req.q.BeforeSeq, 10)
			}
			return auth.AuditRecord(r.Context(), s.now(), audit.ActionAuditView, "", audit.Success, d)
		},
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := auditAPIPage{Records: apiAuditRecords(page.Records), More: page.More}
	if page.More || req.oldest {
		next := auditCursor{oldest: req.oldest, seq: page.Resume}
		if next.at, err = s.auditHashAt(page, req.cur); err != nil {
			s.fail(w, r, err)
			return
		}
		out.NextCursor = next.encode(req.filters)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeData(w, http.StatusOK, out)
}

// auditAPIVerify is the data of GET /api/ward/audit/verify's answer.
type auditAPIVerify struct {
	Valid bool `json:"valid"`
	// Records is how many records were checked, First and Last their
	// sequence numbers.
	Records int    `json:"records"`
	First   uint64 `json:"first,omitempty"`
	Last    uint64 `json:"last,omitempty"`
	// Head is the chain's head as SEQ:HASH, the anchor to keep outside
	// ward (`ward audit verify --anchor`).
	Head     string `json:"head"`
	Unkeyed  int    `json:"unkeyed,omitempty"`
	FirstBad uint64 `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
	// Anchors says how each anchor= given was checked.
	Anchors   []auditAPIAnchor `json:"anchors,omitempty"`
	CheckedAt time.Time        `json:"checked_at"`
	// Summary is the result in one line, as `ward audit verify` prints.
	Summary string `json:"summary"`
}

type auditAPIAnchor struct {
	Anchor string `json:"anchor"`
	OK     bool   `json:"ok"`
	How    string `json:"how"`
}

// apiAuditVerify serves GET /api/ward/audit/verify[?anchor=SEQ:HASH...]:
// the chain verified now, against the anchors given. Verifications run
// one at a time: each reads the whole trail.
func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	if s.deps.AuditTrail == nil {
		s.fail(w, r, notFound("the audit trail is not available"))
		return
	}
	var anchors []audit.External
	for k, vs := range r.URL.Query() {
		if k != "anchor" {
			s.fail(w, r, badRequest(clip(k, 32)+": unknown parameter (want anchor)"))
			return
		}
		if len(vs) > maxAuditAPIAnchors {
			s.fail(w, r, badRequest(fmt.Sprintf("anchor: at most %d", maxAuditAPIAnchors)))
			return
		}
		for _, v := range vs {
			a, err := audit.ParseExternal(v)
			if err != nil {
				s.fail(w, r, badRequest("anchor: "+clip(strings.TrimPrefix(err.Error(), "audit: "), 200)))
				return
			}
			anchors = append(anchors, a)
		}
	}
	res, err := s.verifyTrail(r, anchors)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := map[string]string{"via": "api", "verify": "true", "records": strconv.Itoa(res.Records), "valid": strconv.FormatBool(res.Valid)}
	if len(anchors) > 0 {
		d["anchors"] = strconv.Itoa(len(anchors))
	}
	if err := s.deps.Audit.AppendAudit(auth.AuditRecord(r.Context(), s.now(), audit.ActionAuditView, "", audit.Success, d)); err != nil {
		s.fail(w, r, err)
		return
	}
	out := auditAPIVerify{
		Valid: res.Valid, Records: res.Records, First: res.First, Last: res.Last, Head: res.Head.String(),
		Unkeyed: res.Unkeyed, FirstBad: res.FirstBad, Problem: res.Problem, CheckedAt: res.CheckedAt.UTC(), Summary: res.String(),
	}
	for _, a := range res.Anchors {
		out.Anchors = append(out.Anchors, auditAPIAnchor{Anchor: a.Anchor.String(), OK: a.OK, How: a.How})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeData(w, http.StatusOK, out)
}

// verifyTrail verifies the chain, one verification at a time.
func (s *Server) verifyTrail(r *http.Request, anchors []audit.External) (audit.Result, error) {
	select {
	case s.trail.verifying <- struct{}{}:
		defer func() { <-s.trail.verifying }()
	case <-r.Context().Done():
		return audit.Result{}, errkind.Wrap(r.Context().Err(), errkind.Unavailable, "another verification is running and this request ran out of time waiting for it")
	}
	return s.deps.AuditTrail.VerifyAudit(s.now(), anchors...)
}
