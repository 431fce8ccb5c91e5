package backups

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// maxSummaryLine bounds one line of a command's output that is looked
// at for restic's summary; longer lines are skipped.
const maxSummaryLine = 64 << 10

// resticSummary is an io.Writer over a command's stdout that keeps the
// last restic `backup --json` summary line
// ({"message_type":"summary", ...}).
type resticSummary struct {
	line  []byte
	long  bool // the current line is over maxSummaryLine
	found bool
	bytes int64
	files int64
}

func (s *resticSummary) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !s.long {
			if len(s.line)+len(chunk) > maxSummaryLine {
				s.long, s.line = true, s.line[:0]
			} else {
				s.line = append(s.line, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !s.long {
			s.parse(s.line)
		}
		s.line, s.long = s.line[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// parse reads one line; only a summary changes anything.
func (s *resticSummary) parse(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' || !bytes.Contains(line, []byte("summary")) {
		return
	}
	var v struct {
		Type        string `json:"message_type"`
		FilesNew    int64  `json:"files_new"`
		FilesChange int64  `json:"files_changed"`
		FilesSame   int64  `json:"files_unmodified"`
		Bytes       int64  `json:"total_bytes_processed"`
	}
	if json.Unmarshal(line, &v) != nil || v.Type != "summary" || v.Bytes < 0 || v.FilesNew < 0 || v.FilesChange < 0 || v.FilesSame < 0 {
		return
	}
	s.found, s.bytes, s.files = true, v.Bytes, v.FilesNew+v.FilesChange+v.FilesSame
}

// suspiciousRuns is how many earlier successes the size check compares
// with.
const suspiciousRuns = 7

// suspicious says why a successful run looks wrong: faster than
// min_duration, or smaller than size_drop times the median size of the
// last 7 successful runs.
func (m *Manager) suspicious(job config.BackupJob, r Run) []string {
	var out []string
	if d := r.Finished.Sub(r.Started); job.MinDuration > 0 && d < time.Duration(job.MinDuration) {
		out = append(out, fmt.Sprintf("fast: finished in %s, under min_duration %s", d.Round(time.Millisecond), job.MinDuration))
	}
	if job.SizeDrop == nil || *job.SizeDrop == 0 {
		return out
	}
	p, err := m.store.list(Filter{Job: job.Name, Kind: KindBackup, State: StateSuccess, Before: r.ID, Limit: suspiciousRuns})
	if err != nil {
		return out
	}
	var sizes []int64
	for _, prev := range p.Runs {
		if prev.Bytes > 0 {
			sizes = append(sizes, prev.Bytes)
		}
	}
	if med := medianBytes(sizes); med > 0 && float64(r.Bytes) < *job.SizeDrop*float64(med) {
		out = append(out, fmt.Sprintf("small: %s, under %g of the %d-run median %s", humanBytes(r.Bytes), *job.SizeDrop, len(sizes), humanBytes(med)))
	}
	return out
}

// medianBytes is the median of sizes (the lower middle of an even
// count), 0 for none.
func medianBytes(sizes []int64) int64 {
	if len(sizes) == 0 {
		return 0
	}
	s := append([]int64(nil), sizes...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2]
}

// humanBytes formats n in binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit && exp < 5; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// suspiciousReason is the metric label of a Suspicious entry.
func suspiciousReason(s string) string {
	for _, r := range []string{"fast", "small", "too_many_runs"} {
		if len(s) > len(r) && s[:len(r)+1] == r+":" {
			return r
		}
	}
	return ""
}
