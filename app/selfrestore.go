package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// SelfRestore is `ward restore self`.
type SelfRestore struct {
	// ConfigFile is read for the key's sources (auth.secret_key_file)
	// and the S3 checks an s3:// snapshot is read with; "" is the
	// embedded default.
	ConfigFile string
	// From is a snapshot file or object, or a directory or s3:// prefix
	// whose newest snapshot is restored.
	From string
	// DataDir is the empty (or missing) data directory to restore into.
	DataDir string
	// KeyFile, when set, is the key file (over auth.secret_key_file and
	// the configured data directory's ward.key; WARD_SECRET_KEY still
	// comes first, as for `ward serve`).
	KeyFile string
	S3Check string
	// Actor names who restores in the restored audit trail (cli:<user>).
	Actor string
}

// SelfRestoreResult is what RestoreSelf did.
type SelfRestoreResult struct {
	backups.SelfRestored
	// KeyFrom says where the key came from; KeyCopied is set when it was
	// copied into the data directory (as ward.key), where `ward serve`
	// looks for it when nothing else names one.
	KeyFrom   string
	KeyCopied string
	// Audit is the restored trail's verification, before the restore's
	// own record was appended.
	Audit audit.Result
	// Ledger is what was done with the erasure ledger.
	Ledger SelfRestoreLedger
}

// RestoreSelf restores a self-backup into an empty data directory,
// checks the restored state against the key, verifies its audit chain
// and appends the restore's record (restore.self) to it.
func RestoreSelf(ctx context.Context, o SelfRestore, logger *slog.Logger) (SelfRestoreResult, error) {
	var out SelfRestoreResult
	cfg, err := config.LoadFileOrDefault(o.ConfigFile)
	if err != nil {
		return out, err
	}
	if o.DataDir == "" || !filepath.IsAbs(o.DataDir) {
		return out, fmt.Errorf("--data: want an absolute path, got %q", o.DataDir)
	}
	src := keySource(cfg)
	if o.KeyFile != "" {
		src.File = o.KeyFile
	}
	key, from, err := readKey(src)
	if err != nil {
		return out, fmt.Errorf("secret key (the key of the ward that made the snapshot; it is not in the snapshot): %w", err)
	}
	out.KeyFrom = from
	// Read before the restore: the target may be where --config keeps it.
	var current []storage.ErasureEntry
	if out.Ledger, current, err = currentLedger(cfg, o.DataDir); err != nil {
		return out, err
	}
	dest, name := backups.SplitSelfSnapshot(o.From)
	sd, err := backups.ParseSelfDest(dest, o.S3Check, cfg.Checks, os.TempDir())
	if err != nil {
		return out, fmt.Errorf("--from: %w", err)
	}
	if out.SelfRestored, err = backups.RestoreSelf(ctx, sd, name, key, o.DataDir); err != nil {
		return out, err
	}
	// `ward serve` on the restored directory finds the key where it
	// looks when nothing names one: a copy of the file read here.
	if src.Value == "" && os.Getenv(auth.EnvSecretKeyFile) == "" && cfg.Auth.SecretKeyFile == "" {
		b, err := os.ReadFile(from)
		if err != nil {
			return out, err
		}
		out.KeyCopied = filepath.Join(o.DataDir, auth.KeyFileName)
		if err := os.WriteFile(out.KeyCopied, b, 0o600); err != nil {
			return out, err
		}
	}
	keySrc := auth.KeySource{Value: src.Value, File: from, DataDir: o.DataDir}
	if src.Value != "" {
		keySrc.File = ""
	}
	st, err := storage.OpenState(filepath.Join(o.DataDir, stateFile))
	if err != nil {
		return out, err
	}
	defer st.Close()
	if _, err := openKeyFrom(st, keySrc, logger); err != nil {
		return out, err
	}
	if out.Audit, err = st.VerifyAudit(time.Now()); err != nil {
		return out, err
	}
	if err := mergeLedger(&out.Ledger, current, st); err != nil {
		return out, fmt.Errorf("erasure ledger: %w", err)
	}
	rec := audit.Record{Time: time.Now(), Actor: o.Actor, ActorIP: "local", Action: audit.ActionSelfRestore, Target: o.From,
		Outcome: audit.Success, Details: map[string]string{"snapshot": out.Name, "created": out.Manifest.Created.Format(time.RFC3339),
			"data_dir": o.DataDir, "files": fmt.Sprint(out.Files),
			"erasures_merged": fmt.Sprint(out.Ledger.Merged), "erasures_to_reapply": fmt.Sprint(out.Ledger.Reapply)}}
	if !out.Ledger.Found {
		rec.Details["erasure_ledger"] = out.Ledger.Warning
	}
	if !out.Audit.Valid {
		rec.Details["audit_chain"] = fmt.Sprintf("broken at record %d: %s", out.Audit.FirstBad, out.Audit.Problem)
	}
	if err := st.AppendAudit(rec); err != nil {
		return out, fmt.Errorf("audit record: %w", err)
	}
	if !out.Audit.Valid {
		return out, errors.New("restored, but the audit chain in the snapshot does not verify: " + rec.Details["audit_chain"])
	}
	return out, nil
}

// openKeyFrom is openKey with an explicit source: the key is checked
// against the database and the state gets its audit keys.
func openKeyFrom(st *storage.State, src auth.KeySource, logger *slog.Logger) (*auth.Key, error) {
	key, err := auth.OpenKey(st, src, nil, logger)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	// The chain's epochs, as `ward serve` opens them: records from before
	// a key rotation verify under the epoch keys kept sealed under key.
	rep, err := st.OpenAuditKeys(key, time.Now())
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	reportAuditKey(logger, rep)
	return key, nil
}
