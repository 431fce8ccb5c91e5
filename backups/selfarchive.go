package backups

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/common/version"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/storage"
)

// Names inside a self-backup archive, which restore puts back in the
// same places of the data directory (the configuration goes beside them,
// under selfConfigDir, for the operator to put back).
const (
	selfManifestName = "manifest.json"
	selfStateName    = "ward.db"
	selfAlertingDir  = "alerting"
	selfTSDBDir      = "tsdb"
	selfConfigDir    = "config-from-backup"
	// SelfLedgerName is the erasure ledger's copy, put where ward looks
	// for it by default (privacy.erasure_ledger unset).
	SelfLedgerName = "erasures.ledger"
	// selfFormat is the archive's layout version (manifest.format).
	selfFormat = 1
)

// SelfSource is what a backup of ward itself reads: ward's own state,
// taken consistently while ward runs (or while it is stopped).
type SelfSource struct {
	// State is the state database: copied in one read transaction.
	State *storage.State
	// TSDB is the metrics database: copied through its snapshot API,
	// the in-memory head included.
	TSDB *tsdb.DB
	// Alerting writes the alerting state into a directory through
	// Alertmanager's snapshot functions (alerting.Manager.WriteState).
	// Nil while no ward runs: the files of AlertingDir are copied, which
	// nothing changes then.
	Alerting    func(dir string) error
	AlertingDir string
	// AlertingFiles are the names to copy from AlertingDir.
	AlertingFiles []string
	// Ledger is the erasure ledger's path (config.LedgerPath): copied
	// after the state database, so the copy holds every erasure the
	// database copy does (an erasure's line is synced before it commits).
	// "" or a missing file: none is kept.
	Ledger string
	// ConfigFile is the configuration file ("" or the embedded
	// default's name: none is kept).
	ConfigFile string
	// Scratch is a directory on the data directory's file system: the
	// TSDB snapshot hard-links its blocks there for the time of the
	// backup.
	Scratch string
	Logger  *slog.Logger
}

// SelfManifest is the archive's first file: what it is and where from.
type SelfManifest struct {
	Format      int       `json:"format"`
	Created     time.Time `json:"created"`
	WardVersion string    `json:"ward_version"`
	Host        string    `json:"host,omitempty"`
	DataDir     string    `json:"data_dir,omitempty"`
	ConfigFile  string    `json:"config_file,omitempty"`
}

// selfCounts is what an archive holds.
type selfCounts struct {
	Files int
	Bytes int64
}

// writeSelfArchive writes the tar archive of src to w.
func writeSelfArchive(ctx context.Context, src SelfSource, dataDir string, now time.Time, w io.Writer) (selfCounts, error) {
	var c selfCounts
	tw := tar.NewWriter(w)
	host, _ := os.Hostname()
	man, err := json.MarshalIndent(SelfManifest{Format: selfFormat, Created: now.UTC(), WardVersion: version.Version,
		Host: host, DataDir: dataDir, ConfigFile: src.ConfigFile}, "", "  ")
	if err != nil {
		return c, err
	}
	if err := addBytes(tw, selfManifestName, man, now, &c); err != nil {
		return c, err
	}
	// bbolt: one read transaction, so the copy is one moment's database.
	if _, err := src.State.Snapshot(func(size int64) (io.Writer, error) {
		c.Files++
		c.Bytes += size
		return tw, tw.WriteHeader(&tar.Header{Name: selfStateName, Mode: 0o600, Size: size, ModTime: now, Typeflag: tar.TypeReg})
	}); err != nil {
		return c, fmt.Errorf("state database: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return c, err
	}
	if err := addLedger(tw, src.Ledger, &c); err != nil {
		return c, err
	}
	scratch, err := os.MkdirTemp(src.Scratch, "self-backup-")
	if err != nil {
		return c, fmt.Errorf("scratch: %w", err)
	}
	defer os.RemoveAll(scratch)
	if err := writeAlertingState(src, filepath.Join(scratch, selfAlertingDir)); err != nil {
		return c, err
	}
	if err := addTree(ctx, tw, filepath.Join(scratch, selfAlertingDir), selfAlertingDir, &c); err != nil {
		return c, err
	}
	if src.ConfigFile != "" {
		if err := addFile(tw, src.ConfigFile, selfConfigDir+"/"+filepath.Base(src.ConfigFile), &c); err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
	}
	snap := filepath.Join(scratch, selfTSDBDir)
	if err := src.TSDB.Snapshot(snap, true); err != nil {
		return c, fmt.Errorf("tsdb snapshot: %w", err)
	}
	if err := addTree(ctx, tw, snap, selfTSDBDir, &c); err != nil {
		return c, err
	}
	return c, tw.Close()
}

// addLedger adds the erasure ledger at path, if there is one.
func addLedger(tw *tar.Writer, path string, c *selfCounts) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil // no one erased yet
	}
	if err := addFile(tw, path, SelfLedgerName, c); err != nil {
		return fmt.Errorf("erasure ledger: %w", err)
	}
	return nil
}

// writeAlertingState puts the alerting state's files into dir.
func writeAlertingState(src SelfSource, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if src.Alerting != nil {
		return src.Alerting(dir)
	}
	for _, name := range src.AlertingFiles {
		// Each file is replaced whole by a rename when it changes, so a
		// copy is one version of it.
		b, err := os.ReadFile(filepath.Join(src.AlertingDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // never written: nothing to keep
		}
		if err != nil {
			return fmt.Errorf("alerting state: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func addBytes(tw *tar.Writer, name string, b []byte, now time.Time, c *selfCounts) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	c.Files++
	c.Bytes += int64(len(b))
	return err
}

// addFile adds the regular file at path as name.
func addFile(tw *tar.Writer, path, name string, c *selfCounts) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	// Exactly the size the header promised, even if the file grew.
	n, err := io.Copy(tw, io.LimitReader(f, fi.Size()))
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s shrank while it was copied", path)
	}
	c.Files++
	c.Bytes += n
	return err
}

// addTree adds every directory and regular file under root, named
// prefix/relative path.
func addTree(ctx context.Context, tw *tar.Writer, root, prefix string, c *selfCounts) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		name := prefix
		if rel != "." {
			name = prefix + "/" + filepath.ToSlash(rel)
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: name + "/", Mode: 0o700, Typeflag: tar.TypeDir})
		case d.Type().IsRegular():
			return addFile(tw, path, name, c)
		default:
			return fmt.Errorf("%s: not a regular file or directory", path)
		}
	})
}
