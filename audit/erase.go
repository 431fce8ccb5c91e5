package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
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
	// email). A field holds the person when it equals one of them, or
	// "user:" and one of them (how rate limits name a user): see Names.
	Names []string
	// ClientData also erases the actor's IP address and any detail that
	// names an IP address or user agent (ClientDetailKeys).
	ClientData bool
}

// ClientDetailKeys are the detail keys whose values are IP addresses or
// user agents: erased with the person's records and pruned with old ones.
var ClientDetailKeys = []string{"ip", "user_agent", "agent", "remote_addr", "client_ip"}

// PersonDetailKeys are the detail keys whose values name a user (a
// token's maker, an audit filter's actor, a rate limit's "user:NAME"
// key): erased when they hold the person exactly. Other details (a
// role, a reason, a count) are never compared with the name, so erasing
// a user called "admin" or "viewer" leaves everyone's roles alone.
var PersonDetailKeys = []string{"user", "username", "by", "creator", "created_by", "author", "actor", "target", "key", "email", "new_user"}

// FreeTextDetailKeys are the detail keys holding text a person wrote or
// typed (a silence's comment, a search). Such a value is erased whole
// when it names the person's email as a whole word anywhere, or their
// user name in their own records (where they are the actor): a user
// name can be a common word ("admin"), which other people's text uses
// without meaning them.
var FreeTextDetailKeys = []string{"comment", "q"}

// filtersKey is the detail holding a URL query of filters (an export's):
// decoded, each value is judged by its own key.
const filtersKey = "filters"

// Erase returns r with the values e selects replaced by their erased
// markers under key (the MAC key r is sealed under), and whether
// anything changed: the actor and target when they hold the person, the
// details under PersonDetailKeys that hold them, free text that names
// them (FreeTextDetailKeys), and with ClientData the IP address and
// user agents. The MAC input is unchanged, so r.Hash stays valid: Erase
// never re-seals.
func (r Record) Erase(key []byte, e Erasure) (Record, bool) {
	changed := false
	set := func(p *string) {
		if *p != "" && !IsErased(*p) {
			*p = Pseudonym(key, *p)
			changed = true
		}
	}
	own := holdsAny(r.Actor, e.Names)
	if own {
		set(&r.Actor)
	}
	if holdsAny(r.Target, e.Names) {
		set(&r.Target)
	}
	if e.ClientData {
		set(&r.ActorIP)
	}
	if len(r.Details) > 0 {
		d := make(map[string]string, len(r.Details))
		for k, v := range r.Details {
			if detailNames(k, v, e.Names, own) || (e.ClientData && isClientKey(k)) {
				set(&v)
			}
			d[k] = v
		}
		r.Details = d
	}
	return r, changed
}

func isClientKey(k string) bool { return slices.Contains(ClientDetailKeys, k) }

// Holds reports whether the field value v holds one of names: equal to
// it, or "user:" and it.
func Holds(v string, names ...string) bool { return holdsAny(v, names) }

func holdsAny(v string, names []string) bool {
	for _, n := range names {
		if n != "" && (v == n || v == "user:"+n) {
			return true
		}
	}
	return false
}

// detailNames reports whether the detail k=v names the person (own: in
// their own record).
func detailNames(k, v string, names []string, own bool) bool {
	switch {
	case slices.Contains(PersonDetailKeys, k):
		return holdsAny(v, names)
	case slices.Contains(FreeTextDetailKeys, k):
		return freeTextNames(v, names, own)
	case k == filtersKey:
		q, err := url.ParseQuery(v)
		if err != nil {
			return freeTextNames(v, names, own)
		}
		for qk, vs := range q {
			for _, qv := range vs {
				if qk != filtersKey && detailNames(qk, qv, names, own) {
					return true
				}
			}
		}
	}
	return false
}

// freeTextNames: an email anywhere, a user name only in own records.
func freeTextNames(v string, names []string, own bool) bool {
	for _, n := range names {
		if n != "" && (own || strings.Contains(n, "@")) && mentions(v, n) {
			return true
		}
	}
	return false
}

// Mentions reports whether r names any of names where Erase would erase
// it (actor, target, a detail that names a user): the records a GDPR
// export returns and an erasure rewrites. It never looks at other
// details, so a user called "viewer" is not "mentioned" by a record
// that gives someone the viewer role.
func (r Record) Mentions(names ...string) bool {
	own := holdsAny(r.Actor, names)
	if own || holdsAny(r.Target, names) {
		return true
	}
	for k, v := range r.Details {
		if detailNames(k, v, names, own) {
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
// names replaced by its pseudonym under key: how free text that is known
// to be about the person (the sentence of an event about them) is
// erased. Never use it on text that merely might name them: a user name
// can be a common word.
func ReplaceNames(key []byte, v string, names ...string) string {
	to := make(map[string]string, len(names))
	for _, n := range names {
		to[n] = Pseudonym(key, n)
	}
	return ReplaceWords(v, to)
}

// ReplaceWords returns v with every whole-word occurrence (see
// MentionsText) of each key of to replaced by its value.
func ReplaceWords(v string, to map[string]string) string {
	keys := make([]string, 0, len(to))
	for n := range to {
		keys = append(keys, n)
	}
	// Longer first, so an email is replaced before a name inside it.
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	for _, n := range keys {
		if n == "" {
			continue
		}
		p := to[n]
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
