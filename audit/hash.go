package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// canonicalVersion prefixes every canonical encoding so that a future
// layout can never collide with this one.
const canonicalVersion = "ward-audit-v1\x00"

// Canonical returns the unambiguous byte encoding of r that its hash
// covers: every field in a fixed order, each length-prefixed, details
// sorted by key. Prev and Hash are not part of it; Hash covers Prev
// separately.
func (r Record) Canonical() []byte {
	var b bytes.Buffer
	b.WriteString(canonicalVersion)
	num := func(v uint64) {
		var buf [binary.MaxVarintLen64]byte
		b.Write(buf[:binary.PutUvarint(buf[:], v)])
	}
	str := func(s string) {
		num(uint64(len(s)))
		b.WriteString(s)
	}
	num(r.Seq)
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(r.Time.UnixNano()))
	b.Write(t[:])
	str(r.Actor)
	str(r.ActorIP)
	str(r.Action)
	str(r.Target)
	str(string(r.Outcome))
	keys := make([]string, 0, len(r.Details))
	for k := range r.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	num(uint64(len(keys)))
	for _, k := range keys {
		str(k)
		str(r.Details[k])
	}
	return b.Bytes()
}

// ComputeHash returns SHA-256(prev || canonical(r)).
func (r Record) ComputeHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(r.Canonical())
	return h.Sum(nil)
}

// Seal numbers r as seq, links it to prev and sets its hash. Time is
// normalised to UTC without a monotonic reading, which is what survives
// encoding.
func Seal(r Record, seq uint64, prev []byte) Record {
	r.Seq = seq
	r.Time = r.Time.UTC().Round(0)
	r.Prev = append([]byte(nil), prev...)
	if len(r.Details) == 0 {
		r.Details = nil
	}
	r.Hash = r.ComputeHash(r.Prev)
	return r
}
