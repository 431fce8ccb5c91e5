package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// The explorer's history (issue 11): each user's last distinct
// expressions (storage.MaxQueryHistory), kept in the state database,
// shown only to that user and deleted with them.

// historyLink is one remembered expression.
type historyLink struct {
	Expr, Href string
}

// historyUser is whose history r reads and writes: the signed-in user;
// "" (none) for API tokens and the internal scrape token.
func historyUser(r *http.Request) string {
	p := auth.PrincipalFrom(r.Context())
	if p == nil || p.Session.ID == "" {
		return ""
	}
	return p.User.Name
}

// rememberQuery records expr in the user's history; a failure is logged,
// not shown: the query itself worked.
func (s *Server) rememberQuery(r *http.Request, expr string) {
	user := historyUser(r)
	if s.deps.History == nil || user == "" {
		return
	}
	if err := s.deps.History.RecordQuery(user, expr); err != nil {
		s.logger.Error("recording query history", "err", err, "user", user)
	}
}

// historyLinks are the user's recent expressions as explorer links,
// keeping the range and view of r.
func (s *Server) historyLinks(r *http.Request) []historyLink {
	user := historyUser(r)
	if s.deps.History == nil || user == "" {
		return nil
	}
	h, err := s.deps.History.QueryHistory(user)
	if err != nil {
		s.logger.Error("reading query history", "err", err, "user", user)
		return nil
	}
	links := make([]historyLink, 0, len(h))
	for _, e := range h {
		links = append(links, historyLink{Expr: e, Href: exprHref(r, e)})
	}
	return links
}

// exprHref is the explorer with expr, keeping r's view, range and step
// (and leaving the label browser).
func exprHref(r *http.Request, expr string) string {
	q := url.Values{"g0.expr": {expr}}
	for _, k := range []string{"tab", "range", "from", "to", "step"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return "/graph?" + q.Encode()
}

// clearHistory serves POST /graph/history/clear: the user's own history
// is deleted, audited in the same transaction. The explorer's button only
// asks (a page with the count and a second button, confirm=yes), as
// deleting a user does: it cannot be undone and sits under the list.
func (s *Server) clearHistory(w http.ResponseWriter, r *http.Request) {
	user := historyUser(r)
	if s.deps.History == nil || user == "" {
		s.fail(w, r, badRequest("history: only a signed-in user has a query history"))
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h, err := s.deps.History.QueryHistory(user)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, confirmClearHistoryPage(s.page(r, "Clear query history"), len(h)))
		return
	}
	rec := auth.AuditRecord(r.Context(), s.now(), audit.ActionHistoryClear, user, audit.Success, nil)
	n, err := s.deps.History.ClearQueryHistory(user, rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("query history cleared", "user", user, "entries", strconv.Itoa(n))
	http.Redirect(w, r, "/graph", http.StatusSeeOther)
}
