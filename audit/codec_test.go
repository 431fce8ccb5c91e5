package audit

import (
	"bytes"
	"testing"
	"time"
)

// testKey stands in for the key derived from ward's secret key.
var testKey = bytes.Repeat([]byte{0x42}, 32)

func sealed(tb testing.TB) Record {
	tb.Helper()
	return Seal(Record{
		Time: time.Date(2026, 3, 1, 12, 0, 0, 5, time.FixedZone("x", 3600)), Actor: "alice", ActorIP: "192.0.2.1",
		Action: ActionLogin, Target: "alice", Outcome: Success, Details: map[string]string{"b": "2", "a": "1"},
	}, 7, Genesis, testKey)
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	r := sealed(t)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ComputeMAC(testKey, got.Prev), r.Hash) || !bytes.Equal(got.Hash, r.Hash) {
		t.Fatal("hash does not survive encoding")
	}
	if !got.Time.Equal(r.Time) || got.Seq != 7 {
		t.Fatalf("got %+v", got)
	}
}

func TestCanonicalIsUnambiguous(t *testing.T) {
	a := Record{Actor: "ab", Action: "c", Outcome: Success}
	b := Record{Actor: "a", Action: "bc", Outcome: Success}
	if bytes.Equal(a.Canonical(testKey), b.Canonical(testKey)) {
		t.Fatal("field boundaries are not encoded")
	}
	c := Record{Action: "x", Outcome: Success, Details: map[string]string{"k": "v=w"}}
	d := Record{Action: "x", Outcome: Success, Details: map[string]string{"k=v": "w"}}
	if bytes.Equal(c.Canonical(testKey), d.Canonical(testKey)) {
		t.Fatal("detail boundaries are not encoded")
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := sealed(t).Encode()
	for name, in := range map[string]string{
		"empty":         "",
		"not json":      "{",
		"unknown field": `{"seq":1,"action":"login","outcome":"success","prev":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","evil":1}`,
		"short hash":    `{"seq":1,"action":"login","outcome":"success","prev":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","hash":"AAAA"}`,
		"bad outcome":   `{"seq":1,"action":"login","outcome":"maybe","prev":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`,
		"trailing":      string(good) + "{}",
	} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzDecode feeds stored-record decoding arbitrary bytes (the database
// file is outside input to verification): it must never panic, and what
// it accepts must encode and decode to the same hash input.
func FuzzDecode(f *testing.F) {
	good, _ := sealed(f).Encode()
	f.Add(good)
	f.Add([]byte(`{"seq":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if !bytes.Equal(r.Canonical(testKey), r2.Canonical(testKey)) {
			t.Fatal("canonical form changed across encoding")
		}
		// Verification of one arbitrary record never panics.
		v := NewVerifier(VerifyOptions{Key: testKey, External: []External{{Anchor: Anchor{Seq: r.Seq, Hash: r.Hash}}, {Anchor: Anchor{Seq: r.Seq + 1}, V1: true}}})
		v.Next(r.Seq, data)
		v.Finish(Anchor{Seq: r.Seq, Hash: r.Hash}, time.Time{})
	})
}
