package ui

import "slices"

// RouteLimit is one route of the table and its rate limit (issue 14: the
// compliance control api-rate-limits reads it).
type RouteLimit struct {
	Pattern string
	// API routes answer programs; the others are pages.
	API bool
	// Class is the route's limit class ("api_read", "unlimited").
	Class string
	// Policy is the class's limit in force ("100 per 1m"); empty when
	// the class has none.
	Policy string
}

// RouteLimits is the route table's limit column, with the limits in
// force now, sorted by pattern.
func (s *Server) RouteLimits() []RouteLimit {
	l := s.currentLimits()
	out := make([]RouteLimit, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		r := RouteLimit{Pattern: e.pattern, API: e.kind == kindAPI, Class: e.limit.String()}
		if p, ok := l.rates.For("", r.Class); ok && p.Quota > 0 {
			r.Policy = policyText(p)
		}
		if e.limit == errorIngest {
			// Issue 16: the ingest handler charges each project's
			// own bucket and bounds bodies in flight per address.
			r.Policy = "per project: errors.projects[].rate_limit (default 100 events/s, burst 1000)"
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RouteLimit) int {
		if a.Pattern < b.Pattern {
			return -1
		}
		if a.Pattern > b.Pattern {
			return 1
		}
		return 0
	})
	return out
}
