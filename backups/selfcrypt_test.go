package backups

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

// seal encrypts plain under subkey into a snapshot stream.
func seal(tb testing.TB, subkey, plain []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := newSealWriter(&buf, subkey)
	if err != nil {
		tb.Fatal(err)
	}
	// Odd write sizes cross chunk boundaries anywhere.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7777)
		if _, err := w.Write(p[:n]); err != nil {
			tb.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func open(subkey, sealed []byte) ([]byte, error) {
	r, err := newOpenReader(bytes.NewReader(sealed), subkey)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestSelfCryptRoundTrip(t *testing.T) {
	subkey := make([]byte, 32)
	rand.Read(subkey)
	for _, size := range []int{0, 1, selfChunk - 1, selfChunk, selfChunk + 1, 3 * selfChunk, 3*selfChunk + 12345} {
		plain := make([]byte, size)
		rand.Read(plain)
		sealed := seal(t, subkey, plain)
		got, err := open(subkey, sealed)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("size %d: round trip differs", size)
		}
		if bytes.Contains(sealed, plain[:min(size, 64)]) && size >= 16 {
			t.Fatalf("size %d: plaintext visible in the snapshot", size)
		}
	}
}

// TestSelfCryptRefusesChanges: every kind of change to a sealed stream
// is refused, none silently yields other data.
func TestSelfCryptRefusesChanges(t *testing.T) {
	subkey := make([]byte, 32)
	rand.Read(subkey)
	plain := make([]byte, 3*selfChunk+100)
	rand.Read(plain)
	sealed := seal(t, subkey, plain)
	seg := selfChunk + 16
	h := selfHeaderLen
	other := make([]byte, 32)
	rand.Read(other)
	cases := map[string]struct {
		data []byte
		key  []byte
		want error
	}{
		"flipped byte in a middle chunk": {data: flip(sealed, h+seg+100), want: ErrSelfCorrupt},
		"flipped byte in the salt":       {data: flip(sealed, 30), want: ErrSelfCorrupt},
		"truncated after a whole chunk":  {data: sealed[:h+2*seg], want: ErrSelfCorrupt},
		"truncated inside a chunk":       {data: sealed[:len(sealed)-5], want: ErrSelfCorrupt},
		"last chunk dropped":             {data: sealed[:h+3*seg], want: ErrSelfCorrupt},
		"chunks swapped":                 {data: swap(sealed, h, seg), want: ErrSelfCorrupt},
		"bytes appended":                 {data: append(bytes.Clone(sealed), 0), want: ErrSelfCorrupt},
		"not a snapshot":                 {data: []byte("tar archive, not encrypted, long enough to be a header......"), want: ErrSelfCorrupt},
		"another key":                    {data: sealed, key: other, want: ErrSelfWrongKey},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			key := subkey
			if c.key != nil {
				key = c.key
			}
			got, err := open(key, c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %d bytes, err %v; want %v", len(got), err, c.want)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}

// swap exchanges the first two chunks after the header.
func swap(b []byte, h, seg int) []byte {
	c := bytes.Clone(b)
	copy(c[h:h+seg], b[h+seg:h+2*seg])
	copy(c[h+seg:h+2*seg], b[h:h+seg])
	return c
}

// BenchmarkSelfSeal measures sealing throughput (memory stays one chunk).
func BenchmarkSelfSeal(b *testing.B) {
	subkey := make([]byte, 32)
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	w, err := newSealWriter(io.Discard, subkey)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		w.Write(buf)
	}
	w.Close()
}
