package apperrors

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/ward-monitoring/ward/storage"
)

// personHashes are the index's pseudonyms of a person's user ids,
// emails and addresses.
func (s *Service) personHashes(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		if strings.TrimSpace(id) != "" {
			out[s.userHash(id)] = true
		}
	}
	return out
}

func (s *Service) personSamples(tx *storage.Tx, hashes map[string]bool) []storage.AppSample {
	var out []storage.AppSample
	_ = tx.AllAppSamples(func(a storage.AppSample) bool {
		if slices.ContainsFunc(a.Users, func(u string) bool { return hashes[u] }) {
			out = append(out, a)
		}
		return true
	})
	return out
}

// Bounds of one person's export: the newest MaxExportEvents events,
// at most MaxExportBytes of their JSON in all (a person's events are
// at most 1 MB each at ingest; an export of more is cut, and says so).
const (
	MaxExportEvents = 1000
	MaxExportBytes  = 32 << 20
)

// PersonExport is the error tracking part of a person's data export.
type PersonExport struct {
	// Events are the exported events, oldest first.
	Events []Event `json:"events"`
	// Matched is how many kept events name the person.
	Matched int `json:"matched"`
	// Truncated says that Events stops short of Matched because of
	// MaxExportEvents or MaxExportBytes (the oldest are left out).
	Truncated bool `json:"truncated"`
	// Unreadable counts events whose payload could not be read back
	// (left out, the rest exported).
	Unreadable int `json:"unreadable"`
	// MaxEvents and MaxBytes are the bounds that applied.
	MaxEvents int `json:"max_events"`
	MaxBytes  int `json:"max_bytes"`
}

// ExportPerson returns the newest kept events whose user id, email or
// IP address is one of ids (compared without case), oldest first,
// within the bounds of ExportPersonBounded, which says whether it cut.
func (s *Service) ExportPerson(ctx context.Context, ids []string) ([]Event, error) {
	x, err := s.ExportPersonBounded(ctx, ids)
	return x.Events, err
}

// ExportPersonBounded is a person's export: the newest of their kept
// events within MaxExportEvents and MaxExportBytes, oldest first, with
// how many matched and were left out. An event that cannot be read is
// counted in Unreadable, not an error. Events still queued are not in
// it.
func (s *Service) ExportPersonBounded(ctx context.Context, ids []string) (PersonExport, error) {
	x := PersonExport{MaxEvents: s.exportEvents, MaxBytes: s.exportBytes}
	hashes := s.personHashes(ids)
	if len(hashes) == 0 {
		return x, nil
	}
	var found []storage.AppSample
	if err := s.opts.State.View(func(tx *storage.Tx) error {
		found = s.personSamples(tx, hashes)
		return nil
	}); err != nil {
		return x, err
	}
	x.Matched = len(found)
	// Newest first, to keep the newest when the bounds cut.
	slices.SortFunc(found, func(a, b storage.AppSample) int { return b.Time.Compare(a.Time) })
	budget := int64(x.MaxBytes)
	for _, a := range found {
		if err := ctx.Err(); err != nil {
			return PersonExport{}, err
		}
		if len(x.Events) >= x.MaxEvents || budget <= 0 {
			x.Truncated = true
			break
		}
		e, n, err := readPayloadSized(s.opts.Dir, a.File, budget)
		if errors.Is(err, errPayloadBudget) {
			x.Truncated = true
			break
		}
		if err != nil {
			x.Unreadable++
			s.opts.Logger.Warn("error event unreadable in an export", "event", a.Event, "err", err)
			continue
		}
		budget -= n
		x.Events = append(x.Events, e)
	}
	slices.Reverse(x.Events)
	return x, nil
}

// ErasePerson deletes every kept event whose user id, email or IP
// address is one of ids, and the person from the issues' users (their
// counts stay: they count events and people, not who), and returns how
// many events went. The payload files go after the commit.
func (s *Service) ErasePerson(ctx context.Context, ids []string) (int, error) {
	hashes := s.personHashes(ids)
	if len(hashes) == 0 {
		return 0, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var files []string
	var retitled []Issue
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		files = files[:0]
		gone := s.personSamples(tx, hashes)
		for _, a := range gone {
			if _, _, err := tx.DeleteAppSample(a.Event); err != nil {
				return err
			}
			files = append(files, a.File)
		}
		users := make([][]byte, 0, len(hashes))
		for h := range hashes {
			users = append(users, hexBytes(h))
		}
		if _, err := tx.DeleteAppIssueUsers(users); err != nil {
			return err
		}
		if err := lessSamples(tx, gone); err != nil {
			return err
		}
		var err error
		retitled, err = eraseFromTitles(tx, ids)
		return err
	})
	if err != nil {
		return 0, err
	}
	for i := range retitled {
		s.metrics.retitle(&retitled[i])
	}
	return len(files), removePayloads(s.opts.Dir, files)
}

// minErasedInTitle: identifiers shorter than this (a user id "42") are
// not erased from titles, where they would match unrelated text.
const minErasedInTitle = 5

// eraseFromTitles replaces, in every issue's title and culprit, the
// identifiers (without case) with [erased], and returns the issues it
// changed.
func eraseFromTitles(tx *storage.Tx, ids []string) ([]Issue, error) {
	var res []*regexp.Regexp
	for _, id := range ids {
		if id = strings.TrimSpace(id); len(id) >= minErasedInTitle {
			res = append(res, regexp.MustCompile("(?i)"+regexp.QuoteMeta(id)))
		}
	}
	if len(res) == 0 {
		return nil, nil
	}
	var changed []Issue
	err := tx.AppIssues(func(_ string, v []byte) error {
		var is Issue
		if json.Unmarshal(v, &is) != nil {
			return nil
		}
		t, c := is.Title, is.Culprit
		for _, re := range res {
			t, c = re.ReplaceAllString(t, "[erased]"), re.ReplaceAllString(c, "[erased]")
		}
		if t != is.Title || c != is.Culprit {
			is.Title, is.Culprit = t, c
			changed = append(changed, is)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range changed {
		if err := putIssue(tx, &changed[i]); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// PersonDigest names a person in the audit trail without their
// identifiers: 16 hex digits of an HMAC of ids under the install's
// secret salt, the same for the same identifiers (an audit reader can
// match two records, not guess who they are).
func (s *Service) PersonDigest(ids []string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte("ward app user\x00" + strings.Join(ids, "\x00")))
	return hex.EncodeToString(m.Sum(nil)[:8])
}
