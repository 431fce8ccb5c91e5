package apperrors

import (
	"context"
	"slices"
	"strings"

	"github.com/ward-monitoring/ward/storage"
)

// personHashes are the index's pseudonyms of a person's user ids,
// emails and addresses.
func personHashes(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		if strings.TrimSpace(id) != "" {
			out[userHash(id)] = true
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

// ExportPerson returns every kept event whose user id, email or IP
// address is one of ids (compared without case), oldest first: the
// error tracking part of a person's data export. Events still queued are
// not in it.
func (s *Service) ExportPerson(ctx context.Context, ids []string) ([]Event, error) {
	hashes := personHashes(ids)
	if len(hashes) == 0 {
		return nil, nil
	}
	var found []storage.AppSample
	if err := s.opts.State.View(func(tx *storage.Tx) error {
		found = s.personSamples(tx, hashes)
		return nil
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(found, func(a, b storage.AppSample) int { return a.Time.Compare(b.Time) })
	out := make([]Event, 0, len(found))
	for _, a := range found {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := readPayload(s.opts.Dir, a.File)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ErasePerson deletes every kept event whose user id, email or IP
// address is one of ids, and the person from the issues' users (their
// counts stay: they count events and people, not who), and returns how
// many events went. The payload files go after the commit.
func (s *Service) ErasePerson(ctx context.Context, ids []string) (int, error) {
	hashes := personHashes(ids)
	if len(hashes) == 0 {
		return 0, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var files []string
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
		return lessSamples(tx, gone)
	})
	if err != nil {
		return 0, err
	}
	return len(files), removePayloads(s.opts.Dir, files)
}
