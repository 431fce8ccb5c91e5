package backups

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// Bounds of a self-backup restore.
const (
	// maxSelfEntries bounds the files and directories of one archive (a
	// year of TSDB blocks is a few thousand).
	maxSelfEntries = 100_000
	// maxSelfManifest bounds manifest.json.
	maxSelfManifest = 64 << 10
	// maxSelfNameLen bounds a path inside the archive.
	maxSelfNameLen = 512
)

// ErrSelfNotEmpty refuses a restore into a directory that holds anything.
var ErrSelfNotEmpty = errors.New("backups: the restore target is not empty")

// SelfResult is one self-backup made.
type SelfResult struct {
	// Name is the snapshot's name at Dest.
	Name string `json:"name"`
	Dest string `json:"dest"`
	// Bytes is the snapshot's size as stored (encrypted); Plain the
	// archive's content, Files its file count.
	Bytes int64 `json:"bytes"`
	Plain int64 `json:"plain_bytes"`
	Files int   `json:"files"`
	// Expired are the older snapshots deleted to keep Keep.
	Expired []string      `json:"expired,omitempty"`
	Took    time.Duration `json:"took_ns"`
}

// BackupSelf takes a snapshot of src, seals it under key's self-backup
// subkey and writes it to dest. With keep > 0 it then deletes the oldest
// snapshots at dest beyond the keep newest.
func BackupSelf(ctx context.Context, src SelfSource, dataDir string, key *auth.Key, dest SelfDest, keep int, now time.Time) (SelfResult, error) {
	start := time.Now()
	subkey, err := key.Derive(SelfKeyPurpose)
	if err != nil {
		return SelfResult{}, err
	}
	res := SelfResult{Name: selfName(now), Dest: dest.String()}
	var counts selfCounts
	res.Bytes, err = dest.Write(ctx, res.Name, func(w io.Writer) error {
		sw, err := newSealWriter(w, subkey)
		if err != nil {
			return err
		}
		if counts, err = writeSelfArchive(ctx, src, dataDir, now, sw); err != nil {
			return err
		}
		return sw.Close()
	})
	if err != nil {
		return res, fmt.Errorf("self-backup to %s: %w", dest, err)
	}
	res.Files, res.Plain = counts.Files, counts.Bytes
	if keep > 0 {
		names, err := dest.List(ctx)
		if err != nil {
			return res, fmt.Errorf("snapshot made; listing for retention failed: %w", err)
		}
		for len(names) > keep {
			if names[0] == res.Name {
				break // never the one just made (a clock gone back)
			}
			if err := dest.Delete(ctx, names[0]); err != nil {
				return res, fmt.Errorf("snapshot made; deleting %s for retention failed: %w", names[0], err)
			}
			res.Expired, names = append(res.Expired, names[0]), names[1:]
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// SelfRestored is what a restore put back.
type SelfRestored struct {
	Name     string       `json:"name"`
	Manifest SelfManifest `json:"manifest"`
	Files    int          `json:"files"`
	Bytes    int64        `json:"bytes"`
	// ConfigFile is where the backed-up configuration was put ("" when
	// the snapshot holds none).
	ConfigFile string `json:"config_file,omitempty"`
}

// RestoreSelf restores the snapshot name (or the newest, for "") of src
// into dir, which must be empty or missing. Every chunk is checked
// before its content is used, and nothing is moved into dir until the
// whole snapshot has checked: a modified or truncated snapshot leaves
// dir empty.
func RestoreSelf(ctx context.Context, src SelfDest, name string, key *auth.Key, dir string) (SelfRestored, error) {
	var out SelfRestored
	if err := emptyDir(dir); err != nil {
		return out, err
	}
	if name == "" {
		names, err := src.List(ctx)
		if err != nil {
			return out, err
		}
		if len(names) == 0 {
			return out, fmt.Errorf("backups: no self-backup snapshot at %s", src)
		}
		name = names[len(names)-1]
	}
	out.Name = name
	subkey, err := key.Derive(SelfKeyPurpose)
	if err != nil {
		return out, err
	}
	rc, err := src.Open(ctx, name)
	if err != nil {
		return out, err
	}
	defer rc.Close()
	or, err := newOpenReader(rc, subkey)
	if err != nil {
		return out, err
	}
	staging, err := os.MkdirTemp(dir, ".restoring-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(staging)
	if err := extractSelf(ctx, or, staging, &out); err != nil {
		return out, err
	}
	// The tar end is not the stream's: read to the last chunk, whose
	// check proves nothing was cut off.
	if _, err := io.Copy(io.Discard, or); err != nil {
		return out, err
	}
	ents, err := os.ReadDir(staging)
	if err != nil {
		return out, err
	}
	for _, e := range ents {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return out, err
		}
	}
	if out.ConfigFile != "" {
		out.ConfigFile = filepath.Join(dir, selfConfigDir, filepath.Base(out.ConfigFile))
	}
	return out, nil
}

// emptyDir creates dir (0700) or checks that it is an empty directory.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("%w: %s holds %s; restore into an empty (or new) data directory", ErrSelfNotEmpty, dir, names[0])
	}
	return nil
}

// selfTop are the only top-level names an archive may hold.
var selfTop = map[string]bool{selfManifestName: true, selfStateName: true, selfAlertingDir: true, selfTSDBDir: true, selfConfigDir: true, SelfLedgerName: true}

// extractSelf writes the archive read from r under dir: only regular
// files and directories, only under the known top-level names, never
// outside dir. The manifest comes first.
func extractSelf(ctx context.Context, r io.Reader, dir string, out *SelfRestored) error {
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%w: empty archive", ErrSelfCorrupt)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if n >= maxSelfEntries {
			return fmt.Errorf("%w: over %d entries", ErrSelfCorrupt, maxSelfEntries)
		}
		name, err := selfEntryName(h.Name)
		if err != nil {
			return err
		}
		if n == 0 {
			if name != selfManifestName || h.Typeflag != tar.TypeReg || h.Size > maxSelfManifest {
				return fmt.Errorf("%w: the archive does not start with its manifest", ErrSelfCorrupt)
			}
			if err := json.NewDecoder(io.LimitReader(tr, maxSelfManifest)).Decode(&out.Manifest); err != nil {
				return fmt.Errorf("%w: manifest: %v", ErrSelfCorrupt, err)
			}
			if out.Manifest.Format != selfFormat {
				return fmt.Errorf("backups: snapshot format %d; this ward reads format %d", out.Manifest.Format, selfFormat)
			}
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				return err
			}
			if err := writeEntry(target, tr, h.Size); err != nil {
				return err
			}
			out.Files++
			out.Bytes += h.Size
			if strings.HasPrefix(name, selfConfigDir+"/") {
				out.ConfigFile = name
			}
		default:
			return fmt.Errorf("%w: %s is neither a file nor a directory", ErrSelfCorrupt, name)
		}
	}
}

// selfEntryName checks an archive path: relative, clean, under a known
// top-level name.
func selfEntryName(raw string) (string, error) {
	name := strings.TrimSuffix(raw, "/")
	if len(raw) > maxSelfNameLen || name == "" || path.IsAbs(name) || path.Clean(name) != name ||
		name == ".." || strings.HasPrefix(name, "../") || strings.ContainsAny(name, "\\\x00") {
		return "", fmt.Errorf("%w: bad path %q in the archive", ErrSelfCorrupt, raw)
	}
	top, _, _ := strings.Cut(name, "/")
	if !selfTop[top] {
		return "", fmt.Errorf("%w: unexpected path %q in the archive", ErrSelfCorrupt, raw)
	}
	return name, nil
}

func writeEntry(target string, r io.Reader, size int64) error {
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		return fmt.Errorf("%w: %s: %v", ErrSelfCorrupt, target, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
