// Package evidencepack writes and verifies ward's evidence pack (issue
// 14): one zip holding a readable report of the compliance checklist,
// its controls and evidence as JSON and CSV, the audit chain's head and
// verification, and a manifest of every file's SHA-256 signed with an
// HMAC under a key derived from ward's secret key, so that a pack
// handed to an auditor can be checked later (`ward compliance verify`).
package evidencepack

import (
	"archive/zip"
	"bufio"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

// KeyPurpose derived the signing key of packs made before packs were
// signed per audit key epoch: straight from ward's secret key
// (auth.Key.Derive). Verify still accepts such packs under the current
// secret key.
const KeyPurpose = "ward evidence pack v1"

// EpochKeyPurpose derives a pack's signing key from the MAC key of the
// audit key epoch open when it was made (PackKey).
const EpochKeyPurpose = "ward evidence pack v2"

// PackKey is the signing key of packs made while auditKey (an audit key
// epoch's MAC key, storage.State.AuditEpochKeys) was the open epoch's.
// ward keeps every closed epoch's key sealed under its current secret
// key, so a pack made before any number of key rotations still verifies;
// HKDF keeps the pack key independent of the audit MAC key it comes from.
func PackKey(auditKey []byte) ([]byte, error) {
	if len(auditKey) < 16 {
		return nil, errors.New("evidencepack: audit key too short")
	}
	return hkdf.Key(sha256.New, auditKey, nil, EpochKeyPurpose, 32)
}

// The files of a pack, in the order they are written.
const (
	FileEvidence    = "evidence.json"
	FileEvidenceCSV = "evidence.csv"
	FileControls    = "controls.json"
	FileControlsCSV = "controls.csv"
	FileAuditHead   = "audit-head.txt"
	FileReport      = "report.html"
	FileManifest    = "manifest.json"
	FileSignature   = "manifest.sig"
)

// Bounds, for writing and verifying alike: a pack Write makes always
// passes Verify's checks. Verify refuses anything past them, so a zip
// bomb costs at most MaxTotalBytes of inflating.
const (
	// MaxEntries bounds the files of a pack (it has 8).
	MaxEntries = 32
	// MaxEntryBytes bounds one file: 400 days of hourly evidence of 18
	// controls is about 49 MB as JSON (BenchmarkEvidencePack400Days).
	MaxEntryBytes = 1 << 30
	// MaxTotalBytes bounds all files together.
	MaxTotalBytes = 2 << 30
	// maxManifestBytes bounds manifest.json and manifest.sig.
	maxManifestBytes = 1 << 20
)

// Store is where evidence and attestations are read (*storage.State).
type Store interface {
	EvidenceRange(control string, from, to time.Time, fn func(storage.EvidenceRecord) error) error
	Attestations() (map[string][]byte, error)
}

// Input is what a pack is made of.
type Input struct {
	// Controls are the checklist's controls, in the order the report
	// shows them. Controls with evidence or attestations but not listed
	// are added after them by id.
	Controls []compliance.Control
	// Statuses are the checker's verdicts by control id, if it has
	// them; for the others the pack judges from the newest evidence in
	// the window (stale past the control's interval) or, for manual
	// controls, the attestation.
	Statuses map[string]compliance.Status
	Store    Store
	// Audit is the audit chain verified just before; AuditErr says why
	// it could not be verified, if so.
	Audit    audit.Result
	AuditErr string
	// Generated is when the pack is made (the window's end) and By who
	// asked for it (an audit actor).
	Generated time.Time
	By        string
	// From is the window's start; zero means Generated less
	// compliance.EvidenceRetention.
	From time.Time
	// Instance names the ward (its external URL), for the report.
	Instance string
}

// Summary says what a pack holds.
type Summary struct {
	Controls     int
	Failing      int
	Evidence     int
	Attestations int
	// ManifestSHA256 is the manifest's hash in hex: it names the pack.
	ManifestSHA256 string
	Files          []ManifestFile
}

// ErrTooLarge means a file of the pack would pass MaxEntryBytes.
var ErrTooLarge = errors.New("evidencepack: file too large")

// Write writes the pack of in to w, signed under key (derived with
// KeyPurpose). Evidence is streamed from the store twice (JSON, then
// CSV) within [From, Generated); if the two readings differ (evidence
// pruned meanwhile), Write fails rather than write a pack whose files
// disagree.
func Write(w io.Writer, in Input, key []byte) (Summary, error) {
	if len(key) < 16 {
		return Summary{}, errors.New("evidencepack: signing key too short")
	}
	if in.Generated.IsZero() {
		in.Generated = time.Now()
	}
	in.Generated = in.Generated.UTC()
	if in.From.IsZero() {
		in.From = in.Generated.Add(-compliance.EvidenceRetention)
	}
	in.From = in.From.UTC()
	p := &packer{zw: zip.NewWriter(w), in: in}
	var stats map[string]*controlStats
	var n int
	steps := []struct {
		name string
		fill func(io.Writer) error
	}{
		{FileEvidence, func(w io.Writer) (err error) { stats, n, err = writeEvidenceJSON(w, in); return err }},
		{FileEvidenceCSV, func(w io.Writer) error {
			m, err := writeEvidenceCSV(w, in)
			if err == nil && m != n {
				err = fmt.Errorf("evidencepack: evidence changed while the pack was made (%d records, then %d); make it again", n, m)
			}
			return err
		}},
	}
	for _, s := range steps {
		if err := p.file(s.name, s.fill); err != nil {
			return Summary{}, err
		}
	}
	rows, err := checklist(in, stats)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Controls: len(rows), Evidence: n}
	for _, r := range rows {
		if r.Status.Failing() {
			sum.Failing++
		}
		if r.Attestation != nil {
			sum.Attestations++
		}
	}
	rep := reportData{In: in, Rows: rows, Summary: sum}
	for _, s := range []struct {
		name string
		fill func(io.Writer) error
	}{
		{FileControls, func(w io.Writer) error { return writeJSON(w, rows) }},
		{FileControlsCSV, func(w io.Writer) error { return writeControlsCSV(w, rows) }},
		{FileAuditHead, func(w io.Writer) error { return writeAuditHead(w, in) }},
		{FileReport, func(w io.Writer) error { return writeReport(w, rep) }},
	} {
		if err := p.file(s.name, s.fill); err != nil {
			return Summary{}, err
		}
	}
	m := Manifest{
		Format: manifestFormat, Version: manifestVersion, Generated: in.Generated, GeneratedBy: in.By,
		From: in.From, To: in.Generated, KeyID: KeyID(key), Files: p.files,
	}
	mjs, err := m.encode()
	if err != nil {
		return Summary{}, err
	}
	if err := p.raw(FileManifest, mjs); err != nil {
		return Summary{}, err
	}
	if err := p.raw(FileSignature, []byte(signature(key, mjs))); err != nil {
		return Summary{}, err
	}
	if err := p.zw.Close(); err != nil {
		return Summary{}, err
	}
	h := sha256.Sum256(mjs)
	sum.ManifestSHA256, sum.Files = hex.EncodeToString(h[:]), p.files
	return sum, nil
}

// packer writes a pack's files, hashing each as it goes.
type packer struct {
	zw    *zip.Writer
	in    Input
	files []ManifestFile
}

// file writes one file that fill streams, and lists it.
func (p *packer) file(name string, fill func(io.Writer) error) error {
	fw, err := p.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: p.in.Generated})
	if err != nil {
		return err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(fw, h)}
	bw := bufio.NewWriterSize(cw, 64<<10)
	if err := fill(bw); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	p.files = append(p.files, ManifestFile{Name: name, Bytes: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// raw writes the manifest or its signature (not listed).
func (p *packer) raw(name string, b []byte) error {
	fw, err := p.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: p.in.Generated})
	if err != nil {
		return err
	}
	_, err = fw.Write(b)
	return err
}

// countWriter counts what passes through it; past MaxEntryBytes it
// fails, so that an oversized file stops early.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.n+int64(len(b)) > MaxEntryBytes {
		return 0, fmt.Errorf("%w: past %d bytes", ErrTooLarge, int64(MaxEntryBytes))
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
