package audit

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"strconv"
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
	// Head is the newest record checked, or the start of the chain when
	// there are none. When Valid it is the chain's head: the anchor to
	// keep outside ward.
	Head Anchor
	// Unkeyed is how many records are still in the v1 format (plain
	// SHA-256) in a chain never sealed under the key: ward re-seals them
	// when it next starts.
	Unkeyed int
	// V2 is how many records are still in layout v2 (keyed, but over
	// raw personal values, so they cannot be erased): ward upgrades them
	// to v3 at its next start.
	V2 int
	// Anchors says how each external anchor was checked, in the order
	// given (only for a chain that verified up to them).
	Anchors []AnchorCheck
	// FirstBad is the sequence number (the storage key) of the first
	// record that fails, when Valid is false.
	FirstBad uint64
	// Problem says what is wrong with FirstBad.
	Problem   string
	CheckedAt time.Time
}

// AnchorCheck is how one external anchor was checked.
type AnchorCheck struct {
	Anchor External
	OK     bool
	// How says what it was matched with, or why it failed.
	How string
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
	if !r.Valid {
		return fmt.Sprintf("audit chain BROKEN at record #%d: %s (%d records checked)", r.FirstBad, r.Problem, r.Records)
	}
	s := "audit chain OK: no records"
	if r.Records > 0 {
		s = fmt.Sprintf("audit chain OK: %d records (#%d to #%d), head %s", r.Records, r.First, r.Last, r.Head)
	}
	if r.V2 > 0 {
		s += fmt.Sprintf("; %d records are still in layout v2: ward upgrades them to v3 at its next start", r.V2)
	}
	if r.Unkeyed > 0 {
		s += fmt.Sprintf("; %d records are still in the unkeyed v1 format, which anyone with the file can re-seal: ward re-seals them under the secret key at its next start", r.Unkeyed)
	}
	return s
}

// VerifyOptions say what a chain is checked against.
type VerifyOptions struct {
	// Key is the MAC key, derived from ward's secret key with KeyPurpose.
	Key []byte
	// Keyed says the chain has been sealed under a key before (the store
	// keeps the key's id). Only a chain never keyed may still hold v1
	// records; in a keyed chain they mean a broken v1 chain that was not
	// re-sealed at the upgrade, or records replaced since.
	Keyed bool
	// Start is the pruning anchor: the remaining chain starts after it.
	// It must be the one the newest audit.prune (or audit.migrate)
	// record names, or the genesis when there is none.
	Start Anchor
	// External are anchors kept outside ward, each of which must match
	// the chain or lie in its pruned part.
	External []External
	// Epochs, when given (sorted by First), say under which key each
	// record is sealed (epoch.go); Key is then the newest epoch's.
	Epochs []Epoch
}

// Verifier checks records one at a time, in storage order, against the
// chain that starts at an anchor and ends at the stored head. It detects
// modified records (MAC), deleted, inserted and reordered ones (sequence
// numbers and links), a truncated or extended tail (head), a start moved
// without a prune record naming it, and a chain re-sealed or truncated
// since an external anchor was taken.
type Verifier struct {
	o        VerifyOptions
	prevSeq  uint64
	prevHash []byte
	// seenV2 is set at the first keyed record (v2 or v3), seenV3 at the
	// first v3 one: v1 records may only come before keyed ones, and v2
	// ones only before v3 ones.
	seenV2, seenV3 bool
	// v1From and v1To are the v1 records seen in a keyed chain.
	v1From, v1To uint64
	// claim is the newest verified audit.prune or audit.migrate record.
	claim *claim
	// oldHeads are the v1 heads audit.migrate records name.
	oldHeads []migrated
	ext      []AnchorCheck
	done     []bool
	// mismatch is, for an external anchor whose record has another hash,
	// that record: settled in Finish, since a later audit.migrate record
	// may name the anchor as the head before an upgrade.
	mismatch map[int]uint64
	res      Result
}

// claim is what an audit.prune or audit.migrate record says about where
// the chain starts.
type claim struct {
	seq, anchor uint64
	action      string
	hash        []byte // nil: the record names no hash (a v1 prune record)
	v1, ok      bool
}

type migrated struct {
	seq  uint64
	head Anchor
	// v1 says the old head is a v1 one (plain SHA-256); otherwise it is
	// a v2 one (DetailFrom is "v2").
	v1 bool
}

// NewVerifier starts verification at o.Start.
func NewVerifier(o VerifyOptions) *Verifier {
	if len(o.Start.Hash) == 0 {
		o.Start.Hash = Genesis
	}
	v := &Verifier{o: o, prevSeq: o.Start.Seq, prevHash: o.Start.Hash, res: Result{Valid: true}, mismatch: map[int]uint64{}}
	for _, e := range o.External {
		v.ext = append(v.ext, AnchorCheck{Anchor: e})
	}
	v.done = make([]bool, len(v.ext))
	return v
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
	case !hmac.Equal(r.Prev, v.prevHash):
		return v.fail(seq, fmt.Sprintf("does not link to #%d (a record was inserted, deleted or reordered)", v.prevSeq))
	}
	v1 := false
	switch {
	case len(v.keyFor(seq)) > 0 && hmac.Equal(r.ComputeMAC(v.keyFor(seq), r.Prev), r.Hash):
		if v.v1From != 0 {
			return v.failV1()
		}
		v.seenV2, v.seenV3 = true, true
	case len(v.o.Key) > 0 && !v.seenV3 && hmac.Equal(r.MACv2(v.o.Key, r.Prev), r.Hash):
		if v.v1From != 0 {
			return v.failV1()
		}
		v.seenV2 = true
		v.res.V2++
	case !v.seenV2 && hmac.Equal(r.LegacyHash(r.Prev), r.Hash):
		// A v1 record: only before every keyed one.
		v1 = true
		if v.o.Keyed {
			// Go on to find where the v1 chain breaks, if it does;
			// either way the chain fails.
			if v.v1From == 0 {
				v.v1From = seq
			}
			v.v1To = seq
		} else {
			v.res.Unkeyed++
		}
	case !v.seenV2 && (v.v1From != 0 || v.res.Unkeyed > 0):
		return v.fail(seq, "contents do not match its hash (modified)")
	default:
		return v.fail(seq, "contents do not match its MAC (modified, or sealed under another key)")
	}
	for i, e := range v.ext {
		if v.done[i] || e.Anchor.Seq != seq || (e.Anchor.V1 && !v1) {
			continue
		}
		if !hmac.Equal(e.Anchor.Hash, r.Hash) {
			if e.Anchor.V1 {
				return v.fail(seq, mismatchProblem(e.Anchor))
			}
			v.mismatch[i] = seq
			continue
		}
		v.check(i, true, fmt.Sprintf("matches record #%d", seq))
	}
	if r.Action == ActionAuditPrune || r.Action == ActionAuditMigrate {
		v.noteClaim(r, v1)
	}
	v.prevSeq, v.prevHash = seq, r.Hash
	return true
}

// noteClaim remembers what a prune or migrate record says about the
// start of the chain, and the v1 head a migrate record names.
func (v *Verifier) noteClaim(r Record, v1 bool) {
	c := &claim{seq: r.Seq, action: r.Action, v1: v1}
	anchor, err := strconv.ParseUint(r.Details[DetailAnchor], 10, 64)
	c.anchor, c.ok = anchor, err == nil
	if h, ok := r.Details[DetailAnchorHash]; ok {
		c.hash, err = hex.DecodeString(h)
		c.ok = c.ok && err == nil && len(c.hash) == HashSize
	}
	v.claim = c
	if r.Action != ActionAuditMigrate {
		return
	}
	seq, err1 := strconv.ParseUint(r.Details[DetailOldHeadSeq], 10, 64)
	h, err2 := hex.DecodeString(r.Details[DetailOldHead])
	if err1 == nil && err2 == nil {
		v.oldHeads = append(v.oldHeads, migrated{seq: r.Seq, head: Anchor{Seq: seq, Hash: h}, v1: r.Details[DetailFrom] != "v2"})
	}
}

// Finish compares the last record checked with the head the store
// recorded at its last append (which catches records removed from or
// added to the end), checks that the start of the chain is the one the
// newest prune record names and that every external anchor matches, and
// returns the result.
func (v *Verifier) Finish(head Anchor, now time.Time) Result {
	v.res.CheckedAt = now
	v.res.Head = Anchor{Seq: v.prevSeq, Hash: v.prevHash}
	v.res.Anchors = v.ext
	if !v.res.Valid {
		return v.res
	}
	if v.v1From != 0 {
		v.failV1()
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
	case !hmac.Equal(headHash, v.prevHash):
		v.fail(v.prevSeq, "newest record does not match the recorded head (modified)")
	case v.o.Keyed && v.res.Records == 0:
		v.fail(v.o.Start.Seq+1, "no records, although the chain was sealed under the key before and ward never empties it (every record was deleted)")
	}
	if v.res.Valid {
		v.checkStart()
	}
	if v.res.Valid {
		v.checkExternal()
	}
	return v.res
}

// checkStart requires the start of the chain to be where the newest
// prune (or migrate) record says it is: records deleted from the start
// with the anchor moved after them have no such record, and forging one
// takes the key.
func (v *Verifier) checkStart() {
	start, c := v.o.Start, v.claim
	first := start.Seq + 1
	switch {
	case c == nil:
		if start.Seq != 0 || !hmac.Equal(start.Hash, Genesis) {
			v.fail(first, fmt.Sprintf("the chain starts after #%d but no audit.prune record names that point (records were deleted from the start)", start.Seq))
		}
	case !c.ok:
		v.fail(first, fmt.Sprintf("the newest %s record (#%d) names no valid anchor", c.action, c.seq))
	case c.anchor != start.Seq:
		v.fail(first, fmt.Sprintf("the chain starts after #%d but the newest %s record (#%d) names #%d (the start was moved without pruning)", start.Seq, c.action, c.seq, c.anchor))
	case c.hash == nil && !c.v1:
		v.fail(first, fmt.Sprintf("the newest %s record (#%d) names no anchor hash", c.action, c.seq))
	case c.hash != nil && !hmac.Equal(c.hash, start.Hash):
		v.fail(first, fmt.Sprintf("the chain starts after #%d with a hash other than the one the newest %s record (#%d) names (the start was rewritten)", start.Seq, c.action, c.seq))
	}
}

// checkExternal settles the anchors no record matched: the pre-upgrade
// head a migration names, the start of the chain, the pruned part, or a
// point past the end (the chain was truncated).
func (v *Verifier) checkExternal() {
	start := v.o.Start
	for i, e := range v.ext {
		if v.done[i] {
			continue
		}
		a := e.Anchor
		if m, ok := v.matchOldHead(a); ok {
			v.check(i, true, fmt.Sprintf("is the head before the upgrade, re-sealed by the audit.migrate record #%d", m))
			continue
		}
		if seq, ok := v.mismatch[i]; ok {
			v.check(i, false, "does not match the record (rewritten)")
			v.fail(seq, mismatchProblem(a))
			return
		}
		switch {
		case a.Seq == start.Seq && hmac.Equal(a.Hash, start.Hash):
			v.check(i, true, v.startHow("is the start of the chain"))
		case a.Seq == start.Seq:
			v.check(i, false, "does not match the start of the chain (rewritten)")
		case a.Seq < start.Seq:
			v.check(i, true, v.startHow(fmt.Sprintf("was pruned: it lies before #%d, where the chain now starts", start.Seq)))
		case a.Seq > v.prevSeq:
			v.check(i, false, fmt.Sprintf("the chain ends at #%d: records up to #%d at least were removed from the end (truncated)", v.prevSeq, a.Seq))
		default:
			v.check(i, false, fmt.Sprintf("record #%d was re-sealed at the upgrade to keyed sealing; a v1 anchor can only be matched with the head before the upgrade", a.Seq))
		}
		if !v.ext[i].OK {
			v.fail(a.Seq, fmt.Sprintf("anchor %s: %s", a, v.ext[i].How))
			return
		}
	}
}

func mismatchProblem(a External) string {
	return fmt.Sprintf("does not match anchor %s: this record or one before it was rewritten and the chain re-sealed after the anchor was taken", a)
}

func (v *Verifier) matchOldHead(a External) (uint64, bool) {
	for _, m := range v.oldHeads {
		if m.v1 == a.V1 && m.head.Seq == a.Seq && hmac.Equal(m.head.Hash, a.Hash) {
			return m.seq, true
		}
	}
	return 0, false
}

func (v *Verifier) startHow(s string) string {
	if v.claim != nil {
		return fmt.Sprintf("%s, named by the %s record #%d", s, v.claim.action, v.claim.seq)
	}
	return s
}

func (v *Verifier) check(i int, ok bool, how string) {
	v.done[i] = true
	v.ext[i].OK, v.ext[i].How = ok, how
}

func (v *Verifier) failV1() bool {
	return v.fail(v.v1From, fmt.Sprintf("records #%d to #%d are in the unkeyed v1 format in a chain sealed under the key: the chain before the upgrade did not verify and was not re-sealed, or these records were replaced", v.v1From, v.v1To))
}

func (v *Verifier) fail(seq uint64, problem string) bool {
	v.res.Valid = false
	v.res.FirstBad = seq
	v.res.Problem = problem
	return false
}
