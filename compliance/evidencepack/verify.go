package evidencepack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Report is the outcome of checking a pack.
type Report struct {
	// Manifest is the pack's manifest as read (trust it only when OK).
	Manifest Manifest
	// OK says the signature holds under the key, every listed file is
	// there and matches, and nothing else is.
	OK bool
	// Problems says what is wrong, one line each.
	Problems []string
}

// ErrRefused means a file was refused unread: not a zip, or past the
// bounds (MaxEntries, MaxEntryBytes, MaxTotalBytes) that keep a zip
// bomb from costing more than they allow.
var ErrRefused = errors.New("evidencepack: refused")

// Verify checks the pack in r (size bytes) under keys: the pack's
// signature must hold under the key of keys whose KeyID the manifest
// names (ward passes the pack key of every audit key epoch it can open,
// so packs made before a key rotation still verify). An error means it
// could not be checked; a pack checked and found wrong is a Report whose
// Problems say why.
func Verify(r io.ReaderAt, size int64, keys [][]byte) (Report, error) {
	var rep Report
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep, fmt.Errorf("%w: not a zip file: %v", ErrRefused, err)
	}
	if len(zr.File) > MaxEntries {
		return rep, fmt.Errorf("%w: %d files, at most %d", ErrRefused, len(zr.File), MaxEntries)
	}
	problem := func(format string, a ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, a...)) }
	// A layout problem is reported and checking goes on, so the report
	// also says what the zip's directory lists.
	if err := checkLayout(r, size); err != nil {
		problem("%v", err)
	}
	files := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		switch {
		case !safeName(f.Name):
			problem("%q: not a file name a pack holds", f.Name)
			continue
		case files[f.Name] != nil:
			// Two entries of one name: a checker and an unzip tool could
			// each read a different one.
			problem("%s: in the zip twice", f.Name)
			continue
		case f.UncompressedSize64 > MaxEntryBytes:
			return rep, fmt.Errorf("%w: %s claims %d bytes, at most %d", ErrRefused, f.Name, f.UncompressedSize64, int64(MaxEntryBytes))
		}
		total += f.UncompressedSize64
		files[f.Name] = f
	}
	if total > MaxTotalBytes {
		return rep, fmt.Errorf("%w: the files claim %d bytes, at most %d", ErrRefused, total, int64(MaxTotalBytes))
	}
	mjs, err := readSmall(files[FileManifest])
	if err != nil {
		problem("%s: %v", FileManifest, err)
	}
	sig, err := readSmall(files[FileSignature])
	if err != nil {
		problem("%s: %v", FileSignature, err)
	}
	if mjs == nil {
		return rep, nil
	}
	if err := json.Unmarshal(mjs, &rep.Manifest); err != nil || rep.Manifest.Format != manifestFormat {
		problem("%s: not a ward evidence pack manifest", FileManifest)
		return rep, nil
	}
	m := rep.Manifest
	if m.Version != manifestVersion {
		problem("%s: version %d, this ward reads %d", FileManifest, m.Version, manifestVersion)
	}
	key := keyByID(keys, m.KeyID)
	switch {
	case sig == nil:
	case key == nil:
		problem("%s: signed under another key (key id %s; this ward's are %s): made by another ward, or under a key this ward no longer holds", FileSignature, m.KeyID, strings.Join(keyIDs(keys), ", "))
	case !signatureValid(key, mjs, sig):
		problem("%s: the signature does not match the manifest: the manifest was changed", FileSignature)
	}
	listed := map[string]bool{FileManifest: true, FileSignature: true}
	var read uint64
	for _, mf := range m.Files {
		if listed[mf.Name] {
			problem("%s: listed twice, or lists the manifest", mf.Name)
			continue
		}
		listed[mf.Name] = true
		f := files[mf.Name]
		if f == nil {
			problem("%s: listed in the manifest but missing", mf.Name)
			continue
		}
		n, sum, err := hashFile(f, MaxTotalBytes-read)
		read += uint64(n)
		switch {
		case errors.Is(err, ErrRefused):
			return rep, err
		case err != nil:
			problem("%s: unreadable: %v", mf.Name, err)
		case n != mf.Bytes || sum != mf.SHA256:
			problem("%s: changed (%d bytes, SHA-256 %s; the manifest says %d bytes, %s)", mf.Name, n, sum, mf.Bytes, mf.SHA256)
		}
	}
	var extra []string
	for name := range files {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		problem("%s: not listed in the manifest (added)", name)
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// keyByID is the key of keys whose KeyID is id, or nil.
func keyByID(keys [][]byte, id string) []byte {
	for _, k := range keys {
		if len(k) >= 16 && KeyID(k) == id {
			return k
		}
	}
	return nil
}

// keyIDs names keys for a report.
func keyIDs(keys [][]byte) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, KeyID(k))
	}
	if len(out) == 0 {
		out = append(out, "none")
	}
	return out
}

// safeName reports whether name is a plain file name, as every file of a
// pack is: no directories, no way out of the directory it unpacks to.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00") && len(name) <= 255
}

// readSmall reads the manifest or its signature.
func readSmall(f *zip.File) ([]byte, error) {
	if f == nil {
		return nil, errors.New("missing")
	}
	if f.UncompressedSize64 > maxManifestBytes {
		return nil, fmt.Errorf("%d bytes, at most %d", f.UncompressedSize64, maxManifestBytes)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("more than %d bytes", maxManifestBytes)
	}
	return bytes.Clone(b), nil
}

// hashFile reads f whole (at most MaxEntryBytes and budget, whatever
// its header claims) and returns its length and SHA-256 in hex.
func hashFile(f *zip.File, budget uint64) (int64, string, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	limit := min(int64(MaxEntryBytes), int64(budget))
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, limit+1))
	if err != nil {
		return n, "", err
	}
	if n > limit {
		return n, "", fmt.Errorf("%w: %s inflates past %d bytes", ErrRefused, f.Name, limit)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
