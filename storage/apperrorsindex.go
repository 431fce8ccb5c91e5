package storage

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"
)

// The issue index of error tracking: the issue list reads issues of one
// status most recently seen first, and stops at its limit, instead of
// decoding every issue. It lives in its own bucket, made (and filled
// from app_issues) on first use, so a database already at schema 10
// gains it without a migration. Keys:
//
//	's' status 0 last-seen (ns, big-endian) issue id -> project
//	'r' issue id                                     -> its 's' key
//	'n' project                                      -> issues (uint64)
var bucketAppIssueIndex = []byte("app_issue_index")

// AppIssueKey is what the index keeps of an issue.
type AppIssueKey struct {
	Project  string
	Status   string
	LastSeen time.Time
}

func (k AppIssueKey) sortKey(id string) []byte {
	out := append([]byte{'s'}, k.Status...)
	out = append(out, 0)
	out = append(out, beTime(k.LastSeen)...)
	return append(out, id...)
}

func projectCountKey(project string) []byte { return append([]byte{'n'}, project...) }

// EnsureAppIssueIndex makes the issue index if it is missing, from
// every issue (key says what to index of one; false skips it). Call it
// once at start.
func (t *Tx) EnsureAppIssueIndex(key func(v []byte) (AppIssueKey, bool)) error {
	if t.bolt.Bucket(bucketAppIssueIndex) != nil {
		return nil
	}
	if _, err := t.bolt.CreateBucket(bucketAppIssueIndex); err != nil {
		return err
	}
	return t.AppIssues(func(id string, v []byte) error {
		k, ok := key(v)
		if !ok {
			return nil
		}
		return t.indexAppIssue(id, k)
	})
}

// PutAppIssueIndexed stores (or replaces) the issue with id, as
// PutAppIssue, and indexes it under k.
func (t *Tx) PutAppIssueIndexed(id string, v []byte, k AppIssueKey) error {
	if err := t.PutAppIssue(id, v); err != nil {
		return err
	}
	return t.indexAppIssue(id, k)
}

func (t *Tx) indexAppIssue(id string, k AppIssueKey) error {
	b, err := t.bolt.CreateBucketIfNotExists(bucketAppIssueIndex)
	if err != nil {
		return err
	}
	rk := append([]byte{'r'}, id...)
	sk := k.sortKey(id)
	old := b.Get(rk)
	if bytes.Equal(old, sk) {
		return nil
	}
	if old != nil {
		if err := b.Delete(bytes.Clone(old)); err != nil {
			return err
		}
	} else if err := t.addProjectIssues(b, k.Project, 1); err != nil {
		return err
	}
	if err := b.Put(sk, []byte(k.Project)); err != nil {
		return err
	}
	return b.Put(rk, sk)
}

func (t *Tx) addProjectIssues(b interface {
	Get([]byte) []byte
	Put([]byte, []byte) error
}, project string, n int64) error {
	k := projectCountKey(project)
	var have int64
	if v := b.Get(k); len(v) == 8 {
		have = int64(binary.BigEndian.Uint64(v))
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(max(have+n, 0))))
}

// unindexAppIssue drops the issue from the index (DeleteAppIssue).
func (t *Tx) unindexAppIssue(id, project string) error {
	b := t.bolt.Bucket(bucketAppIssueIndex)
	if b == nil {
		return nil
	}
	rk := append([]byte{'r'}, id...)
	old := b.Get(rk)
	if old == nil {
		return nil
	}
	if p := b.Get(old); p != nil {
		project = string(p)
	}
	if err := b.Delete(bytes.Clone(old)); err != nil {
		return err
	}
	if err := b.Delete(rk); err != nil {
		return err
	}
	return t.addProjectIssues(b, project, -1)
}

// AppProjectIssues is how many issues the project has (by the index).
func (t *Tx) AppProjectIssues(project string) int64 {
	b := t.bolt.Bucket(bucketAppIssueIndex)
	if b == nil {
		return 0
	}
	if v := b.Get(projectCountKey(project)); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// AppIssuesBySeen calls fn with the issues of status, most recently
// seen first, until fn returns false or an error; project is each
// issue's project (so a filter on it needs no decoding), v is only
// valid during the call.
func (t *Tx) AppIssuesBySeen(status string, fn func(id, project string, v []byte) (bool, error)) error {
	b := t.bolt.Bucket(bucketAppIssueIndex)
	if b == nil {
		return nil
	}
	issues := t.bolt.Bucket(bucketAppIssues)
	prefix := append(append([]byte{'s'}, status...), 0)
	c := b.Cursor()
	end := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	k, p := c.Seek(end)
	if k == nil {
		k, p = c.Last()
	}
	for ; k != nil && bytes.Compare(k, end) >= 0; k, p = c.Prev() {
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, p = c.Prev() {
		if len(k) < len(prefix)+8 {
			continue
		}
		id := string(k[len(prefix)+8:])
		v := issues.Get([]byte(id))
		if v == nil {
			continue
		}
		more, err := fn(id, string(p), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// TrimAppReleases keeps the project's keep releases last seen most
// recently and deletes the others; it returns how many went.
func (t *Tx) TrimAppReleases(project string, keep int) (int, error) {
	var all []AppRelease
	if err := t.AppReleases(project, func(r AppRelease) { all = append(all, r) }); err != nil {
		return 0, err
	}
	if len(all) <= keep {
		return 0, nil
	}
	slices.SortFunc(all, func(a, b AppRelease) int { return b.LastSeen.Compare(a.LastSeen) })
	b := t.bolt.Bucket(bucketAppReleases)
	for _, r := range all[keep:] {
		if err := b.Delete(appKey(project, []byte(r.Version))); err != nil {
			return 0, err
		}
	}
	return len(all) - keep, nil
}
