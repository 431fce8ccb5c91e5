package apperrors

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Sampling: every event of an issue up to KeepAll, then one in 10 up to
// KeepTenth, then one in 100. Counts stay exact; the n-th event is kept
// or not by n alone, so the same history keeps the same samples.
const (
	KeepAll   = 100
	KeepTenth = 1000
)

// keep reports whether an issue's n-th event (from 1) is kept.
func keep(n int64) bool {
	switch {
	case n <= KeepAll:
		return true
	case n <= KeepTenth:
		return n%10 == 0
	}
	return n%100 == 0
}

// maxPayload bounds a payload file read back (a stored event is at most
// the ingest's 1 MB of JSON before compression).
const maxPayload = 4 << 20

// payloadPath is where an event received in hour (YYYYMMDDHH) is kept,
// relative to the errors directory. Hourly directories keep each one
// small and make retention's leftovers easy to see.
func payloadPath(e *Event) string {
	return filepath.Join(e.Received.Format("2006010215"), e.ID+".json.gz")
}

// writePayload writes e compressed under dir and returns its path
// (relative) and size. The file is new (O_EXCL), 0600, in a 0700
// directory.
func writePayload(dir string, e *Event, zw *gzip.Writer, buf *bytes.Buffer) (string, int64, error) {
	rel := payloadPath(e)
	full := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return "", 0, fmt.Errorf("errors payload: %w", err)
	}
	buf.Reset()
	zw.Reset(buf)
	enc := json.NewEncoder(zw)
	// Stack traces and messages are full of <, > and &: escaped they
	// take six bytes each.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return "", 0, fmt.Errorf("errors payload: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", 0, fmt.Errorf("errors payload: %w", err)
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("errors payload: %w", err)
	}
	_, werr := f.Write(buf.Bytes())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(full)
		return "", 0, fmt.Errorf("errors payload: %w", werr)
	}
	return rel, int64(buf.Len()), nil
}

// readPayload reads a kept event back.
func readPayload(dir, rel string) (Event, error) {
	e, _, err := readPayloadSized(dir, rel, maxPayload)
	return e, err
}

// errPayloadBudget means a payload is larger than the bytes left.
var errPayloadBudget = errors.New("errors payload: over the bytes left")

// readPayloadSized reads a kept event back, refusing (errPayloadBudget)
// one whose JSON is over budget bytes (and maxPayload), and returns its
// JSON's size.
func readPayloadSized(dir, rel string, budget int64) (Event, int64, error) {
	var e Event
	if rel == "" || filepath.IsAbs(rel) || strings.Contains(rel, "..") {
		return e, 0, fmt.Errorf("errors payload: bad path %q", rel)
	}
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		return e, 0, fmt.Errorf("errors payload: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return e, 0, fmt.Errorf("errors payload %s: %w", rel, err)
	}
	limit := min(budget, maxPayload)
	// The JSON is read whole first (at most limit+1 bytes), so that its
	// size is known before it is decoded.
	raw, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return e, 0, fmt.Errorf("errors payload %s: %w", rel, err)
	}
	if int64(len(raw)) > limit {
		if limit < maxPayload {
			return e, 0, errPayloadBudget
		}
		return e, 0, fmt.Errorf("errors payload %s: over %d bytes", rel, maxPayload)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, 0, fmt.Errorf("errors payload %s: %w", rel, err)
	}
	return e, int64(len(raw)), nil
}

// removePayloads deletes payload files after their index entries went,
// and the hourly directories they leave empty.
func removePayloads(dir string, rels []string) error {
	var first error
	dirs := map[string]bool{}
	for _, rel := range rels {
		if rel == "" || strings.Contains(rel, "..") {
			continue
		}
		if err := os.Remove(filepath.Join(dir, rel)); err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
		dirs[filepath.Dir(rel)] = true
	}
	for d := range dirs {
		if d != "." {
			_ = os.Remove(filepath.Join(dir, d)) // fails, as it should, unless empty
		}
	}
	return first
}
