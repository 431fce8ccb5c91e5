package apperrors

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Bounds of an issue's record: users are counted exactly up to
// MaxIssueUsers (the pages say "1,000+" at the cap); the first
// MaxIssueEnvironments environments and the newest MaxIssueReleases
// releases are listed.
const (
	MaxIssueUsers        = 1000
	MaxIssueEnvironments = 20
	MaxIssueReleases     = 20
	// MaxProjectReleases: a project keeps its releases last seen most
	// recently (Releases reads them all).
	MaxProjectReleases = 200
)

// prepared is one event ready for the transaction: scrubbed, normalised
// and grouped, all outside the write lock.
type prepared struct {
	parsed
	project  string
	name     string // the project's name, for the metrics
	fp       string
	title    string
	culprit  string
	user     []byte   // the distinct-user key's hash, nil without a user
	users    []string // hashes of the user's id, email and address
	accepted time.Time
}

func (s *Service) prepare(it item, st *settings) (*prepared, string) {
	proj, ok := st.projects[it.project]
	if !ok {
		return nil, "unknown_project"
	}
	tree, err := decodeEvent(it.raw)
	if err != nil {
		return nil, "malformed"
	}
	if proj.ScrubEnabled() {
		scrub(tree)
	}
	p := &prepared{parsed: normalise(tree, it.received), project: it.project, name: projectName(proj), accepted: it.accepted}
	p.fp = fingerprintHash(groupingKey(&p.parsed))
	p.Project = it.project
	p.IssueID = issueID(it.project, p.fp)
	// The title is the first event's, shown on the pages and in the
	// alerts' Slack and email messages: an address in it is the first
	// user's, so it shows as [email] (the event keeps it).
	p.title = messageVariables[0].re.ReplaceAllString(title(&p.parsed), "[email]")
	p.culprit = culprit(&p.Event)
	if u := p.User; u != nil {
		for _, v := range []string{u.ID, u.Email, u.IPAddress} {
			if v != "" {
				p.users = append(p.users, s.userHash(v))
			}
		}
		for _, v := range []string{u.ID, u.Email, u.IPAddress, u.Username} {
			if v != "" {
				h, _ := hex.DecodeString(s.userHash(v))
				p.user = h
				break
			}
		}
	}
	return p, ""
}

// userHash is the pseudonym the index keeps of a user id, email or
// address: enough to find a person's events, not to list people. It is
// an HMAC under the install's secret salt (storage.Tx.AppUserSalt), so
// that an erased IPv4 address or short id cannot be found again by
// hashing every candidate.
func (s *Service) userHash(v string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte("ward apperrors user\x00" + strings.ToLower(strings.TrimSpace(v))))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// change is an issue that became new or regressed in a batch.
type change struct {
	issue Issue
	kind  string // "new" or "regressed"
	p     *prepared
}

type countKey struct {
	issue string
	hour  time.Time
}

type releaseKey struct{ project, version string }

// process stores a batch: one transaction for all its events. Each
// event's Accept learns the outcome once the transaction has ended.
func (s *Service) process(batch []item) {
	var stErr error
	defer func() {
		for _, it := range batch {
			it.req.finish(stErr)
		}
	}()
	st := s.cfg.Load()
	ps := make([]*prepared, 0, len(batch))
	for _, it := range batch {
		p, drop := s.prepare(it, st)
		if p == nil {
			s.metrics.dropped.WithLabelValues(drop).Inc()
			continue
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var written []string
	var changes []change
	var stored, samples int64
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		written, changes = written[:0], changes[:0]
		b := batchTx{s: s, tx: tx, issues: map[string]*Issue{}, counts: map[countKey]int64{},
			releases: map[releaseKey][2]time.Time{}, ids: map[string]bool{}, made: map[string]int{}}
		b.zw, _ = gzip.NewWriterLevel(&b.buf, gzip.DefaultCompression)
		for _, p := range ps {
			if err := b.add(p); err != nil {
				return err
			}
		}
		written, changes = b.written, b.changes
		if err := b.flush(); err != nil {
			return err
		}
		stored, samples = tx.AppSampleBytes(), tx.AppSampleCount()
		return nil
	})
	if err != nil {
		_ = removePayloads(s.opts.Dir, written)
		s.opts.Logger.Error("storing error events", "err", err, "events", len(ps))
		s.metrics.dropped.WithLabelValues("store").Add(float64(len(ps)))
		stErr = fmt.Errorf("apperrors: storing events: %w", err)
		return
	}
	s.metrics.stored.Set(float64(stored))
	if stored > st.maxSize || samples > st.maxSamples {
		select {
		case s.overCap <- struct{}{}:
		default:
		}
	}
	now := s.opts.Now()
	for _, p := range ps {
		env, rel := s.metrics.labels(p.name, &p.Event)
		s.metrics.events.WithLabelValues(p.name, env, rel, boundedLevel(p.Level)).Inc()
		d := time.Since(p.accepted)
		s.metrics.latency.Observe(d.Seconds())
		if s.visible != nil {
			s.visible(p.accepted)
		}
	}
	for _, c := range changes {
		env, _ := s.metrics.labels(c.p.name, &c.p.Event)
		if c.kind == "new" {
			s.metrics.newIssues.WithLabelValues(c.p.name, env).Inc()
		} else {
			s.metrics.regressions.WithLabelValues(c.p.name, env).Inc()
		}
		s.metrics.noteRecent(c.p.name, env, &c.issue, c.kind, now)
	}
}

// batchTx is one batch's transaction: issues are read once and written
// once, counts and releases summed before they are written.
type batchTx struct {
	s        *Service
	tx       *storage.Tx
	issues   map[string]*Issue
	counts   map[countKey]int64
	releases map[releaseKey][2]time.Time
	ids      map[string]bool
	made     map[string]int // project -> issues made in this batch
	zw       *gzip.Writer
	buf      bytes.Buffer
	written  []string
	changes  []change
}

func (b *batchTx) issue(p *prepared) (*Issue, error) {
	if is := b.issues[p.IssueID]; is != nil {
		return is, nil
	}
	is := &Issue{}
	v := b.tx.AppIssue(p.IssueID)
	if v == nil && b.tx.AppProjectIssues(p.project)+int64(b.made[p.project]) >= int64(b.s.maxIssues) {
		// A new kind of error in a full project: the overflow issue.
		b.s.metrics.overflow.WithLabelValues(p.name).Inc()
		p.fp = overflowFingerprint
		p.IssueID = issueID(p.project, p.fp)
		p.title, p.culprit = OverflowTitle, ""
		if is := b.issues[p.IssueID]; is != nil {
			return is, nil
		}
		v = b.tx.AppIssue(p.IssueID)
	}
	if v != nil {
		if err := json.Unmarshal(v, is); err != nil {
			return nil, err
		}
	} else {
		b.made[p.project]++
		*is = Issue{ID: p.IssueID, Project: p.project, Title: p.title, Culprit: p.culprit, Level: p.Level,
			Fingerprint: p.fp, FirstSeen: p.Received, LastSeen: p.Received, Status: StatusUnresolved}
		b.changes = append(b.changes, change{kind: "new", p: p})
	}
	b.issues[p.IssueID] = is
	return is, nil
}

func (b *batchTx) add(p *prepared) error {
	is, err := b.issue(p)
	if err != nil {
		return err
	}
	is.Count++
	if p.Received.Before(is.FirstSeen) {
		is.FirstSeen = p.Received
	}
	if p.Received.After(is.LastSeen) {
		is.LastSeen = p.Received
	}
	is.Level = p.Level
	if p.Environment != "" && !slices.Contains(is.Environments, p.Environment) && len(is.Environments) < MaxIssueEnvironments {
		is.Environments = append(is.Environments, p.Environment)
	}
	if r := p.Release; r != "" {
		is.Releases = append(slices.DeleteFunc(is.Releases, func(x string) bool { return x == r }), r)
		if len(is.Releases) > MaxIssueReleases {
			is.Releases = is.Releases[len(is.Releases)-MaxIssueReleases:]
		}
		if is.FirstRelease == "" {
			is.FirstRelease = r
		}
		is.LastRelease = r
		k := releaseKey{p.project, r}
		seen, ok := b.releases[k]
		if !ok || p.Received.Before(seen[0]) {
			seen[0] = p.Received
		}
		if p.Received.After(seen[1]) {
			seen[1] = p.Received
		}
		b.releases[k] = seen
	}
	if is.Status == StatusResolved {
		is.Status, is.StatusBy, is.StatusAt = StatusUnresolved, "ward", p.Received
		is.Regressions++
		b.changes = append(b.changes, change{kind: "regressed", p: p})
		rec := audit.Record{Time: b.s.opts.Now(), Actor: "ward", Action: ActionIssueRegress, Target: is.ID, Outcome: audit.Success,
			Details: map[string]string{"old_status": string(StatusResolved), "new_status": string(StatusUnresolved), "project": is.Project, "event": p.ID}}
		if err := b.tx.AppendAudit(rec); err != nil {
			return err
		}
	}
	if p.user != nil {
		added, err := b.tx.AddAppIssueUser(is.ID, p.user, is.Users, MaxIssueUsers)
		if err != nil {
			return err
		}
		if added {
			is.Users++
		}
	}
	b.counts[countKey{is.ID, p.Received.Truncate(time.Hour)}]++
	if !keep(is.Count) {
		return nil
	}
	if b.ids[p.ID] || b.tx.AppSampleExists(p.ID) {
		p.ID = newEventID() // a resent event, or an SDK reusing ids
	}
	b.ids[p.ID] = true
	rel, size, err := writePayload(b.s.opts.Dir, &p.Event, b.zw, &b.buf)
	if err != nil {
		return err
	}
	b.written = append(b.written, rel)
	is.Samples++
	return b.tx.PutAppSample(storage.AppSample{Issue: is.ID, Event: p.ID, Time: p.Received, File: rel, Size: size, Users: p.users})
}

func (b *batchTx) flush() error {
	for k, n := range b.counts {
		if err := b.tx.AddAppErrorCount(k.issue, k.hour, n); err != nil {
			return err
		}
	}
	trim := map[string]bool{}
	for k, seen := range b.releases {
		trim[k.project] = true
		if err := b.tx.NoteAppRelease(k.project, k.version, seen[0]); err != nil {
			return err
		}
		if err := b.tx.NoteAppRelease(k.project, k.version, seen[1]); err != nil {
			return err
		}
	}
	for project := range trim {
		if _, err := b.tx.TrimAppReleases(project, b.s.maxReleases); err != nil {
			return err
		}
	}
	for i := range b.changes {
		b.changes[i].issue = *b.issues[b.changes[i].p.IssueID]
	}
	for _, is := range b.issues {
		if err := putIssue(b.tx, is); err != nil {
			return err
		}
	}
	return nil
}

func hexBytes(h string) []byte {
	b, _ := hex.DecodeString(h)
	return b
}
