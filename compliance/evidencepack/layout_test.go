package evidencepack

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// forgedZip is a zip of one forged report.html, as someone would put
// before a genuine pack.
func forgedZip(tb testing.TB) []byte {
	tb.Helper()
	return rezip(tb, []entry{{FileReport, []byte("<h1>ALL CONTROLS PASS (forged)</h1>")}})
}

// TestVerifyRefusesBytesAroundThePack: a genuine pack with bytes before
// its first entry or after its end record fails, though every listed
// file still matches and Go's zip reader (like most unzippers) reads it
// without complaint: a streaming unzipper would show the forged
// report.html first, a viewer the appended text.
func TestVerifyRefusesBytesAroundThePack(t *testing.T) {
	pack, _ := makePack(t, testInput(packState(t)))
	forged := forgedZip(t)
	localOnly := forged[:bytes.Index(forged, []byte("PK\x01\x02"))]
	withComment := bytes.Clone(pack)
	// The end record's comment length, then the comment.
	withComment[len(withComment)-2] = 4
	withComment = append(withComment, "note"...)
	for _, tc := range []struct {
		name string
		pack []byte
		want string
	}{
		{"a forged local entry prepended", append(bytes.Clone(localOnly), pack...), "bytes before the first entry"},
		{"a whole forged zip prepended", append(bytes.Clone(forged), pack...), "bytes before the first entry"},
		{"bytes appended after the end record", append(bytes.Clone(pack), "TRAILING GARBAGE"...), "does not end with the end-of-central-directory record"},
		{"a zip comment", withComment, "or a zip comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The trick works on a zip reader: it still lists the
			// genuine files.
			if zr, err := zip.NewReader(bytes.NewReader(tc.pack), int64(len(tc.pack))); err != nil || len(zr.File) != 8 {
				t.Fatalf("the zip reader does not read the tricked pack as the genuine one (%v), so this test proves nothing", err)
			}
			rep, err := verify(t, tc.pack, testKey)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", rep.Problems, tc.want)
			}
		})
	}
}

// TestLayoutOfWrittenPacks: what Write and Go's zip writer make passes
// the strict layout, and a gap between two entries does not.
func TestLayoutOfWrittenPacks(t *testing.T) {
	pack, _ := makePack(t, testInput(packState(t)))
	if err := checkLayout(bytes.NewReader(pack), int64(len(pack))); err != nil {
		t.Fatalf("a pack as written: %v", err)
	}
	// Move every entry after the first one byte on: insert a byte after
	// the first entry and fix the offsets in the central directory and
	// end record, as a careful forger would.
	zr, err := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
	if err != nil {
		t.Fatal(err)
	}
	second, err := zr.File[1].DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	second -= int64(lenLocal + len(zr.File[1].Name) + len(zr.File[1].Extra))
	gap := append(append(bytes.Clone(pack[:second]), 'X'), pack[second:]...)
	cdOff := int64(len(gap)) - lenEnd - int64(le32(gap[len(gap)-lenEnd+12:]))
	putLE32(gap[len(gap)-lenEnd+16:], uint32(cdOff))
	for p := cdOff; p < int64(len(gap))-lenEnd; {
		if off := le32(gap[p+42:]); off != 0 {
			putLE32(gap[p+42:], off+1)
		}
		p += lenCentral + int64(le16(gap[p+28:])+le16(gap[p+30:])+le16(gap[p+32:]))
	}
	err = checkLayout(bytes.NewReader(gap), int64(len(gap)))
	if err == nil || !strings.Contains(err.Error(), "not right after the entry before") {
		t.Errorf("a byte between two entries: %v", err)
	}
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 { return uint32(le16(b)) | uint32(le16(b[2:]))<<16 }
func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
