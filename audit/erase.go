package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ErasedPrefix starts an erased marker: "erased:" and the hex keyed
// digest of the value it replaced. The same value always gives the same
// marker under the same key, so an auditor can still see that one erased
// person did several things; without the key the digest cannot be turned
// back into the value, not even by trying every name.
const ErasedPrefix = "erased:"

// digestLabel derives the field-digest key from the MAC key. A separate
// key keeps a marker (which is stored in the clear) from ever being a
// MAC of anything.
const digestLabel = "ward-audit-v3 field digest"

func digestKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(digestLabel))
	return m.Sum(nil)
}

// fieldDigest is what Canonical covers for a personal value: the digest
// an erased marker holds, or the keyed digest of the value itself.
func fieldDigest(dk []byte, v string) []byte {
	if d, ok := markerDigest(v); ok {
		return d
	}
	m := hmac.New(sha256.New, dk)
	m.Write([]byte(v))
	return m.Sum(nil)
}

func markerDigest(v string) ([]byte, bool) {
	h, ok := strings.CutPrefix(v, ErasedPrefix)
	if !ok || len(h) != 2*HashSize {
		return nil, false
	}
	d, err := hex.DecodeString(h)
	return d, err == nil
}

// Pseudonym returns the erased marker of v under the MAC key key: what
// Erase stores instead of v. For a user name it is that person's
// pseudonym.
func Pseudonym(key []byte, v string) string {
	if IsErased(v) {
		return v
	}
	return ErasedPrefix + hex.EncodeToString(fieldDigest(digestKey(key), v))
}

// IsErased reports whether v is an erased marker.
func IsErased(v string) bool {
	_, ok := markerDigest(v)
	return ok
}

// Display is how a page shows a personal value: an erased marker as
// "erased user 3f2a9c01…" (the first 4 bytes of the digest), anything
// else unchanged.
func Display(v string) string {
	if !IsErased(v) {
		return v
	}
	return "erased user " + v[len(ErasedPrefix):len(ErasedPrefix)+8] + "…"
}

// Erasure says which values of a record to erase.
type Erasure struct {
	// Names are the values that identify the person (their user name,
	// email): a field equal to one becomes its pseudonym, and a detail
	// value that contains one is erased whole.
	Names []string
	// ClientData also erases the actor's IP address and any detail that
	// names an IP address or user agent (ClientDetailKeys).
	ClientData bool
}

// ClientDetailKeys are the detail keys whose values are IP addresses or
// user agents: erased with the person's records and pruned with old ones.
var ClientDetailKeys = []string{"ip", "user_agent", "agent", "remote_addr", "client_ip"}

// Erase returns r with the values e selects replaced by their erased
// markers under key (the MAC key r is sealed under), and whether
// anything changed. The MAC input is unchanged, so r.Hash stays valid:
// Erase never re-seals.
func (r Record) Erase(key []byte, e Erasure) (Record, bool) {
	changed := false
	set := func(p *string) {
		if *p != "" && !IsErased(*p) {
			*p = Pseudonym(key, *p)
			changed = true
		}
	}
	mentions := func(v string) bool { return mentionsAny(v, e.Names) }
	if mentions(r.Actor) {
		set(&r.Actor)
	}
	if mentions(r.Target) {
		set(&r.Target)
	}
	if e.ClientData || mentions(r.ActorIP) {
		set(&r.ActorIP)
	}
	if len(r.Details) > 0 {
		d := make(map[string]string, len(r.Details))
		for k, v := range r.Details {
			if mentions(v) || (e.ClientData && isClientKey(k)) {
				set(&v)
			}
			d[k] = v
		}
		r.Details = d
	}
	return r, changed
}

func isClientKey(k string) bool {
	for _, c := range ClientDetailKeys {
		if k == c {
			return true
		}
	}
	return false
}

// Mentions reports whether r names any of names in a personal field
// (actor, target, IP, a detail value): the records a GDPR export
// returns and an erasure rewrites. A name counts where it stands as a
// whole word ("bob" in "removed bob." but not in "bobby"), so erasing a
// short name does not erase everyone whose name contains it.
func (r Record) Mentions(names ...string) bool {
	if mentionsAny(r.Actor, names) || mentionsAny(r.Target, names) || mentionsAny(r.ActorIP, names) {
		return true
	}
	for _, v := range r.Details {
		if mentionsAny(v, names) {
			return true
		}
	}
	return false
}

func mentionsAny(v string, names []string) bool {
	for _, n := range names {
		if n != "" && mentions(v, n) {
			return true
		}
	}
	return false
}

// mentions reports whether n occurs in v with no name character
// (letter, digit, '_', '-') right before or after it.
func mentions(v, n string) bool {
	for off := 0; ; {
		i := strings.Index(v[off:], n)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(n)
		if (i == 0 || !nameByte(v[i-1])) && (end == len(v) || !nameByte(v[end])) {
			return true
		}
		off = i + 1
	}
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// MentionsText reports whether v names any of names as a whole word.
func MentionsText(v string, names ...string) bool { return mentionsAny(v, names) }

// ReplaceNames returns v with every whole-word occurrence of each of
// names replaced by its pseudonym under key: how free text outside the
// audit trail (an event's sentence, a backup run's "by") is erased.
func ReplaceNames(key []byte, v string, names ...string) string {
	for _, n := range names {
		if n == "" {
			continue
		}
		p := Pseudonym(key, n)
		var b strings.Builder
		for off := 0; ; {
			i := strings.Index(v[off:], n)
			if i < 0 {
				b.WriteString(v[off:])
				break
			}
			i += off
			end := i + len(n)
			b.WriteString(v[off:i])
			if (i == 0 || !nameByte(v[i-1])) && (end == len(v) || !nameByte(v[end])) {
				b.WriteString(p)
			} else {
				b.WriteString(n)
			}
			off = end
		}
		v = b.String()
	}
	return v
}

// DisplayClient is how a page shows an IP address or user agent: an
// erased marker as "erased" (no pseudonym: it names no person).
func DisplayClient(v string) string {
	if IsErased(v) {
		return "erased"
	}
	return v
}
