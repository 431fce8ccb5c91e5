package apperrors

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// Bounds of the pages' reads.
const (
	MaxIssues     = 500   // IssueFilter.Limit
	DefaultIssues = 100   // IssueFilter.Limit 0
	MaxEvents     = 100   // Events' limit
	DefaultEvents = 20    // Events' limit 0
	MaxCountSteps = 10000 // Counts' (to-from)/step
)

// Issues lists issues, most recently seen first.
func (s *Service) Issues(ctx context.Context, f IssueFilter) ([]Issue, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultIssues
	case limit > MaxIssues:
		limit = MaxIssues
	}
	status := f.Status
	if status == "" {
		status = StatusUnresolved
	}
	// The index yields the status's issues most recently seen first:
	// only those up to the limit that pass the filter are decoded (all
	// of a project's, at most MaxProjectIssues, when few match).
	var out []Issue
	err := s.opts.State.View(func(tx *storage.Tx) error {
		return tx.AppIssuesBySeen(string(status), func(_, project string, v []byte) (bool, error) {
			if f.Project != "" && project != f.Project {
				return true, nil
			}
			var is Issue
			if json.Unmarshal(v, &is) != nil {
				return true, nil
			}
			if (f.Environment != "" && !slices.Contains(is.Environments, f.Environment)) ||
				(f.Release != "" && !slices.Contains(is.Releases, f.Release)) {
				return true, nil
			}
			out = append(out, is)
			return len(out) < limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("apperrors: issues: %w", err)
	}
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Issue returns one issue.
func (s *Service) Issue(ctx context.Context, id string) (Issue, error) {
	var is Issue
	err := s.opts.State.View(func(tx *storage.Tx) error {
		v := tx.AppIssue(id)
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &is)
	})
	return is, err
}

// Events returns an issue's kept samples, newest first, at most limit
// (0 means 20, at most 100).
func (s *Service) Events(ctx context.Context, issueID string, limit int) ([]Event, error) {
	return s.events(ctx, issueID, limit, nil)
}

// events reads an issue's newest samples; keep, when set, trims each as
// it is read.
func (s *Service) events(ctx context.Context, issueID string, limit int, keep func(*Event)) ([]Event, error) {
	switch {
	case limit <= 0:
		limit = DefaultEvents
	case limit > MaxEvents:
		limit = MaxEvents
	}
	var files []string
	err := s.opts.State.View(func(tx *storage.Tx) error {
		if tx.AppIssue(issueID) == nil {
			return ErrNotFound
		}
		return tx.AppSamples(issueID, 0, func(a storage.AppSample) bool {
			files = append(files, a.File)
			return len(files) < limit
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := readPayload(s.opts.Dir, f)
		if err != nil {
			// Evicted between the read and here, or a payload lost in
			// a crash: the others still show.
			s.opts.Logger.Warn("reading an error event", "err", err)
			continue
		}
		if keep != nil {
			keep(&e)
		}
		out = append(out, e)
	}
	return out, nil
}

// SampleSummaries is Events without what a list of samples does not
// show: each payload is read and decoded in turn and only its summary
// kept (no frames, breadcrumbs, request, tags or user), so a page that
// lists 50 samples of 4 MiB holds one payload at a time, not 50.
func (s *Service) SampleSummaries(ctx context.Context, issueID string, limit int) ([]Event, error) {
	evs, err := s.events(ctx, issueID, limit, func(e *Event) {
		for i := range e.Exceptions {
			e.Exceptions[i].Frames = nil
		}
		e.Breadcrumbs, e.Request, e.Tags, e.User = nil, nil, nil, nil
	})
	return evs, err
}

// Event returns one kept sample.
func (s *Service) Event(ctx context.Context, id string) (Event, error) {
	var file string
	err := s.opts.State.View(func(tx *storage.Tx) error {
		a, ok := tx.AppSample(id)
		if !ok {
			return ErrNotFound
		}
		file = a.File
		return nil
	})
	if err != nil {
		return Event{}, err
	}
	e, err := readPayload(s.opts.Dir, file)
	if err != nil {
		return Event{}, fmt.Errorf("apperrors: event %s: %w", id, err)
	}
	return e, nil
}

// Counts returns the events per step of an issue ("" for every issue)
// in [from, to), oldest first, for sparklines and charts. Counts are
// kept per hour: an hour's events fall in the step its start is in
// (the first step also takes the hour from starts in).
func (s *Service) Counts(ctx context.Context, issueID string, from, to time.Time, step time.Duration) ([]Count, error) {
	if step <= 0 {
		return nil, fmt.Errorf("apperrors: counts: step: must be positive")
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("apperrors: counts: from: must be before to")
	}
	n := int((to.Sub(from) + step - 1) / step)
	if n > MaxCountSteps {
		return nil, fmt.Errorf("apperrors: counts: step: %d steps, at most %d", n, MaxCountSteps)
	}
	out := make([]Count, n)
	for i := range out {
		out[i].Start = from.Add(time.Duration(i) * step)
	}
	err := s.opts.State.View(func(tx *storage.Tx) error {
		return tx.AppErrorCounts(issueID, from, to, func(hour time.Time, c int64) {
			i := max(int(hour.Sub(from)/step), 0)
			if i < n {
				out[i].N += c
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("apperrors: counts: %w", err)
	}
	return out, nil
}

// Releases returns a project's releases ("" for every project's),
// newest first by first seen: the first is the last deploy.
func (s *Service) Releases(ctx context.Context, projectID string) ([]Release, error) {
	var out []Release
	err := s.opts.State.View(func(tx *storage.Tx) error {
		return tx.AppReleases(projectID, func(r storage.AppRelease) {
			out = append(out, Release{Project: r.Project, Version: r.Version, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("apperrors: releases: %w", err)
	}
	slices.SortFunc(out, func(a, b Release) int {
		if c := b.FirstSeen.Compare(a.FirstSeen); c != 0 {
			return c
		}
		return compareStrings(a.Version, b.Version)
	})
	return out, nil
}
