package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLegacyHashMatchesV1 pins the v1 hash to the value the previous
// build's Seal computed for the same record (c9e5…, taken from the v1
// code), so chains it wrote are recognised for migration.
func TestLegacyHashMatchesV1(t *testing.T) {
	r := sealed(t)
	got := hex.EncodeToString(r.LegacyHash(Genesis))
	if got != "c9e541935f16568f2b9e6aa0339b18c58541a3084af1ed9210b35e58bc30b2ed" {
		t.Fatalf("v1 hash %s", got)
	}
	if bytes.Equal(r.Canonical(testKey), r.canonical(legacyVersion)) {
		t.Fatal("v1 and v2 canonical forms are the same")
	}
}

func TestMACNeedsTheKey(t *testing.T) {
	r := sealed(t)
	if bytes.Equal(r.ComputeMAC(bytes.Repeat([]byte{1}, 32), r.Prev), r.Hash) {
		t.Fatal("another key gives the same MAC")
	}
	if bytes.Equal(r.LegacyHash(r.Prev), r.Hash) {
		t.Fatal("the MAC is the plain v1 hash")
	}
	if bytes.Equal(KeyID(testKey), KeyID(bytes.Repeat([]byte{1}, 32))) || bytes.Contains(KeyID(testKey), testKey) {
		t.Fatal("key ids")
	}
}

func TestParseExternal(t *testing.T) {
	h := bytes.Repeat([]byte{0xab}, 32)
	good := []struct {
		in string
		v1 bool
	}{
		{"12:" + hex.EncodeToString(h), false},
		{" 12:" + strings.ToUpper(hex.EncodeToString(h)) + "\n", false},
		{"v1:12:" + hex.EncodeToString(h), true},
		{"v1:12:" + base64.StdEncoding.EncodeToString(h), true},
	}
	for _, g := range good {
		e, err := ParseExternal(g.in)
		if err != nil || e.Seq != 12 || !bytes.Equal(e.Hash, h) || e.V1 != g.v1 {
			t.Errorf("%q: %+v, %v", g.in, e, err)
		}
		if back, err := ParseExternal(e.String()); err != nil || back.String() != e.String() {
			t.Errorf("%q does not round-trip: %v", e, err)
		}
	}
	for _, bad := range []string{"", "12", "x:" + hex.EncodeToString(h), "12:abcd", "-1:" + hex.EncodeToString(h), "v2:12:" + hex.EncodeToString(h), "12:" + hex.EncodeToString(h) + "00"} {
		if _, err := ParseExternal(bad); !errors.Is(err, ErrAnchor) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// chain seals n records from the genesis under testKey.
func chain(n int) [][]byte {
	var out [][]byte
	prev := Genesis
	for i := range n {
		r := Seal(Record{Time: time.Unix(int64(i), 0), Actor: "a", Action: ActionLogin, Outcome: Success}, uint64(i+1), prev, testKey)
		b, _ := r.Encode()
		out = append(out, b)
		prev = r.Hash
	}
	return out
}

func verifyAll(recs [][]byte, o VerifyOptions) Result {
	v := NewVerifier(o)
	var head Anchor
	for i, b := range recs {
		v.Next(uint64(i+1), b)
		r, _ := Decode(b)
		head = Anchor{Seq: r.Seq, Hash: r.Hash}
	}
	return v.Finish(head, time.Time{})
}

func TestVerifierResult(t *testing.T) {
	recs := chain(3)
	res := verifyAll(recs, VerifyOptions{Key: testKey, Keyed: true})
	last, _ := Decode(recs[2])
	if !res.Valid || res.Head.Seq != 3 || !bytes.Equal(res.Head.Hash, last.Hash) ||
		res.String() != "audit chain OK: 3 records (#1 to #3), head 3:"+hex.EncodeToString(last.Hash) {
		t.Fatalf("%s", res)
	}
	if res := verifyAll(recs, VerifyOptions{Key: bytes.Repeat([]byte{9}, 32), Keyed: true}); res.Valid || res.FirstBad != 1 {
		t.Fatalf("another key: %s", res)
	}
	if res := verifyAll(nil, VerifyOptions{Key: testKey, Keyed: true}); res.Valid || !strings.Contains(res.Problem, "every record was deleted") {
		t.Fatalf("emptied keyed chain: %s", res)
	}
	if res := verifyAll(nil, VerifyOptions{Key: testKey}); !res.Valid || res.String() != "audit chain OK: no records" {
		t.Fatalf("fresh chain: %s", res)
	}
	past := External{Anchor: Anchor{Seq: 5, Hash: Genesis}}
	res = verifyAll(recs, VerifyOptions{Key: testKey, Keyed: true, External: []External{past}})
	if res.Valid || res.FirstBad != 5 || !strings.Contains(res.Problem, "truncated") || res.Anchors[0].OK {
		t.Fatalf("anchor past the end: %+v", res)
	}
}

// FuzzParseExternal: anchors come from the command line.
func FuzzParseExternal(f *testing.F) {
	f.Add("12:" + hex.EncodeToString(Genesis))
	f.Add("v1:0:" + base64.StdEncoding.EncodeToString(Genesis))
	f.Add("v1:")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExternal(s)
		if err != nil {
			return
		}
		if len(e.Hash) != HashSize {
			t.Fatalf("%q: %d-byte hash", s, len(e.Hash))
		}
		back, err := ParseExternal(e.String())
		if err != nil || back.Seq != e.Seq || back.V1 != e.V1 || !bytes.Equal(back.Hash, e.Hash) {
			t.Fatalf("%q -> %q: %+v, %v", s, e, back, err)
		}
	})
}
