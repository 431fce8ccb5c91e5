package ingest

import (
	"sync"
	"time"
)

// KeyPrefixLen is how much of a key a project's page shows: enough to
// tell keys apart while rotating, not enough to use one.
const KeyPrefixLen = 8

// Stats are what a project's page shows of its ingest requests since
// ward started (issue 16 trial): when each key last sent an accepted
// event, and the requests refused by reason, so a wrong DSN does not
// look like an app without errors.
type Stats struct {
	// Since is when counting began (ward's start).
	Since time.Time
	// Keys are the project's configured keys, in order.
	Keys []KeyUse
	// Refused counts the refused requests by reason: a wrong or
	// missing key, a malformed request, one too large, one over the
	// project's rate limit, one refused while ward was busy.
	BadKey, BadRequest, TooLarge, RateLimited, Busy int64
}

// KeyUse is one key's last use.
type KeyUse struct {
	// Prefix is the key's first KeyPrefixLen characters.
	Prefix string
	// LastUsed is when it last sent an accepted event; zero when it
	// has not since Since.
	LastUsed time.Time
}

// stats keeps the counts of every project that was configured: a
// project's keys and refusals, bounded by the configuration.
type stats struct {
	mu    sync.Mutex
	since time.Time
	by    map[string]*projectStats
}

type projectStats struct {
	lastUsed map[string]time.Time // by key prefix
	refused  map[string]int64     // by outcome
}

func prefix(key string) string {
	if len(key) > KeyPrefixLen {
		return key[:KeyPrefixLen]
	}
	return key
}

func (s *stats) of(id string) *projectStats {
	if s.by == nil {
		s.by = map[string]*projectStats{}
	}
	ps := s.by[id]
	if ps == nil {
		ps = &projectStats{lastUsed: map[string]time.Time{}, refused: map[string]int64{}}
		s.by[id] = ps
	}
	return ps
}

// used notes that key sent project id an accepted event at t.
func (s *stats) used(id, key string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.of(id).lastUsed[prefix(key)] = t
}

// refused counts a refusal of project id with outcome.
func (s *stats) refused(id, outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.of(id).refused[outcome]++
}

// Stats returns project id's stats; its Keys are the configured ones.
func (h *Handler) Stats(id string) Stats {
	h.stats.mu.Lock()
	defer h.stats.mu.Unlock()
	ps := h.stats.by[id] // not created: a page asking adds nothing
	if ps == nil {
		ps = &projectStats{}
	}
	st := Stats{
		Since:       h.stats.since,
		BadKey:      ps.refused[outcomeUnauthorized],
		BadRequest:  ps.refused[outcomeBadRequest],
		TooLarge:    ps.refused[outcomeTooLarge],
		RateLimited: ps.refused[outcomeRateLimited],
		Busy:        ps.refused[outcomeOverloaded],
	}
	if p := (*h.projects.Load())[id]; p != nil {
		for _, k := range p.keys {
			pre := prefix(string(k))
			st.Keys = append(st.Keys, KeyUse{Prefix: pre, LastUsed: ps.lastUsed[pre]})
		}
	}
	return st
}
