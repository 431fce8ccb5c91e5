package storage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErasureEntry is one erasure as the ledger and the erasures bucket hold
// it: pseudonyms only, never a name or an email.
type ErasureEntry struct {
	// ID orders erasures: the erasure's time in Unix nanoseconds, as 16
	// hex digits.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Pseudonyms are the erased markers of the person's name and email
	// (audit.Pseudonym under the audit key KeyID names).
	Pseudonyms []string `json:"pseudonyms"`
	// KeyID is audit.KeyID (hex) of the key the pseudonyms were made under.
	KeyID string `json:"key_id"`
}

// Ledger limits: a ledger is read whole at every start.
const (
	maxLedgerBytes = 16 << 20 // 16 MiB, about 50,000 erasures
	maxLedgerLine  = 4 << 10
)

// ErrLedger means the erasure ledger could not be read.
var ErrLedger = errors.New("storage: erasure ledger")

// Ledger is the erasure ledger: a file of JSON lines, one per erasure,
// kept outside the bbolt database, so that restoring an older copy of
// the database does not roll it back. (Keep it outside the data
// directory too, with privacy.erasure_ledger, when whole data
// directories are restored.) The erasures bucket is its index: what the
// database knows it has applied.
type Ledger struct {
	path string
	mu   sync.Mutex
}

// NewLedger returns the ledger at path (created at the first erasure).
func NewLedger(path string) *Ledger { return &Ledger{path: path} }

// Path is where the ledger lives.
func (l *Ledger) Path() string { return l.path }

// Append writes e and syncs it to disk before returning: an erasure is
// committed to the database only after its ledger line is durable.
func (l *Ledger) Append(e ErasureEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, statErr := os.Stat(l.path)
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("%w: %v", ErrLedger, err)
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrLedger, err)
	}
	if err := dropTornLine(f); err != nil {
		f.Close()
		return fmt.Errorf("%w: %s: %v", ErrLedger, l.path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("%w: write %s: %v", ErrLedger, l.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: sync %s: %v", ErrLedger, l.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrLedger, err)
	}
	if os.IsNotExist(statErr) {
		// A new file's directory entry must be durable too.
		if d, err := os.Open(filepath.Dir(l.path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// Entries reads the ledger, oldest first. A missing file is an empty
// ledger. A torn last line (a crash during Append, before the erasure
// committed) is ignored; any other bad line is an error naming it.
func (l *Ledger) Entries() ([]ErasureEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.Open(l.path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLedger, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLedgerBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrLedger, l.path, err)
	}
	if len(data) > maxLedgerBytes {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrLedger, l.path, maxLedgerBytes)
	}
	var out []ErasureEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, maxLedgerLine), maxLedgerLine)
	for n := 1; sc.Scan(); n++ {
		var e ErasureEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" || len(e.Pseudonyms) == 0 {
			if !bytes.HasSuffix(data, []byte("\n")) && bytes.HasSuffix(data, sc.Bytes()) {
				break // torn last line
			}
			return nil, fmt.Errorf("%w: %s line %d: not an erasure entry", ErrLedger, l.path, n)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrLedger, l.path, err)
	}
	return out, nil
}

// dropTornLine cuts a torn last line (a crash in the middle of an
// Append, before its erasure committed) off f and leaves f's offset at
// its end: appended after the fragment, the next entry would make one
// bad line in the middle, which Entries refuses at every start.
func dropTornLine(f *os.File) error {
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	keep := int64(bytes.LastIndexByte(b, '\n') + 1)
	if keep != int64(len(b)) {
		if err := f.Truncate(keep); err != nil {
			return err
		}
	}
	_, err = f.Seek(keep, io.SeekStart)
	return err
}
