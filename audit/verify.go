package audit

import (
	"crypto/subtle"
	"fmt"
	"time"
)

// Result is the outcome of verifying the chain. It is plain data so that
// callers can log it, print it or export it as metrics
// (ward_audit_chain_valid = Gauge()).
type Result struct {
	Valid bool
	// Records is how many records were checked.
	Records int
	// First and Last are the sequence numbers of the oldest and newest
	// record checked (0 when there are none).
	First, Last uint64
	// FirstBad is the sequence number (the storage key) of the first
	// record that fails, when Valid is false.
	FirstBad uint64
	// Problem says what is wrong with FirstBad.
	Problem   string
	CheckedAt time.Time
}

// Gauge is 1 for a valid chain and 0 otherwise.
func (r Result) Gauge() float64 {
	if r.Valid {
		return 1
	}
	return 0
}

// String is one line for a log or the CLI.
func (r Result) String() string {
	if r.Valid {
		if r.Records == 0 {
			return "audit chain OK: no records"
		}
		return fmt.Sprintf("audit chain OK: %d records (#%d to #%d)", r.Records, r.First, r.Last)
	}
	return fmt.Sprintf("audit chain BROKEN at record #%d: %s (%d records checked)", r.FirstBad, r.Problem, r.Records)
}

// Verifier checks records one at a time, in storage order, against the
// chain that starts at an anchor and ends at the stored head. It detects
// modified records (hash), deleted, inserted and reordered ones (sequence
// numbers and links) and a truncated or extended tail (head).
type Verifier struct {
	prevSeq  uint64
	prevHash []byte
	res      Result
}

// NewVerifier starts verification at anchor.
func NewVerifier(anchor Anchor) *Verifier {
	h := anchor.Hash
	if len(h) == 0 {
		h = Genesis
	}
	return &Verifier{prevSeq: anchor.Seq, prevHash: h, res: Result{Valid: true}}
}

// Next checks the record stored under key seq with value data. It returns
// false once the chain is known to be broken; later calls do nothing.
func (v *Verifier) Next(seq uint64, data []byte) bool {
	if !v.res.Valid {
		return false
	}
	v.res.Records++
	if v.res.First == 0 {
		v.res.First = seq
	}
	v.res.Last = seq
	r, err := Decode(data)
	switch {
	case err != nil:
		return v.fail(seq, err.Error())
	case r.Seq != seq:
		return v.fail(seq, fmt.Sprintf("stored under #%d but numbered #%d (moved or reordered)", seq, r.Seq))
	case seq != v.prevSeq+1:
		if seq > v.prevSeq+1 {
			return v.fail(seq, fmt.Sprintf("records #%d to #%d are missing (deleted)", v.prevSeq+1, seq-1))
		}
		return v.fail(seq, fmt.Sprintf("follows #%d out of order", v.prevSeq))
	case subtle.ConstantTimeCompare(r.Prev, v.prevHash) != 1:
		return v.fail(seq, fmt.Sprintf("does not link to #%d (a record was inserted, deleted or reordered)", v.prevSeq))
	case subtle.ConstantTimeCompare(r.ComputeHash(r.Prev), r.Hash) != 1:
		return v.fail(seq, "contents do not match its hash (modified)")
	}
	v.prevSeq, v.prevHash = seq, r.Hash
	return true
}

// Finish compares the last record checked with the head the store
// recorded at its last append, which catches records removed from or
// added to the end, and returns the result.
func (v *Verifier) Finish(head Anchor, now time.Time) Result {
	v.res.CheckedAt = now
	if !v.res.Valid {
		return v.res
	}
	headHash := head.Hash
	if len(headHash) == 0 {
		headHash = Genesis
	}
	switch {
	case head.Seq > v.prevSeq:
		v.fail(v.prevSeq+1, fmt.Sprintf("records #%d to #%d are missing from the end (deleted)", v.prevSeq+1, head.Seq))
	case head.Seq < v.prevSeq:
		v.fail(head.Seq+1, fmt.Sprintf("records after #%d were added outside ward (inserted)", head.Seq))
	case subtle.ConstantTimeCompare(headHash, v.prevHash) != 1:
		v.fail(v.prevSeq, "newest record does not match the recorded head (modified)")
	}
	return v.res
}

func (v *Verifier) fail(seq uint64, problem string) bool {
	v.res.Valid = false
	v.res.FirstBad = seq
	v.res.Problem = problem
	return false
}
