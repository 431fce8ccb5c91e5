package main

import (
	"bytes"
	"encoding/json"
	"sync"
)

// tailBuffer keeps the last max bytes written to it, from any number of
// goroutines (a command's stdout and stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// Bytes returns a copy of what is kept.
func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf)
}

// resticBytes finds restic's `backup --json` summary, the last line
// with "message_type":"summary", and returns its total_bytes_processed.
func resticBytes(out []byte) (int64, bool) {
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var s struct {
			MessageType         string `json:"message_type"`
			TotalBytesProcessed *int64 `json:"total_bytes_processed"`
		}
		if json.Unmarshal(line, &s) != nil || s.MessageType != "summary" || s.TotalBytesProcessed == nil || *s.TotalBytesProcessed < 0 {
			continue
		}
		return *s.TotalBytesProcessed, true
	}
	return 0, false
}
