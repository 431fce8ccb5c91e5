package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The header fields of the IETF httpapi draft "RateLimit header fields
// for HTTP", draft-ietf-httpapi-ratelimit-headers-10, written as RFC
// 9651 structured fields (lists of items):
//
//	RateLimit-Policy: "api_read";q=100;w=60
//	RateLimit: "api_read";r=42;t=18
//
// q is the quota, w its window in seconds, r what remains and t the
// seconds until the quota is whole again (or, on a refusal, until the
// request would pass). Retry-After on a 429 is never earlier than t.
const (
	HeaderPolicy = "RateLimit-Policy"
	HeaderLimit  = "RateLimit"
)

// maxSFInteger is the largest integer RFC 9651 allows (15 digits).
const maxSFInteger = 999_999_999_999_999

// PolicyItem is p as one item of the RateLimit-Policy list. A bucket is
// described as what it holds: q is its burst and w the time it takes to
// refill from empty (Window × Burst / Quota), so that r never exceeds q
// and q/w is the refill rate. Without a burst that is Quota per Window.
func PolicyItem(p Policy) string {
	q := p.burst()
	w := p.Window
	if p.Quota > 0 && q != p.Quota {
		w = time.Duration(min(float64(p.Window)*float64(q)/float64(p.Quota), math.MaxInt64/2))
	}
	var b strings.Builder
	writeString(&b, p.Name)
	b.WriteString(";q=")
	b.WriteString(strconv.FormatInt(sfInt(int64(q)), 10))
	b.WriteString(";w=")
	b.WriteString(strconv.FormatInt(seconds(w), 10))
	return b.String()
}

// LimitItem is d under the policy named name as one item of the
// RateLimit list.
func LimitItem(name string, d Decision) string {
	var b strings.Builder
	writeString(&b, name)
	b.WriteString(";r=")
	b.WriteString(strconv.FormatInt(sfInt(int64(d.Remaining)), 10))
	b.WriteString(";t=")
	b.WriteString(strconv.FormatInt(seconds(d.Reset), 10))
	return b.String()
}

// RetryAfter is the Retry-After of a refusal d, in whole seconds: t
// rounded the same way, never less than 1.
func RetryAfter(d Decision) string {
	return strconv.FormatInt(max(seconds(d.Reset), 1), 10)
}

// SetHeaders writes p's policy and d's state on h, adding to the lists
// already there so that a request under several policies reports each,
// and Retry-After when d refused the request.
func SetHeaders(h http.Header, p Policy, d Decision) {
	appendItem(h, HeaderPolicy, PolicyItem(p))
	appendItem(h, HeaderLimit, LimitItem(p.Name, d))
	if !d.Allowed {
		h.Set("Retry-After", RetryAfter(d))
	}
}

// appendItem adds item to the list field key: one field line, members
// separated by ", " as RFC 9651 serialises lists.
func appendItem(h http.Header, key, item string) {
	if v := h.Get(key); v != "" {
		h.Set(key, v+", "+item)
		return
	}
	h.Set(key, item)
}

// seconds rounds d up to whole seconds, so that a client waiting t never
// comes back early.
func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return sfInt(int64(math.Ceil(d.Seconds())))
}

func sfInt(n int64) int64 { return min(max(n, 0), maxSFInteger) }

// writeString serialises s as an RFC 9651 sf-string: printable ASCII
// in quotes, with '"' and '\' escaped. Other bytes cannot appear in one
// and become '?'.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
