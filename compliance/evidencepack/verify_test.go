package evidencepack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// entry is one file to put in a rebuilt zip.
type entry struct {
	name string
	data []byte
}

// rezip builds a zip of entries, as someone editing a pack would.
func rezip(tb testing.TB, entries []entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// entriesOf is a pack's files in order.
func entriesOf(tb testing.TB, pack []byte) []entry {
	tb.Helper()
	names, files := unzip(tb, pack)
	out := make([]entry, len(names))
	for i, n := range names {
		out[i] = entry{n, files[n]}
	}
	return out
}

func verify(tb testing.TB, pack []byte, key []byte) (Report, error) {
	tb.Helper()
	return Verify(bytes.NewReader(pack), int64(len(pack)), [][]byte{key})
}

// TestVerifyDetectsTampering: a pack as made verifies; every change to
// it fails, saying what changed.
func TestVerifyDetectsTampering(t *testing.T) {
	pack, _ := makePack(t, testInput(packState(t)))
	if rep, err := verify(t, pack, testKey); err != nil || !rep.OK || len(rep.Manifest.Files) != 6 {
		t.Fatalf("the pack as made: %+v %v", rep, err)
	}
	if rep, _ := verify(t, rezip(t, entriesOf(t, pack)), testKey); !rep.OK {
		t.Fatalf("the same files zipped again: %v", rep.Problems)
	}
	edit := func(fn func([]entry) []entry) []byte { return rezip(t, fn(entriesOf(t, pack))) }
	flipIn := func(name string) func([]entry) []entry {
		return func(es []entry) []entry {
			for i := range es {
				if es[i].name == name {
					es[i].data = bytes.Clone(es[i].data)
					es[i].data[len(es[i].data)/2] ^= 1
				}
			}
			return es
		}
	}
	for _, tc := range []struct {
		name string
		pack []byte
		key  []byte
		want string
	}{
		{"a byte of evidence.csv flipped", edit(flipIn(FileEvidenceCSV)), testKey, "evidence.csv: changed"},
		{"a byte of the report flipped", edit(flipIn(FileReport)), testKey, "report.html: changed"},
		{"a file added", edit(func(es []entry) []entry { return append(es, entry{"notes.txt", []byte("trust me")}) }), testKey, "notes.txt: not listed in the manifest (added)"},
		{"a file dropped", edit(func(es []entry) []entry { return es[1:] }), testKey, "evidence.json: listed in the manifest but missing"},
		{"the signature dropped", edit(func(es []entry) []entry { return es[:len(es)-1] }), testKey, "manifest.sig: missing"},
		{"the manifest edited", edit(func(es []entry) []entry {
			for i := range es {
				if es[i].name == FileManifest {
					es[i].data = bytes.Replace(es[i].data, []byte(`"generated_by": "ada"`), []byte(`"generated_by": "eve"`), 1)
				}
			}
			return es
		}), testKey, "manifest.sig: the signature does not match the manifest"},
		{"a file and its manifest line changed", edit(func(es []entry) []entry {
			// The attacker fixes the hash in the manifest too; only the
			// signature can catch this.
			var old, fixed string
			for i := range es {
				if es[i].name == FileEvidenceCSV {
					old = sha(es[i].data)
					es[i].data = bytes.Replace(es[i].data, []byte(",fail,"), []byte(",pass,"), -1)
					fixed = sha(es[i].data)
				}
			}
			for i := range es {
				if es[i].name == FileManifest {
					es[i].data = bytes.Replace(es[i].data, []byte(old), []byte(fixed), 1)
				}
			}
			return es
		}), testKey, "manifest.sig: the signature does not match"},
		{"another ward's key", pack, otherKey, "signed under another key"},
		{"a name twice", edit(func(es []entry) []entry { return append(es, entry{FileEvidenceCSV, []byte("control\n")}) }), testKey, "evidence.csv: in the zip twice"},
		{"a path out", edit(func(es []entry) []entry { return append(es, entry{"../../etc/cron.d/x", []byte("x")}) }), testKey, `"../../etc/cron.d/x": not a file name a pack holds`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify(t, tc.pack, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", rep.Problems, tc.want)
			}
		})
	}

	// A byte of the zip itself flipped inside evidence.csv's compressed
	// data: unreadable or changed, never OK.
	raw := bytes.Clone(pack)
	zr, _ := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	for _, f := range zr.File {
		if f.Name == FileEvidenceCSV {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			raw[off+int64(f.CompressedSize64)/2] ^= 0x10
		}
	}
	if rep, err := verify(t, raw, testKey); err == nil && (rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), "evidence.csv")) {
		t.Errorf("a flipped byte in the zip: %+v", rep)
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestVerifyRefusesBombs: too many files, a file claiming more than
// MaxEntryBytes, and one that inflates past what its header says are
// refused without inflating them whole.
func TestVerifyRefusesBombs(t *testing.T) {
	var many []entry
	for i := range MaxEntries + 1 {
		many = append(many, entry{fmt.Sprintf("f%d", i), nil})
	}
	if _, err := verify(t, rezip(t, many), testKey); !errors.Is(err, ErrRefused) {
		t.Errorf("%d files: %v, want ErrRefused", MaxEntries+1, err)
	}
	if _, err := verify(t, []byte("PK not really"), testKey); !errors.Is(err, ErrRefused) {
		t.Errorf("not a zip: %v, want ErrRefused", err)
	}

	// Raw entries whose headers lie about their size.
	var zeros bytes.Buffer
	fw, _ := flate.NewWriter(&zeros, flate.BestCompression)
	fw.Write(make([]byte, 8<<20))
	fw.Close()
	lying := func(claim uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: FileEvidence, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(nil),
			CompressedSize64: uint64(zeros.Len()), UncompressedSize64: claim})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(zeros.Bytes())
		zw.Close()
		return buf.Bytes()
	}
	if _, err := verify(t, lying(MaxEntryBytes+1), testKey); !errors.Is(err, ErrRefused) {
		t.Errorf("a file claiming %d bytes: %v, want ErrRefused", MaxEntryBytes+1, err)
	}
	// Claims 10 bytes, inflates to 8 MiB: the zip reader stops at the
	// claim; with the manifest missing the pack fails either way.
	rep, err := verify(t, lying(10), testKey)
	if err != nil || rep.OK {
		t.Errorf("a file inflating past its claim: %+v %v", rep, err)
	}
	if n, _, err := hashFile(mustFile(t, lying(10)), MaxTotalBytes); err == nil || n > 10 {
		t.Errorf("hashing a file inflating past its claim read %d bytes, err %v", n, err)
	}
}

func mustFile(tb testing.TB, z []byte) *zip.File {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		tb.Fatal(err)
	}
	return zr.File[0]
}
