package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Error tracking (issue 16): package apperrors marshals its issues; this
// file keeps them, the distinct users affected, the hourly counts and
// the releases. Keys that belong to an issue start with the issue id and
// a 0 byte, so that one issue's id is never a prefix of another's keys.
// The sample index is in apperrorsamples.go.

// ErrAppIssueMissing means the issue a change names does not exist.
var ErrAppIssueMissing = errors.New("storage: no such error issue")

func appKey(id string, suffix []byte) []byte {
	k := make([]byte, 0, len(id)+1+len(suffix))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, suffix...)
}

func beTime(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

// AppIssue returns the issue stored under id (a copy), or nil.
func (t *Tx) AppIssue(id string) []byte {
	return bytes.Clone(t.bolt.Bucket(bucketAppIssues).Get([]byte(id)))
}

// PutAppIssue stores (or replaces) the issue with id.
func (t *Tx) PutAppIssue(id string, v []byte) error {
	if id == "" {
		return fmt.Errorf("storage: error issue without id")
	}
	return t.bolt.Bucket(bucketAppIssues).Put([]byte(id), v)
}

// AppIssues calls fn with every issue; v is only valid during the call.
func (t *Tx) AppIssues(fn func(id string, v []byte) error) error {
	return t.bolt.Bucket(bucketAppIssues).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// DeleteAppIssue deletes the issue with id, its users, its hourly counts
// and its sample index, and returns the deleted samples so that the
// caller removes their payloads once this transaction has committed.
func (t *Tx) DeleteAppIssue(id string) ([]AppSample, error) {
	if err := t.bolt.Bucket(bucketAppIssues).Delete([]byte(id)); err != nil {
		return nil, err
	}
	if err := t.unindexAppIssue(id, ""); err != nil {
		return nil, err
	}
	for _, b := range [][]byte{bucketAppIssueUsers, bucketAppErrorCounts} {
		if err := deletePrefix(t.bolt.Bucket(b), appKey(id, nil)); err != nil {
			return nil, err
		}
	}
	var gone []AppSample
	err := t.AppSamples(id, 0, func(s AppSample) bool { gone = append(gone, s); return true })
	if err != nil {
		return nil, err
	}
	for _, s := range gone {
		if _, _, err := t.DeleteAppSample(s.Event); err != nil {
			return nil, err
		}
	}
	return gone, nil
}

func deletePrefix(b *bbolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// AddAppIssueUser records that user (a hash of their id, email or
// address) was affected by the issue, unless the issue already has max
// users recorded. added says whether the user is new to the issue.
// known is how many users the issue had before.
func (t *Tx) AddAppIssueUser(issue string, user []byte, known, max int64) (added bool, err error) {
	if known >= max {
		return false, nil
	}
	b := t.bolt.Bucket(bucketAppIssueUsers)
	k := appKey(issue, user)
	if b.Get(k) != nil {
		return false, nil
	}
	return true, b.Put(k, []byte{})
}

// DeleteAppIssueUsers forgets the users whose hash is in users from
// every issue (an erasure); the issues' counts stay. It returns how many
// entries went.
func (t *Tx) DeleteAppIssueUsers(users [][]byte) (int, error) {
	return deleteWhere(t.bolt.Bucket(bucketAppIssueUsers), func(k, _ []byte) bool {
		i := bytes.IndexByte(k, 0)
		for _, u := range users {
			if i >= 0 && bytes.Equal(k[i+1:], u) {
				return true
			}
		}
		return false
	})
}

// AddAppErrorCount adds n events to the issue's count for the hour that
// holds at, and to the total of every issue (issue "").
func (t *Tx) AddAppErrorCount(issue string, at time.Time, n int64) error {
	if issue == "" {
		return fmt.Errorf("storage: error count without issue")
	}
	b := t.bolt.Bucket(bucketAppErrorCounts)
	hour := binary.BigEndian.AppendUint64(nil, uint64(at.Truncate(time.Hour).Unix()))
	for _, id := range []string{issue, ""} {
		k := appKey(id, hour)
		var have uint64
		if v := b.Get(k); len(v) == 8 {
			have = binary.BigEndian.Uint64(v)
		}
		if err := b.Put(k, binary.BigEndian.AppendUint64(nil, have+uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

// AppErrorCounts calls fn, oldest first, with each hour in [from, to)
// that has events of the issue ("" for every issue).
func (t *Tx) AppErrorCounts(issue string, from, to time.Time, fn func(hour time.Time, n int64)) error {
	c := t.bolt.Bucket(bucketAppErrorCounts).Cursor()
	prefix := appKey(issue, nil)
	start := appKey(issue, binary.BigEndian.AppendUint64(nil, uint64(max(from.Truncate(time.Hour).Unix(), 0))))
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+8 || len(v) != 8 {
			continue
		}
		hour := time.Unix(int64(binary.BigEndian.Uint64(k[len(prefix):])), 0).UTC()
		if !hour.Before(to) {
			break
		}
		fn(hour, int64(binary.BigEndian.Uint64(v)))
	}
	return nil
}

// DeleteAppErrorCountsBefore deletes every hourly count of an hour that
// ended before cutoff and returns how many went.
func (t *Tx) DeleteAppErrorCountsBefore(cutoff time.Time) (int, error) {
	return deleteWhere(t.bolt.Bucket(bucketAppErrorCounts), func(k, _ []byte) bool {
		return len(k) >= 9 && time.Unix(int64(binary.BigEndian.Uint64(k[len(k)-8:])), 0).Add(time.Hour).Before(cutoff)
	})
}

// AppRelease is a release as error tracking saw it in events.
type AppRelease struct {
	Project   string    `json:"-"`
	Version   string    `json:"-"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// NoteAppRelease records an event of the project's release at at.
func (t *Tx) NoteAppRelease(project, version string, at time.Time) error {
	b := t.bolt.Bucket(bucketAppReleases)
	k := appKey(project, []byte(version))
	r := AppRelease{FirstSeen: at, LastSeen: at}
	if v := b.Get(k); v != nil && json.Unmarshal(v, &r) == nil {
		if at.Before(r.FirstSeen) {
			r.FirstSeen = at
		}
		if at.After(r.LastSeen) {
			r.LastSeen = at
		}
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put(k, v)
}

// AppReleases calls fn with each release of the project ("" for every
// project's), in key order.
func (t *Tx) AppReleases(project string, fn func(AppRelease)) error {
	c := t.bolt.Bucket(bucketAppReleases).Cursor()
	var prefix []byte
	if project != "" {
		prefix = appKey(project, nil)
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r AppRelease
		i := bytes.IndexByte(k, 0)
		if i < 0 || json.Unmarshal(v, &r) != nil {
			continue
		}
		r.Project, r.Version = string(k[:i]), string(k[i+1:])
		fn(r)
	}
	return nil
}

// DeleteAppReleasesBefore deletes the releases last seen before cutoff.
func (t *Tx) DeleteAppReleasesBefore(cutoff time.Time) (int, error) {
	return deleteWhere(t.bolt.Bucket(bucketAppReleases), func(_, v []byte) bool {
		var r AppRelease
		return json.Unmarshal(v, &r) != nil || r.LastSeen.Before(cutoff)
	})
}

// deleteWhere deletes b's entries that match and returns how many went.
// Keys are collected first: bbolt's ForEach must not see its bucket
// change.
func deleteWhere(b *bbolt.Bucket, match func(k, v []byte) bool) (int, error) {
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if match(k, v) {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
