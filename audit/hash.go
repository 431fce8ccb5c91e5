package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// KeyPurpose is the label ward's secret key is derived with (HKDF) for
// the audit chain's MAC key. The label is historical: layout v3 (below)
// keeps the v2 key and changes only what the MAC covers, so the key id
// stored next to the chain stays valid across the upgrade.
const KeyPurpose = "ward audit chain v2"

// canonicalVersion prefixes every canonical encoding that a record's MAC
// covers. v1 records (plain SHA-256, see legacy.go) start with
// "ward-audit-v1", v2 ones (raw personal values, see legacy.go) with
// "ward-audit-v2"; the prefixes differ, so a hash input of one layout can
// never be read as another's.
const canonicalVersion = "ward-audit-v3\x00"

// Canonical returns the unambiguous byte encoding of r that its MAC
// covers under key (layout v3): every field in a fixed order, each
// length-prefixed, details sorted by key. Prev and Hash are not part of
// it; the MAC covers Prev separately.
//
// The personal fields (Actor, ActorIP, Target and every detail value)
// are covered through their keyed digest (FieldDigest), not their text.
// A stored value may therefore be replaced by its erased marker
// (Erase), which holds that digest: the encoding, and so the MAC and the
// whole chain after the record, stay the same. That is how a person is
// erased from a hash-chained trail without breaking it (GDPR Art. 17).
func (r Record) Canonical(key []byte) []byte {
	dk := digestKey(key)
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
	personal := func(s string) { b.Write(fieldDigest(dk, s)) }
	num(r.Seq)
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(r.Time.UnixNano()))
	b.Write(t[:])
	personal(r.Actor)
	personal(r.ActorIP)
	str(r.Action)
	personal(r.Target)
	str(string(r.Outcome))
	keys := make([]string, 0, len(r.Details))
	for k := range r.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	num(uint64(len(keys)))
	for _, k := range keys {
		str(k)
		personal(r.Details[k])
	}
	return b.Bytes()
}

// ComputeMAC returns HMAC-SHA-256 under key of prev || Canonical(key).
// Without the key nobody can compute it, so a record edited in the
// database file cannot be re-sealed to look untouched. It is the one MAC
// of the chain: key may differ between records (key epochs), what it
// covers does not.
func (r Record) ComputeMAC(key, prev []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(prev)
	m.Write(r.Canonical(key))
	return m.Sum(nil)
}

// Seal numbers r as seq, links it to prev and sets its MAC under key.
// Time is normalised to UTC without a monotonic reading, which is what
// survives encoding.
func Seal(r Record, seq uint64, prev, key []byte) Record {
	r = normalise(r, seq, prev)
	r.Hash = r.ComputeMAC(key, r.Prev)
	return r
}

func normalise(r Record, seq uint64, prev []byte) Record {
	r.Seq = seq
	r.Time = r.Time.UTC().Round(0)
	r.Prev = append([]byte(nil), prev...)
	if len(r.Details) == 0 {
		r.Details = nil
	}
	return r
}

// keyIDLabel is MACed to make a key's id. Record MAC inputs start with a
// 32-byte hash, so they never equal this shorter string.
const keyIDLabel = "ward-audit-v2 key id"

// KeyID identifies key without revealing it: an HMAC of a fixed label.
// Storing it next to the chain lets ward tell "wrong key" from
// "tampered records"; it is not the key and does not help forge MACs.
func KeyID(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(keyIDLabel))
	return m.Sum(nil)
}
