package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
)

// ErrorTracker is error tracking (issue 16; *apperrors.Service): the
// /errors pages read it and its actions change issues' status.
type ErrorTracker interface {
	Projects() []apperrors.Project
	Issues(ctx context.Context, f apperrors.IssueFilter) ([]apperrors.Issue, error)
	Issue(ctx context.Context, id string) (apperrors.Issue, error)
	Events(ctx context.Context, issueID string, limit int) ([]apperrors.Event, error)
	// SampleSummaries lists samples without their frames, breadcrumbs,
	// request, tags and user (the issue page's list).
	SampleSummaries(ctx context.Context, issueID string, limit int) ([]apperrors.Event, error)
	Event(ctx context.Context, id string) (apperrors.Event, error)
	Counts(ctx context.Context, issueID string, from, to time.Time, step time.Duration) ([]apperrors.Count, error)
	Releases(ctx context.Context, projectID string) ([]apperrors.Release, error)
	SetStatus(ctx context.Context, id string, st apperrors.Status, rec audit.Record) error
}

var _ ErrorTracker = (*apperrors.Service)(nil)

// errorRoutes are issue 16's routes: the Sentry ingest endpoints (public:
// the project key authenticates them, package apperrors/ingest) and the
// /errors pages.
//
// Viewers read issues, samples and projects' DSNs (the key in a DSN is
// public: browsers ship it); operators resolve, ignore and reopen
// issues. Reading a sample's payload is a data read (audited).
func (s *Server) errorRoutes() []endpoint {
	type hf = http.HandlerFunc
	return []endpoint{
		viewer(kindPage, "GET /errors", hf(s.errorsPage)),
		viewer(kindPage, "GET /errors/issues/{id}", hf(s.errorIssuePage)),
		viewer(kindPage, "GET /errors/projects/{id}", hf(s.errorProjectPage)),
		operator(kindPage, "POST /errors/issues/{id}/status", hf(s.errorIssueStatus)),
		// GDPR for the apps' end users (errorspeople.go).
		admin(kindPage, "GET /admin/errors/people", hf(s.errorPeoplePage)),
		admin(kindPage, "POST /admin/errors/people/export", hf(s.errorPeopleExport)),
		admin(kindPage, "POST /admin/errors/people/erase", hf(s.errorPeopleErase)),
	}
}
