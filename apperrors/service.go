package apperrors

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// Options wire a Service to the rest of ward.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	State      *storage.State
	// Dir holds the compressed event payloads (<data>/errors).
	Dir string
	// ExternalURL is ward's address, the host of the projects' DSNs.
	ExternalURL *url.URL
	Now         func() time.Time
}

// Service is error tracking: it accepts parsed events, groups, samples
// and stores them, and answers the pages.
//
// Groundwork: the lead's skeleton; issue 16's helpers fill it in without
// changing these signatures (new methods are fine).
type Service struct {
	opts Options
}

// New builds a Service; nothing runs until Run.
func New(o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: o}, nil
}

// Apply takes a new configuration's errors section (at start and on
// every reload).
func (s *Service) Apply(cfg config.Errors) error { return nil }

// Run processes accepted events and applies retention until ctx ends.
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// Projects are the configured projects with their DSNs.
func (s *Service) Projects() []Project { return nil }

// Accept takes the event items of one request for projectID (already
// authenticated, decompressed, within the size and depth limits):
// each is one event's JSON. It returns ErrOverloaded when it cannot
// take them; otherwise they become visible shortly after.
func (s *Service) Accept(ctx context.Context, projectID string, events []json.RawMessage, received time.Time) error {
	return nil
}

// Issues lists issues, most recently seen first.
func (s *Service) Issues(ctx context.Context, f IssueFilter) ([]Issue, error) { return nil, nil }

// Issue returns one issue.
func (s *Service) Issue(ctx context.Context, id string) (Issue, error) { return Issue{}, ErrNotFound }

// Events returns an issue's kept samples, newest first, at most limit.
func (s *Service) Events(ctx context.Context, issueID string, limit int) ([]Event, error) {
	return nil, nil
}

// Event returns one kept sample.
func (s *Service) Event(ctx context.Context, id string) (Event, error) { return Event{}, ErrNotFound }

// Counts returns the events per step of an issue ("" for every issue)
// in [from, to), oldest first, for sparklines and charts.
func (s *Service) Counts(ctx context.Context, issueID string, from, to time.Time, step time.Duration) ([]Count, error) {
	return nil, nil
}

// Releases returns a project's releases ("" for every project's),
// newest first by first seen: the first is the last deploy.
func (s *Service) Releases(ctx context.Context, projectID string) ([]Release, error) {
	return nil, nil
}

// SetStatus resolves, ignores or reopens an issue; rec (actor, address)
// is completed and appended to the audit trail in the same transaction.
func (s *Service) SetStatus(ctx context.Context, id string, st Status, rec audit.Record) error {
	return ErrNotFound
}
