package backups

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A self-backup snapshot file is a header and then the tar archive in
// AES-256-GCM chunks (the STREAM construction): each chunk of up to
// selfChunk bytes is sealed under a per-file key with a nonce of its
// index and a flag marking the last chunk, and the header as additional
// data. Memory stays at one chunk whatever the size; a changed,
// reordered, dropped or appended chunk, a cut-off end or another header
// fails to open.
//
//	header: "WARDSELF" | version 1 | 3 zero bytes | key id (8) | salt (32)
const (
	// SelfKeyPurpose derives the self-backup subkey from ward's secret key.
	SelfKeyPurpose = "ward self-backup v1"
	selfMagic      = "WARDSELF"
	selfVersion    = 1
	selfHeaderLen  = 8 + 1 + 3 + 8 + 32
	// selfChunk is the plaintext size of every chunk but the last.
	selfChunk = 64 << 10
	// maxSelfChunks bounds a snapshot: 2^32 chunks of 64 KiB (256 TiB).
	maxSelfChunks = 1 << 32
)

// Errors of opening a snapshot.
var (
	// ErrSelfCorrupt means the snapshot was modified, truncated or is not
	// a ward self-backup.
	ErrSelfCorrupt = errors.New("backups: self-backup snapshot is corrupt or was modified")
	// ErrSelfWrongKey means the snapshot was sealed under another key.
	ErrSelfWrongKey = errors.New("backups: self-backup snapshot was made with another secret key")
)

// selfKeyID names a subkey without revealing it, so that a snapshot made
// under another key says so instead of "corrupt".
func selfKeyID(subkey []byte) []byte {
	m := hmac.New(sha256.New, subkey)
	m.Write([]byte("ward self-backup key id"))
	return m.Sum(nil)[:8]
}

func selfAEAD(subkey, salt []byte) (cipher.AEAD, error) {
	fileKey, err := hkdf.Key(sha256.New, subkey, salt, "ward self-backup file", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(fileKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func selfNonce(n uint64, last bool) []byte {
	nonce := make([]byte, 12)
	binary.BigEndian.PutUint64(nonce[3:11], n)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// sealWriter encrypts what is written to it into w; Close seals the last
// chunk and must be called.
type sealWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	header []byte
	buf    []byte
	out    []byte
	n      uint64
	closed bool
}

// newSealWriter writes the header to w and returns the writer of the
// chunks, sealed under subkey (32 bytes).
func newSealWriter(w io.Writer, subkey []byte) (*sealWriter, error) {
	header := make([]byte, 0, selfHeaderLen)
	header = append(header, selfMagic...)
	header = append(header, selfVersion, 0, 0, 0)
	header = append(header, selfKeyID(subkey)...)
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	header = append(header, salt...)
	aead, err := selfAEAD(subkey, salt)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, aead: aead, header: header, buf: make([]byte, 0, selfChunk),
		out: make([]byte, 0, selfChunk+aead.Overhead())}, nil
}

func (s *sealWriter) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("backups: write after close")
	}
	written := 0
	for len(p) > 0 {
		if len(s.buf) == selfChunk {
			// More follows, so this chunk is not the last.
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
		k := copy(s.buf[len(s.buf):selfChunk], p)
		s.buf = s.buf[:len(s.buf)+k]
		p, written = p[k:], written+k
	}
	return written, nil
}

func (s *sealWriter) flush(last bool) error {
	if s.n >= maxSelfChunks {
		return fmt.Errorf("backups: self-backup over %d chunks", uint64(maxSelfChunks))
	}
	s.out = s.aead.Seal(s.out[:0], selfNonce(s.n, last), s.buf, s.header)
	s.n++
	s.buf = s.buf[:0]
	_, err := s.w.Write(s.out)
	return err
}

// Close seals the last chunk (possibly empty).
func (s *sealWriter) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.flush(true)
}

// openReader decrypts a snapshot chunk by chunk: it returns a chunk's
// plaintext only once the chunk's tag checks, and io.EOF only after the
// last chunk (so a truncated snapshot ends in ErrSelfCorrupt).
type openReader struct {
	r      *bufio.Reader
	aead   cipher.AEAD
	header []byte
	in     []byte
	plain  []byte
	n      uint64
	done   bool
	err    error
}

// newOpenReader reads and checks the header of a snapshot in r.
func newOpenReader(r io.Reader, subkey []byte) (*openReader, error) {
	header := make([]byte, selfHeaderLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("%w: reading the header: %v", ErrSelfCorrupt, err)
	}
	if string(header[:8]) != selfMagic {
		return nil, fmt.Errorf("%w: not a ward self-backup (no %s header)", ErrSelfCorrupt, selfMagic)
	}
	if header[8] != selfVersion || !bytes.Equal(header[9:12], []byte{0, 0, 0}) {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrSelfCorrupt, header[8])
	}
	if !hmac.Equal(header[12:20], selfKeyID(subkey)) {
		return nil, ErrSelfWrongKey
	}
	aead, err := selfAEAD(subkey, header[20:])
	if err != nil {
		return nil, err
	}
	return &openReader{r: bufio.NewReaderSize(r, selfChunk+aead.Overhead()+1), aead: aead, header: header,
		in: make([]byte, selfChunk+aead.Overhead())}, nil
}

func (o *openReader) Read(p []byte) (int, error) {
	for len(o.plain) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		if o.done {
			return 0, io.EOF
		}
		o.err = o.next()
	}
	k := copy(p, o.plain)
	o.plain = o.plain[k:]
	return k, nil
}

// next reads and opens one chunk. A short chunk, or a full one followed
// by the end, is the last; it must open with the last flag.
func (o *openReader) next() error {
	if o.n >= maxSelfChunks {
		return fmt.Errorf("%w: over %d chunks", ErrSelfCorrupt, uint64(maxSelfChunks))
	}
	k, err := io.ReadFull(o.r, o.in)
	last := false
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		last = true
	case err != nil:
		return err
	default:
		if _, perr := o.r.Peek(1); perr == io.EOF {
			last = true
		} else if perr != nil {
			return perr
		}
	}
	plain, oerr := o.aead.Open(o.in[:0], selfNonce(o.n, last), o.in[:k], o.header)
	if oerr != nil {
		if last {
			return fmt.Errorf("%w: chunk %d (the last read) does not authenticate: changed or cut short", ErrSelfCorrupt, o.n)
		}
		return fmt.Errorf("%w: chunk %d does not authenticate", ErrSelfCorrupt, o.n)
	}
	o.n++
	o.plain, o.done = plain, last
	return nil
}
