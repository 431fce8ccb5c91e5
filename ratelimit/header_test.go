package ratelimit

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHeaders(t *testing.T) {
	p := Policy{Name: "api_read", Quota: 100, Window: time.Minute}
	h := http.Header{}
	SetHeaders(h, p, Decision{Allowed: true, Remaining: 42, Reset: 17200 * time.Millisecond})
	if got := h.Get("RateLimit-Policy"); got != `"api_read";q=100;w=60` {
		t.Errorf("RateLimit-Policy = %q", got)
	}
	if got := h.Get("RateLimit"); got != `"api_read";r=42;t=18` {
		t.Errorf("RateLimit = %q (t rounds up)", got)
	}
	if h.Get("Retry-After") != "" {
		t.Error("Retry-After on an allowed request")
	}
	SetHeaders(h, Policy{Name: "sign_in", Quota: 30, Window: time.Minute}, Decision{Reset: 100 * time.Millisecond})
	if got := h.Get("RateLimit"); got != `"api_read";r=42;t=18, "sign_in";r=0;t=1` {
		t.Errorf("two policies: RateLimit = %q", got)
	}
	if got := h.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1 (never earlier than t)", got)
	}
	if got := PolicyItem(Policy{Name: `a"b\c` + "\n", Quota: -3, Window: 0}); got != `"a\"b\\c?";q=0;w=0` {
		t.Errorf("escaped: %s", got)
	}
}

// TestPolicyDescribesBucket: a bucket with a burst is advertised as
// what it holds (q = burst, w = the time to refill it), so that r never
// exceeds q, from full through empty and back (attack review of issue
// 13, #11).
func TestPolicyDescribesBucket(t *testing.T) {
	p := Policy{Name: "api_query", Quota: 600, Window: time.Minute, Burst: 1200}
	if got := PolicyItem(p); got != `"api_query";q=1200;w=120` {
		t.Errorf("RateLimit-Policy = %s, want q=1200;w=120", got)
	}
	q := regexp.MustCompile(`;q=(\d+)`)
	r := regexp.MustCompile(`;r=(\d+)`)
	for _, lim := range []Limiter{NewBuckets(p, 0), NewWindow(p, 0), NewBuckets(Policy{Name: "x", Quota: 3, Window: time.Second}, 0)} {
		now := time.Unix(1_700_000_000, 0)
		for i := range 3000 {
			h := http.Header{}
			SetHeaders(h, lim.Policy(), lim.Take("k", 1+i%7, now))
			qv, _ := strconv.Atoi(q.FindStringSubmatch(h.Get(HeaderPolicy))[1])
			rv, _ := strconv.Atoi(r.FindStringSubmatch(h.Get(HeaderLimit))[1])
			if rv > qv {
				t.Fatalf("%T request %d: r=%d over q=%d (%s; %s)", lim, i, rv, qv, h.Get(HeaderPolicy), h.Get(HeaderLimit))
			}
			now = now.Add(time.Duration(i%5) * 10 * time.Millisecond)
		}
	}
}

// sfItem matches one item of the two fields: an sf-string with integer
// parameters.
var sfItem = regexp.MustCompile(`^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"(;[a-z][a-z0-9_.*-]*=[0-9]{1,15})+$`)

// FuzzHeaders: whatever the policy and decision, both fields are valid
// structured-field lists and Retry-After is never earlier than t.
func FuzzHeaders(f *testing.F) {
	f.Add("api_read", 100, int64(time.Minute), 42, int64(18*time.Second), false)
	f.Add("x\"\\\xff", -1, int64(-5), -7, int64(1<<62), true)
	f.Fuzz(func(t *testing.T, name string, q int, w int64, r int, reset int64, allowed bool) {
		h := http.Header{}
		d := Decision{Allowed: allowed, Remaining: r, Reset: time.Duration(reset)}
		SetHeaders(h, Policy{Name: name, Quota: q, Window: time.Duration(w)}, d)
		for _, k := range []string{HeaderPolicy, HeaderLimit} {
			if v := h.Get(k); !sfItem.MatchString(v) {
				t.Fatalf("%s: %q is not an sf-string item with integer parameters", k, v)
			}
		}
		if !allowed {
			lim := h.Get(HeaderLimit)
			tv := lim[strings.LastIndex(lim, "t=")+2:]
			if ra := h.Get("Retry-After"); len(ra) < len(tv) || (len(ra) == len(tv) && ra < tv) {
				t.Fatalf("Retry-After %s earlier than t=%s", ra, tv)
			}
		}
	})
}
