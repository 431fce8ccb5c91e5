package storage

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// AuditPage is one page of the audit trail API (issue 14).
type AuditPage struct {
	Records []audit.Record
	// Resume is the sequence number a next page continues from
	// (exclusive): past the last record examined, in the page's order.
	// It is the cursor given when nothing was examined.
	Resume uint64
	// More says records remain past Resume that were not examined (the
	// page filled up, or the scan reached its bound first).
	More bool
	// Scanned is how many records were examined.
	Scanned int
}

// AuditPageOptions shape one page.
type AuditPageOptions struct {
	// Oldest pages from the oldest record up (continuing after
	// Query.AfterSeq); otherwise from the newest down (continuing below
	// Query.BeforeSeq).
	Oldest bool
	// Limit is the most records returned (at least 1).
	Limit int
	// MaxScan bounds the records examined, so that a rare filter over a
	// long trail costs a bounded read; 0 means no bound.
	MaxScan int
	// View, when set, makes the audit record of the reading from the
	// page just read (its count); it is appended in the same
	// transaction, so reading the trail and recording that it was read
	// cannot come apart.
	View func(AuditPage) audit.Record
}

// AuditPageQuery returns a page of the records q selects, seeking to
// the cursor (q.AfterSeq or q.BeforeSeq) rather than scanning to it.
func (s *State) AuditPageQuery(q audit.Query, o AuditPageOptions) (AuditPage, error) {
	if o.Limit < 1 {
		return AuditPage{}, fmt.Errorf("storage: audit page limit %d", o.Limit)
	}
	var page AuditPage
	run := func(tx *Tx) error {
		page = AuditPage{Resume: q.BeforeSeq}
		if o.Oldest {
			page.Resume = q.AfterSeq
		}
		c := tx.bolt.Bucket(bucketAudit).Cursor()
		k, v := firstOnPage(c, q, o.Oldest)
		step := c.Prev
		if o.Oldest {
			step = c.Next
		}
		for ; k != nil; k, v = step() {
			if len(page.Records) == o.Limit || (o.MaxScan > 0 && page.Scanned == o.MaxScan) {
				page.More = true
				break
			}
			page.Scanned++
			r, err := audit.Decode(v)
			if err != nil {
				return fmt.Errorf("audit record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			page.Resume = binary.BigEndian.Uint64(k)
			if q.Match(r) {
				page.Records = append(page.Records, r)
			}
		}
		if o.View != nil {
			return tx.AppendAudit(o.View(page))
		}
		return nil
	}
	if o.View == nil {
		return page, s.View(run)
	}
	return page, s.Update(run)
}

// firstOnPage places c on the first record past the cursor in the
// page's order.
func firstOnPage(c *bbolt.Cursor, q audit.Query, oldest bool) ([]byte, []byte) {
	if oldest {
		if q.AfterSeq == 0 {
			return c.First()
		}
		k, v := c.Seek(auditKey(q.AfterSeq))
		if k != nil && binary.BigEndian.Uint64(k) == q.AfterSeq {
			k, v = c.Next()
		}
		return k, v
	}
	if q.BeforeSeq == 0 {
		return c.Last()
	}
	// Seek lands on the cursor's record or the first after it (or
	// nothing, past the end); the page starts just before.
	if k, _ := c.Seek(auditKey(q.BeforeSeq)); k == nil {
		return c.Last()
	}
	return c.Prev()
}
