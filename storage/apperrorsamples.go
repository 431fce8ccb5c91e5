package storage

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The sample index of error tracking (issue 16): each kept event's
// payload is a file under <data>/errors; app_events finds an issue's
// samples by time, app_event_ids one sample by its event id, and
// app_event_times every sample oldest first (retention, the size cap).
// The payloads' disk use and their number are kept in meta, in the
// same transactions, so the size cap needs no walk of the directory.
// Disk use counts each file in whole AppSampleBlock blocks: most
// payloads are under 1 KiB compressed, and counting their compressed
// bytes said 214 MB of what took 1.28 GB.

var (
	// keyAppSampleBytes held the compressed total (before blocks); it is
	// dropped once EnsureAppSampleTotals has counted the disk use.
	keyAppSampleBytes = []byte("app_sample_bytes")
	keyAppSampleDisk  = []byte("app_sample_disk_bytes")
	keyAppSampleCount = []byte("app_sample_count")
)

// AppSampleBlock is the file system block a payload file takes at
// least (ext4's and XFS's default).
const AppSampleBlock = 4096

// AppSampleDiskBytes is what a payload file of size bytes is counted as
// on disk: whole blocks, at least one.
func AppSampleDiskBytes(size int64) int64 {
	return max(1, (size+AppSampleBlock-1)/AppSampleBlock) * AppSampleBlock
}

// AppSample is one kept event in the index.
type AppSample struct {
	Issue string    `json:"-"`
	Event string    `json:"-"`
	Time  time.Time `json:"-"` // received; the index is ordered by it
	// File is the payload's path relative to the errors directory; Size
	// its bytes on disk.
	File string `json:"file"`
	Size int64  `json:"size"`
	// Users are hashes of the user id, email and address the event
	// names, so that a person's events are found without reading every
	// payload (export and erasure).
	Users []string `json:"users,omitempty"`
}

// PutAppSample indexes a kept event whose payload is already on disk.
// The event id must be new (see AppSampleExists).
func (t *Tx) PutAppSample(s AppSample) error {
	if s.Issue == "" || s.Event == "" {
		return fmt.Errorf("storage: error sample without issue or event id")
	}
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ts := beTime(s.Time)
	if err := t.bolt.Bucket(bucketAppEvents).Put(appKey(s.Issue, append(ts, s.Event...)), v); err != nil {
		return err
	}
	if err := t.bolt.Bucket(bucketAppEventIDs).Put([]byte(s.Event), appKey(s.Issue, ts)); err != nil {
		return err
	}
	if err := t.bolt.Bucket(bucketAppEventTimes).Put(append(bytes.Clone(ts), s.Event...), []byte(s.Issue)); err != nil {
		return err
	}
	return t.addAppSampleTotals(AppSampleDiskBytes(s.Size), 1)
}

// AppSampleExists reports whether an event with id is indexed.
func (t *Tx) AppSampleExists(id string) bool {
	return t.bolt.Bucket(bucketAppEventIDs).Get([]byte(id)) != nil
}

// AppSample returns the indexed event with id.
func (t *Tx) AppSample(id string) (AppSample, bool) {
	ref := t.bolt.Bucket(bucketAppEventIDs).Get([]byte(id))
	if len(ref) < 9 {
		return AppSample{}, false
	}
	v := t.bolt.Bucket(bucketAppEvents).Get(append(bytes.Clone(ref), id...))
	if v == nil {
		return AppSample{}, false
	}
	s, err := decodeAppSample(append(bytes.Clone(ref), id...), v)
	return s, err == nil
}

func decodeAppSample(k, v []byte) (AppSample, error) {
	var s AppSample
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) < i+1+8 {
		return s, fmt.Errorf("storage: malformed error sample key")
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, err
	}
	s.Issue = string(k[:i])
	s.Time = time.Unix(0, int64(binary.BigEndian.Uint64(k[i+1:i+9]))).UTC()
	s.Event = string(k[i+9:])
	return s, nil
}

// AppSamples calls fn with the issue's samples, newest first, until fn
// returns false; before (Unix ns, 0 for none) skips those received at or
// after it.
func (t *Tx) AppSamples(issue string, before int64, fn func(AppSample) bool) error {
	c := t.bolt.Bucket(bucketAppEvents).Cursor()
	prefix := appKey(issue, nil)
	end := appKey(issue, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if before > 0 {
		end = appKey(issue, binary.BigEndian.AppendUint64(nil, uint64(before)))
	}
	k, v := c.Seek(end)
	if k == nil {
		k, v = c.Last()
	}
	for ; k != nil && bytes.Compare(k, end) >= 0; k, v = c.Prev() {
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		s, err := decodeAppSample(k, v)
		if err != nil {
			continue
		}
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// OldestAppSamples calls fn with every sample, oldest first, until fn
// returns false.
func (t *Tx) OldestAppSamples(fn func(AppSample) bool) error {
	c := t.bolt.Bucket(bucketAppEventTimes).Cursor()
	for k, issue := c.First(); k != nil; k, issue = c.Next() {
		if len(k) < 8 {
			continue
		}
		ik := appKey(string(issue), k)
		v := t.bolt.Bucket(bucketAppEvents).Get(ik)
		if v == nil {
			continue
		}
		s, err := decodeAppSample(ik, v)
		if err != nil {
			continue
		}
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// AllAppSamples calls fn with every sample, in no useful order, until
// fn returns false (export and erasure look at all of them).
func (t *Tx) AllAppSamples(fn func(AppSample) bool) error {
	c := t.bolt.Bucket(bucketAppEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s, err := decodeAppSample(k, v)
		if err != nil {
			continue
		}
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// DeleteAppSample removes the event with id from the index and returns
// it (ok false when it was not there); the caller removes its payload
// after the commit.
func (t *Tx) DeleteAppSample(id string) (s AppSample, ok bool, err error) {
	s, ok = t.AppSample(id)
	if !ok {
		return s, false, nil
	}
	ts := beTime(s.Time)
	if err := t.bolt.Bucket(bucketAppEvents).Delete(appKey(s.Issue, append(ts, id...))); err != nil {
		return s, false, err
	}
	if err := t.bolt.Bucket(bucketAppEventIDs).Delete([]byte(id)); err != nil {
		return s, false, err
	}
	if err := t.bolt.Bucket(bucketAppEventTimes).Delete(append(bytes.Clone(ts), id...)); err != nil {
		return s, false, err
	}
	return s, true, t.addAppSampleTotals(-AppSampleDiskBytes(s.Size), -1)
}

// AppSampleBytes is the disk use of the indexed payloads, each file in
// whole blocks (AppSampleDiskBytes).
func (t *Tx) AppSampleBytes() int64 { return t.metaInt(keyAppSampleDisk) }

// AppSampleCount is the number of indexed payloads.
func (t *Tx) AppSampleCount() int64 { return t.metaInt(keyAppSampleCount) }

func (t *Tx) metaInt(k []byte) int64 {
	v := t.bolt.Bucket(bucketMeta).Get(k)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (t *Tx) addAppSampleTotals(disk, count int64) error {
	b := t.bolt.Bucket(bucketMeta)
	if err := b.Put(keyAppSampleDisk, binary.BigEndian.AppendUint64(nil, uint64(max(t.AppSampleBytes()+disk, 0)))); err != nil {
		return err
	}
	return b.Put(keyAppSampleCount, binary.BigEndian.AppendUint64(nil, uint64(max(t.AppSampleCount()+count, 0))))
}

// EnsureAppSampleTotals counts the disk use and number of the indexed
// payloads once, for a database whose counter held compressed bytes
// (before disk use was counted in blocks). Call it in Update at start.
func (t *Tx) EnsureAppSampleTotals() error {
	b := t.bolt.Bucket(bucketMeta)
	if b.Get(keyAppSampleDisk) != nil && b.Get(keyAppSampleCount) != nil {
		return nil
	}
	var disk, count int64
	c := t.bolt.Bucket(bucketAppEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s, err := decodeAppSample(k, v)
		if err != nil {
			continue
		}
		disk += AppSampleDiskBytes(s.Size)
		count++
	}
	if err := b.Put(keyAppSampleDisk, binary.BigEndian.AppendUint64(nil, uint64(disk))); err != nil {
		return err
	}
	if err := b.Put(keyAppSampleCount, binary.BigEndian.AppendUint64(nil, uint64(count))); err != nil {
		return err
	}
	return b.Delete(keyAppSampleBytes)
}

var keyAppUserSalt = []byte("app_user_salt") // in bucketMeta

// AppUserSaltBytes is the size of the per-install secret that keys the
// pseudonyms of the apps' end users (AppUserSalt).
const AppUserSaltBytes = 32

// AppUserSalt returns this install's secret key for the pseudonyms of
// the apps' end users, made (from crypto/rand) on first use and kept in
// the state database, so that an erased identifier's pseudonym cannot
// be recomputed from a guess without the database. Call it in Update.
func (t *Tx) AppUserSalt() ([]byte, error) {
	b := t.bolt.Bucket(bucketMeta)
	if v := b.Get(keyAppUserSalt); len(v) == AppUserSaltBytes {
		return bytes.Clone(v), nil
	}
	salt := make([]byte, AppUserSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return salt, b.Put(keyAppUserSalt, bytes.Clone(salt))
}
