package evidencepack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A pack's zip layout is checked strictly, as Write makes it: the first
// local header at offset 0, each entry (local header, data, data
// descriptor) right after the one before, in the order and at the offsets
// the central directory gives, the central directory right after the last
// entry, and the end-of-central-directory record, with no comment, ending
// the file. Every byte of the file then belongs to exactly one entry, the
// central directory or the end record.
//
// Why not sign a hash of the whole file instead: the signature is itself
// a file in the zip, so such a hash would have to leave out its entry and
// the central directory that points to it, and say exactly which bytes
// those are: the same parsing as here, with a second hash to get wrong.
// The strict layout closes what the signed manifest alone leaves open:
// zip readers tolerate bytes before the first entry (self-extracting
// archives) and after the end record (a comment cut short), so a forged
// entry prepended to a genuine pack, or text appended to it, is shown by
// a streaming unzipper or a viewer while every listed file still
// matches. Verify refuses both.

// Zip record signatures and fixed sizes (APPNOTE.TXT 4.3).
const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigDescriptor = 0x08074b50
	sigEnd        = 0x06054b50
	lenLocal      = 30
	lenCentral    = 46
	lenDescriptor = 16 // with its signature, 32-bit sizes
	lenEnd        = 22
	flagDescr     = 0x8 // sizes and CRC follow the data
	zip64Marker   = 0xffffffff
	// maxCentralBytes bounds the central directory read: MaxEntries
	// entries of names up to 255 bytes and modest extra fields.
	maxCentralBytes = 64 << 10
)

// errLayout is a zip whose bytes are not all the pack's own.
var errLayout = errors.New("the zip is not laid out as ward writes a pack")

// centralEntry is what the layout check needs of a central directory entry.
type centralEntry struct {
	flags, method    uint16
	crc, csize, size uint32
	name             string
	offset           uint32
}

// checkLayout checks that r (size bytes) is laid out strictly (see
// above). It reads at most maxCentralBytes plus a few fixed records per
// entry.
func checkLayout(r io.ReaderAt, size int64) error {
	if size < lenEnd {
		return fmt.Errorf("%w: too short", errLayout)
	}
	end := make([]byte, lenEnd)
	if _, err := r.ReadAt(end, size-lenEnd); err != nil {
		return fmt.Errorf("%w: %v", errLayout, err)
	}
	le := binary.LittleEndian
	switch {
	case le.Uint32(end) != sigEnd:
		return fmt.Errorf("%w: the file does not end with the end-of-central-directory record (bytes appended after it, or a zip comment)", errLayout)
	case le.Uint16(end[20:]) != 0:
		return fmt.Errorf("%w: the zip has a comment", errLayout)
	case le.Uint16(end[4:]) != 0 || le.Uint16(end[6:]) != 0 || le.Uint16(end[8:]) != le.Uint16(end[10:]):
		return fmt.Errorf("%w: a multi-disk zip", errLayout)
	}
	count := int(le.Uint16(end[10:]))
	cdSize, cdOff := int64(le.Uint32(end[12:])), int64(le.Uint32(end[16:]))
	switch {
	case count > MaxEntries:
		return fmt.Errorf("%w: %d entries, at most %d", errLayout, count, MaxEntries)
	case cdSize > maxCentralBytes:
		return fmt.Errorf("%w: a central directory of %d bytes, at most %d", errLayout, cdSize, maxCentralBytes)
	case cdOff+cdSize != size-lenEnd:
		return fmt.Errorf("%w: the central directory does not end where the end record starts (bytes before the first entry, or between)", errLayout)
	}
	entries, err := readCentral(r, cdOff, cdSize, count)
	if err != nil {
		return err
	}
	var off int64
	for _, e := range entries {
		if int64(e.offset) != off {
			return fmt.Errorf("%w: %s: its local header is at %d, not right after the entry before (%d)", errLayout, e.name, e.offset, off)
		}
		if off, err = checkLocal(r, off, e); err != nil {
			return err
		}
	}
	if off != cdOff {
		return fmt.Errorf("%w: %d bytes between the last entry and the central directory", errLayout, cdOff-off)
	}
	return nil
}

// readCentral parses the central directory's count entries, which must
// fill its cdSize bytes exactly.
func readCentral(r io.ReaderAt, cdOff, cdSize int64, count int) ([]centralEntry, error) {
	cd := make([]byte, cdSize)
	if _, err := r.ReadAt(cd, cdOff); err != nil {
		return nil, fmt.Errorf("%w: central directory: %v", errLayout, err)
	}
	le := binary.LittleEndian
	out := make([]centralEntry, 0, count)
	for i := range count {
		if len(cd) < lenCentral || le.Uint32(cd) != sigCentral {
			return nil, fmt.Errorf("%w: central directory entry %d: malformed", errLayout, i)
		}
		n, x, c := int(le.Uint16(cd[28:])), int(le.Uint16(cd[30:])), int(le.Uint16(cd[32:]))
		if len(cd) < lenCentral+n+x+c {
			return nil, fmt.Errorf("%w: central directory entry %d: cut short", errLayout, i)
		}
		e := centralEntry{
			flags: le.Uint16(cd[8:]), method: le.Uint16(cd[10:]),
			crc: le.Uint32(cd[16:]), csize: le.Uint32(cd[20:]), size: le.Uint32(cd[24:]),
			name: string(cd[lenCentral : lenCentral+n]), offset: le.Uint32(cd[42:]),
		}
		if e.csize == zip64Marker || e.size == zip64Marker || e.offset == zip64Marker {
			return nil, fmt.Errorf("%w: %s: zip64 sizes (a pack's files fit in 32 bits)", errLayout, e.name)
		}
		out = append(out, e)
		cd = cd[lenCentral+n+x+c:]
	}
	if len(cd) != 0 {
		return nil, fmt.Errorf("%w: %d bytes in the central directory after its %d entries", errLayout, len(cd), count)
	}
	return out, nil
}

// checkLocal checks the entry e whose local header is at off against the
// central directory, and returns where the next entry must start.
func checkLocal(r io.ReaderAt, off int64, e centralEntry) (int64, error) {
	le := binary.LittleEndian
	h := make([]byte, lenLocal+len(e.name))
	if _, err := r.ReadAt(h, off); err != nil {
		return 0, fmt.Errorf("%w: %s: local header: %v", errLayout, e.name, err)
	}
	bad := func(what string) error {
		return fmt.Errorf("%w: %s: the local header's %s differs from the central directory's", errLayout, e.name, what)
	}
	switch {
	case le.Uint32(h) != sigLocal:
		return 0, fmt.Errorf("%w: %s: no local header at %d", errLayout, e.name, off)
	case le.Uint16(h[6:]) != e.flags:
		return 0, bad("flags")
	case le.Uint16(h[8:]) != e.method:
		return 0, bad("compression method")
	case int(le.Uint16(h[26:])) != len(e.name) || string(h[lenLocal:]) != e.name:
		return 0, bad("name")
	case e.flags&flagDescr == 0 && (le.Uint32(h[14:]) != e.crc || le.Uint32(h[18:]) != e.csize || le.Uint32(h[22:]) != e.size):
		return 0, bad("CRC or sizes")
	}
	next := off + lenLocal + int64(len(e.name)) + int64(le.Uint16(h[28:])) + int64(e.csize)
	if e.flags&flagDescr == 0 {
		return next, nil
	}
	d := make([]byte, lenDescriptor)
	if _, err := r.ReadAt(d, next); err != nil {
		return 0, fmt.Errorf("%w: %s: data descriptor: %v", errLayout, e.name, err)
	}
	if le.Uint32(d) != sigDescriptor || le.Uint32(d[4:]) != e.crc || le.Uint32(d[8:]) != e.csize || le.Uint32(d[12:]) != e.size {
		return 0, bad("data descriptor")
	}
	return next + lenDescriptor, nil
}
