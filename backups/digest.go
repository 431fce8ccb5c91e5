package backups

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Bounds of the daily digest.
const (
	digestTimeout = time.Minute
	// digestScan bounds the runs one digest reads.
	digestScan = 20_000
)

// DigestFunc sends the daily success digest through the named receiver
// of the alerting section (app: alerting.Manager.SendNotice).
type DigestFunc func(ctx context.Context, receiver, summary, description string) error

// nextDigest is the first "HH:MM" in loc after now.
func nextDigest(now time.Time, at string, loc *time.Location) time.Time {
	var h, mi int
	if _, err := fmt.Sscanf(at, "%d:%d", &h, &mi); err != nil {
		h, mi = 8, 0
	}
	l := now.In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), h, mi, 0, 0, loc)
	if !t.After(now) {
		t = time.Date(l.Year(), l.Month(), l.Day()+1, h, mi, 0, 0, loc)
	}
	return t
}

// digestStep sends the digest when its time has come. m.mu is not held.
func (m *Manager) digestStep(now time.Time) {
	m.mu.Lock()
	d := m.cfg.Digest
	if d == nil || m.digest == nil {
		m.digestAt = time.Time{}
		m.mu.Unlock()
		return
	}
	if key := d.At + " " + d.TimeZone; key != m.digestKey {
		m.digestAt, m.digestKey = time.Time{}, key // a reload moved it
	}
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if m.digestAt.IsZero() {
		m.digestAt = nextDigest(now, d.At, loc)
	}
	if now.Before(m.digestAt) {
		m.mu.Unlock()
		return
	}
	end := m.digestAt
	m.digestAt = nextDigest(now, d.At, loc)
	jobs := map[string]bool{}
	for _, j := range m.cfg.Jobs {
		jobs[j.Name] = j.Digest
	}
	for _, w := range m.cfg.Watched {
		jobs[w.Name] = w.Digest
	}
	receiver, send := d.Receiver, m.digest
	m.mu.Unlock()
	summary, text := m.digestText(jobs, end.Add(-24*time.Hour), end)
	if summary == "" {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(m.base, digestTimeout)
		defer cancel()
		if err := send(ctx, receiver, summary, text); err != nil {
			m.log.Warn("backup digest not sent", "receiver", receiver, "err", err)
		}
	}()
}

// digestText summarises the backup runs of the digest jobs in
// [from, to): one line per job. Empty when no such job ran.
func (m *Manager) digestText(jobs map[string]bool, from, to time.Time) (summary, text string) {
	type counts struct {
		success, failed int
		bytes           int64
		last            string
	}
	by := map[string]*counts{}
	scanned := 0
	_ = m.store.st.BackupRuns(idAt(to), func(id string, data []byte) bool {
		if scanned++; id < idAt(from) || scanned > digestScan {
			return false
		}
		r, err := decodeRunHead(data)
		if err != nil || r.Kind != KindBackup || !jobs[r.Job] || r.State == StateRunning {
			return true
		}
		c := by[r.Job]
		if c == nil {
			c = &counts{}
			by[r.Job] = c
		}
		if r.State == StateSuccess {
			c.success++
			c.bytes += r.Bytes
			if c.last == "" {
				c.last = r.Label
			}
		} else {
			c.failed++
		}
		return true
	})
	if len(by) == 0 {
		return "", ""
	}
	names := make([]string, 0, len(by))
	ok, bad := 0, 0
	for name, c := range by {
		names = append(names, name)
		ok += c.success
		bad += c.failed
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		c := by[name]
		fmt.Fprintf(&b, "%s: %d succeeded", name, c.success)
		if c.failed > 0 {
			fmt.Fprintf(&b, ", %d failed or missed", c.failed)
		}
		if c.bytes > 0 {
			fmt.Fprintf(&b, ", %s", humanBytes(c.bytes))
		}
		if c.last != "" {
			fmt.Fprintf(&b, ", newest %s", c.last)
		}
		b.WriteString("\n")
	}
	summary = fmt.Sprintf("Backups %s to %s: %d succeeded, %d failed or missed", from.UTC().Format("2006-01-02 15:04"), to.UTC().Format("2006-01-02 15:04 MST"), ok, bad)
	return summary, b.String()
}
