package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// memErrors is a small in-memory ErrorTracker for the pages' tests:
// issues in a slice, events by issue, counts by issue and hour. The
// real service is tested in package apperrors.
type memErrors struct {
	mu       sync.Mutex
	projects []apperrors.Project
	issues   []apperrors.Issue // newest last seen first
	events   map[string][]apperrors.Event
	counts   map[string][]apperrors.Count // oldest first
	releases []apperrors.Release          // newest first
	statuses []statusChange
	filters  []apperrors.IssueFilter
}

type statusChange struct {
	ID  string
	St  apperrors.Status
	Rec audit.Record
}

var _ ErrorTracker = (*memErrors)(nil)

// newMemErrors holds project 1 "shop" with n issues (at least 2): the
// first a Django view's ZeroDivisionError with two samples, new in the
// newest release "shop@2.0"; the others older, in "shop@1.9".
func newMemErrors(now time.Time, n int) *memErrors {
	m := &memErrors{
		projects: []apperrors.Project{{ID: "1", Name: "shop", DSN: "http://0123456789abcdef0123456789abcdef@ward.example:9740/1"}},
		events:   map[string][]apperrors.Event{},
		counts:   map[string][]apperrors.Count{},
		releases: []apperrors.Release{
			{Project: "1", Version: "shop@2.0", FirstSeen: now.Add(-2 * time.Hour), LastSeen: now},
			{Project: "1", Version: "shop@1.9", FirstSeen: now.Add(-72 * time.Hour), LastSeen: now.Add(-2 * time.Hour)},
		},
	}
	hour := now.Truncate(time.Hour)
	for i := range n {
		is := apperrors.Issue{
			ID: fmt.Sprintf("iss%04d", i), Project: "1", Level: "error", Status: apperrors.StatusUnresolved,
			Title:     fmt.Sprintf("KeyError: 'sku-%d'", i),
			Culprit:   "shop.views in checkout",
			FirstSeen: now.Add(-time.Duration(i+3) * time.Hour), LastSeen: now.Add(-time.Duration(i) * time.Minute),
			Count: int64(10 + i), Samples: 2, Users: int64(i % 7), Environments: []string{"production"},
			Releases: []string{"shop@1.9"}, FirstRelease: "shop@1.9", LastRelease: "shop@1.9",
		}
		if i == 0 {
			is.Title, is.FirstSeen, is.FirstRelease, is.LastRelease = "ZeroDivisionError: division by zero", now.Add(-90*time.Minute), "shop@2.0", "shop@2.0"
			is.Releases, is.Environments, is.Users = []string{"shop@2.0"}, []string{"production", "staging"}, 3
		}
		m.issues = append(m.issues, is)
		for h := range 24 {
			if (h+i)%3 == 0 {
				m.counts[is.ID] = append(m.counts[is.ID], apperrors.Count{Start: hour.Add(-time.Duration(23-h) * time.Hour), N: int64(h%5 + 1)})
			}
		}
		for j := range 2 {
			m.events[is.ID] = append(m.events[is.ID], sampleEvent(is, fmt.Sprintf("%s-ev%d", is.ID, j), now.Add(-time.Duration(j)*time.Hour)))
		}
	}
	return m
}

// sampleEvent is a Django request's exception: an in-app view frame
// between library frames, with context lines, breadcrumbs and a user.
func sampleEvent(is apperrors.Issue, id string, at time.Time) apperrors.Event {
	lib := func(fn string) apperrors.Frame {
		return apperrors.Frame{Module: "django.core.handlers.base", Function: fn, Filename: "django/core/handlers/base.py", Lineno: 197}
	}
	typ, val, _ := strings.Cut(is.Title, ": ")
	return apperrors.Event{
		ID: id, IssueID: is.ID, Project: is.Project, Received: at, Timestamp: at, Level: "error", Platform: "python",
		Environment: "production", Release: is.LastRelease, ServerName: "web-1", Transaction: "/checkout/",
		Exceptions: []apperrors.Exception{
			{Type: "ValueError", Value: "bad quantity", Frames: []apperrors.Frame{lib("inner")}},
			{Type: typ, Value: val, Frames: []apperrors.Frame{
				lib("_get_response"), lib("_wrapped_view"),
				{Module: "shop.views", Function: "checkout", Filename: "shop/views.py", Lineno: 42, InApp: true,
					PreContext: []string{"def checkout(request):", "    cart = request.cart"}, ContextLine: "    per_item = cart.total / cart.count",
					PostContext: []string{"    return render(request, 'checkout.html')"}},
			}},
		},
		Breadcrumbs: []apperrors.Breadcrumb{{Timestamp: at.Add(-time.Second), Category: "query", Message: "SELECT * FROM cart"},
			{Timestamp: at.Add(-time.Second), Type: "http", Category: "httplib", Data: map[string]string{"method": "GET", "url": "https://pay.example/v1", "status_code": "502"}}},
		Request: &apperrors.Request{Method: "POST", URL: "https://shop.example/checkout/", QueryString: "api_key=[Filtered]", Headers: map[string]string{"User-Agent": "Mozilla/5.0", "Cookie": "[Filtered]"}},
		Tags:    map[string]string{"browser": "Firefox"},
		User:    &apperrors.User{ID: "42", Email: "ann@example.com"},
	}
}

func (m *memErrors) Projects() []apperrors.Project {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.projects)
}

func (m *memErrors) Issues(_ context.Context, f apperrors.IssueFilter) ([]apperrors.Issue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.filters = append(m.filters, f)
	st, limit := f.Status, f.Limit
	if st == "" {
		st = apperrors.StatusUnresolved
	}
	if limit == 0 {
		limit = 100
	}
	var out []apperrors.Issue
	for _, is := range m.issues {
		if (f.Project != "" && is.Project != f.Project) || is.Status != st ||
			(f.Environment != "" && !slices.Contains(is.Environments, f.Environment)) ||
			(f.Release != "" && !slices.Contains(is.Releases, f.Release)) {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, is)
	}
	return out, nil
}

func (m *memErrors) Issue(_ context.Context, id string) (apperrors.Issue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, is := range m.issues {
		if is.ID == id {
			return is, nil
		}
	}
	return apperrors.Issue{}, fmt.Errorf("issue %s: %w", id, apperrors.ErrNotFound)
}

func (m *memErrors) Events(_ context.Context, issueID string, limit int) ([]apperrors.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs := m.events[issueID]
	return slices.Clone(evs[:min(limit, len(evs))]), nil
}

// SampleSummaries trims as the service does, so the page cannot lean
// on what the list leaves out.
func (m *memErrors) SampleSummaries(ctx context.Context, issueID string, limit int) ([]apperrors.Event, error) {
	evs, err := m.Events(ctx, issueID, limit)
	for i := range evs {
		evs[i].Exceptions = slices.Clone(evs[i].Exceptions)
		for j := range evs[i].Exceptions {
			evs[i].Exceptions[j].Frames = nil
		}
		evs[i].Breadcrumbs, evs[i].Request, evs[i].Tags, evs[i].User = nil, nil, nil, nil
	}
	return evs, err
}

func (m *memErrors) Event(_ context.Context, id string) (apperrors.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, evs := range m.events {
		for _, ev := range evs {
			if ev.ID == id {
				return ev, nil
			}
		}
	}
	return apperrors.Event{}, fmt.Errorf("event %s: %w", id, apperrors.ErrNotFound)
}

func (m *memErrors) Counts(_ context.Context, issueID string, from, to time.Time, step time.Duration) ([]apperrors.Count, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []apperrors.Count
	for _, c := range m.counts[issueID] {
		if c.Start.Before(from) || !c.Start.Before(to) {
			continue
		}
		start := from.Add(c.Start.Sub(from) / step * step)
		if n := len(out); n > 0 && out[n-1].Start.Equal(start) {
			out[n-1].N += c.N
			continue
		}
		out = append(out, apperrors.Count{Start: start, N: c.N})
	}
	return out, nil
}

func (m *memErrors) Releases(_ context.Context, projectID string) ([]apperrors.Release, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []apperrors.Release
	for _, r := range m.releases {
		if projectID == "" || r.Project == projectID {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memErrors) SetStatus(_ context.Context, id string, st apperrors.Status, rec audit.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.issues {
		if m.issues[i].ID == id {
			m.issues[i].Status, m.issues[i].StatusBy, m.issues[i].StatusAt = st, rec.Actor, rec.Time
			m.statuses = append(m.statuses, statusChange{ID: id, St: st, Rec: rec})
			return nil
		}
	}
	return fmt.Errorf("issue %s: %w", id, apperrors.ErrNotFound)
}

// startErrorsServer is startServer with mem as Deps.Errors (nil: none).
func startErrorsServer(tb testing.TB, mem *memErrors) (*Server, string) {
	tb.Helper()
	return startServerEdit(tb, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		if mem != nil {
			d.Errors = mem
		}
	})
}
