package ui

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
)

// A cursor of GET /api/ward/audit is opaque to clients: base64url of
// "2.<a|d>.<seq>.<filters hash>.<record hash>": the order, the sequence
// number the next page continues from, the filters it was made for, and
// the first 8 bytes (hex) of the hash of the record at seq. Sequence
// numbers are reused after an older trail is restored from a backup: the
// record hash tells the cursor's record from the one now at its number,
// so a poller is told (409) rather than silently skipping records.
// Version 1 cursors (no record hash) are still read.

// cursorHashHex is how many hex digits of the record's hash a cursor
// holds: 64 bits tell two records apart; the cursor stays short.
const cursorHashHex = 16

// maxAuditCursor bounds a cursor's length.
const maxAuditCursor = 96

// auditCursor is a decoded cursor.
type auditCursor struct {
	oldest bool
	seq    uint64
	// at is the hex prefix of the hash of the record at seq; empty for
	// seq 0 and version 1 cursors.
	at string
}

func (c auditCursor) encode(filters string) string {
	order := "d"
	if c.oldest {
		order = "a"
	}
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "2.%s.%d.%08x.%s", order, c.seq, filtersHash(filters), c.at))
}

func decodeAuditCursor(c, filters string) (auditCursor, error) {
	bad := badRequest("cursor: not a cursor of this API (pass next_cursor back unchanged)")
	raw, derr := base64.RawURLEncoding.DecodeString(c)
	if derr != nil || len(c) > maxAuditCursor {
		return auditCursor{}, bad
	}
	parts := strings.Split(string(raw), ".")
	switch {
	case len(parts) == 4 && parts[0] == "1":
	case len(parts) == 5 && parts[0] == "2" && (parts[4] == "" || len(parts[4]) == cursorHashHex && isHex(parts[4])):
	default:
		return auditCursor{}, bad
	}
	if parts[1] != "a" && parts[1] != "d" {
		return auditCursor{}, bad
	}
	seq, perr := strconv.ParseUint(parts[2], 10, 64)
	if perr != nil {
		return auditCursor{}, bad
	}
	if parts[3] != fmt.Sprintf("%08x", filtersHash(filters)) {
		return auditCursor{}, badRequest("cursor: it continues a listing with other filters; repeat the filters it was made with")
	}
	cur := auditCursor{oldest: parts[1] == "a", seq: seq}
	if len(parts) == 5 {
		cur.at = parts[4]
	}
	return cur, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func filtersHash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// hashPrefix is the part of a record's hash a cursor holds.
func hashPrefix(h []byte) string {
	x := hex.EncodeToString(h)
	if len(x) > cursorHashHex {
		x = x[:cursorHashHex]
	}
	return x
}

// recordAt reads the record with sequence number seq, if it is in the
// trail (ok false if not).
func (s *Server) recordAt(seq uint64) (audit.Record, bool, error) {
	if seq == 0 {
		return audit.Record{}, false, nil
	}
	page, err := s.deps.AuditTrail.AuditPageQuery(audit.Query{AfterSeq: seq - 1}, storage.AuditPageOptions{Oldest: true, Limit: 1, MaxScan: 1})
	if err != nil || len(page.Records) == 0 || page.Records[0].Seq != seq {
		return audit.Record{}, false, err
	}
	return page.Records[0], true, nil
}

// cursorGoneError is a cursor whose record is no longer in the trail as
// it was: answered 409 Conflict (the trail's state, not the request, is
// what changed), where other conflicts of ward answer 422.
type cursorGoneError struct{ err *errkind.Error }

func (e cursorGoneError) Error() string { return e.err.Error() }
func (e cursorGoneError) Unwrap() error { return e.err }

func errCursorGone(seq uint64, how string) error {
	msg := fmt.Sprintf("cursor: the audit record #%d it continues from %s: the trail was restored from a backup (sequence numbers are reused) or pruned by retention; records may be missing or new ones reuse numbers you have seen. Start again without a cursor (since= the time of the last record you kept) and de-duplicate by hash", seq, how)
	return cursorGoneError{errkind.New(errkind.Conflict, "ui: "+msg, msg)}
}

// failAuditAPI is fail, with 409 for a cursor whose record is gone.
func (s *Server) failAuditAPI(w http.ResponseWriter, r *http.Request, err error) {
	var gone cursorGoneError
	if errors.As(err, &gone) {
		s.answer(w, r, problem{status: http.StatusConflict, kind: errkind.Conflict, msg: gone.err.ClientMessage()})
		return
	}
	s.fail(w, r, err)
}

// checkAuditCursor checks that the record the cursor was made at is
// still the one at its sequence number.
func (s *Server) checkAuditCursor(c auditCursor) error {
	if c.at == "" {
		return nil
	}
	r, ok, err := s.recordAt(c.seq)
	switch {
	case err != nil:
		return err
	case !ok:
		return errCursorGone(c.seq, "is no longer in the trail")
	case hashPrefix(r.Hash) != c.at:
		return errCursorGone(c.seq, "was replaced by another record")
	}
	return nil
}

// auditHashAt is the hash prefix of the record at page.Resume, for the
// next cursor: from the page when its last record is that one, the
// cursor given when nothing was examined, else read.
func (s *Server) auditHashAt(page storage.AuditPage, given auditCursor) (string, error) {
	if page.Resume == 0 {
		return "", nil
	}
	if n := len(page.Records); n > 0 && page.Records[n-1].Seq == page.Resume {
		return hashPrefix(page.Records[n-1].Hash), nil
	}
	if page.Scanned == 0 && given.seq == page.Resume && given.at != "" {
		return given.at, nil
	}
	r, ok, err := s.recordAt(page.Resume)
	if err != nil || !ok {
		return "", err
	}
	return hashPrefix(r.Hash), nil
}

// auditAPIRecord is a record as the API answers it: prev and hash in hex,
// as the chain's head and anchors are written everywhere else (`ward
// audit verify`, SEQ:HASH anchors, evidence).
type auditAPIRecord struct {
	Seq     uint64            `json:"seq"`
	Time    time.Time         `json:"time"`
	Actor   string            `json:"actor"`
	ActorIP string            `json:"actor_ip,omitempty"`
	Action  string            `json:"action"`
	Target  string            `json:"target,omitempty"`
	Outcome audit.Outcome     `json:"outcome"`
	Details map[string]string `json:"details,omitempty"`
	Prev    string            `json:"prev"`
	Hash    string            `json:"hash"`
}

func apiAuditRecords(recs []audit.Record) []auditAPIRecord {
	out := make([]auditAPIRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, auditAPIRecord{
			Seq: r.Seq, Time: r.Time, Actor: r.Actor, ActorIP: r.ActorIP, Action: r.Action, Target: r.Target,
			Outcome: r.Outcome, Details: r.Details, Prev: hex.EncodeToString(r.Prev), Hash: hex.EncodeToString(r.Hash),
		})
	}
	return out
}
