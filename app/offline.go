package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// stateFile is the state database's file name in the data directory.
const stateFile = "ward.db"

// StatePath is where the state database of cfg lives: users, sessions,
// tokens and the audit trail.
func StatePath(cfg *config.Config) string {
	return filepath.Join(cfg.Storage.Path, stateFile)
}

// Offline is ward's state opened by a command that runs while `ward
// serve` is stopped (ward user, ward token, ward audit verify; while it
// runs they go through its control socket). Close releases the database.
type Offline struct {
	Config *config.Config
	State  *storage.State
	Key    *auth.Key
	// KeyFrom says where the key came from (OpenOfflineReadOnly only).
	KeyFrom string
	// Auth is the identity service, built from the configured auth
	// section as `ward serve` builds it (OpenOffline only).
	Auth *auth.Service
	// resumed is the interrupted key rotation opening finished, if any
	// (keys.go).
	resumed *auth.RotateReport
	// rotateStep is called after each step of a key rotation (crash
	// tests stop the process there); nil in production.
	rotateStep func(step string)
}

// OpenOffline loads cfgFile (empty: the embedded default), opens the
// state database and loads the secret key exactly as `ward serve` does
// (the same sources, checked against the database, created on a fresh
// install), hands the state its audit key, so that the records a command
// appends are sealed like the server's, and builds the identity service
// with the configured auth section.
func OpenOffline(cfgFile string, logger *slog.Logger) (_ *Offline, err error) {
	o, err := openOfflineState(cfgFile)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			o.State.Close()
		}
	}()
	if o.Key, o.resumed, err = openKey(o.State, o.Config, logger); err != nil {
		return nil, err
	}
	if o.Auth, err = auth.New(o.State, o.Config.Auth, auth.Options{Key: o.Key, Logger: logger}); err != nil {
		return nil, err
	}
	return o, nil
}

// OpenOfflineReadOnly opens the state database and reads the secret key
// from where `ward serve` would, changing nothing: the key is neither
// created nor replaced and the audit chain is not re-sealed, as `ward
// audit verify` needs. It builds no identity service.
func OpenOfflineReadOnly(cfgFile string) (_ *Offline, err error) {
	o, err := openOfflineState(cfgFile)
	if err != nil {
		return nil, err
	}
	if o.Key, o.KeyFrom, err = readKey(keySource(o.Config)); err != nil {
		o.State.Close()
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return o, nil
}

// Close closes the state database.
func (o *Offline) Close() error { return o.State.Close() }

// openOfflineState loads the configuration and opens the state database,
// saying clearly when a running ward holds it.
func openOfflineState(cfgFile string) (*Offline, error) {
	cfg, err := config.LoadFileOrDefault(cfgFile)
	if err != nil {
		return nil, err
	}
	path := StatePath(cfg)
	st, err := storage.OpenState(path)
	if errors.Is(err, storage.ErrLocked) {
		return nil, fmt.Errorf("database in use: %s is held by a running ward that does not answer on its control socket %s (its log says why); stop `ward serve` first",
			path, control.SocketPath(cfg.Storage.Path))
	}
	if err != nil {
		return nil, err
	}
	return &Offline{Config: cfg, State: st}, nil
}

// keySource is where every ward command takes the secret key from:
// WARD_SECRET_KEY, then WARD_SECRET_KEY_FILE or auth.secret_key_file,
// then <data>/ward.key.
func keySource(cfg *config.Config) auth.KeySource {
	return auth.KeySourceFromEnv(os.Getenv, cfg.Auth.SecretKeyFile, cfg.Storage.Path)
}

// openKey loads the secret key (auth.OpenKey: checked against the
// database, created on a fresh install) and gives st its audit keys
// before anything else is appended: records from then on are sealed under
// the key, and the key.init record OpenKey may have appended is
// re-sealed. Then it finishes a key rotation that was interrupted
// (keys.go), so that every start, and every command that opens the
// database, leaves no rotation half done.
func openKey(st *storage.State, cfg *config.Config, logger *slog.Logger) (*auth.Key, *auth.RotateReport, error) {
	key, err := auth.OpenKey(st, keySource(cfg), nil, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("secret key: %w", err)
	}
	rep, err := st.OpenAuditKeys(key, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	reportAuditKey(logger, rep)
	resumed, err := resumeRotation(st, key, logger)
	if err != nil {
		return nil, nil, err
	}
	if err := startPrivacy(st, cfg, logger); err != nil { // issue 14
		return nil, nil, fmt.Errorf("privacy: %w", err)
	}
	return key, resumed, nil
}

// reportAuditKey logs what handing the audit key to the state did to
// the chain.
func reportAuditKey(logger *slog.Logger, rep storage.AuditKeyReport) {
	if rep.Migrated > 0 {
		logger.Warn("audit chain re-sealed under the secret key (one-time upgrade from unkeyed SHA-256); an audit.migrate record names the old head",
			"records", rep.Migrated, "old_head", rep.OldHead.String())
	}
	if r := rep.LegacyBroken; r != nil {
		logger.Error("audit chain from before the upgrade does not verify, so it was NOT re-sealed under the secret key: it stays reported as broken",
			"first_bad", r.FirstBad, "problem", r.Problem)
	}
	if rep.KeyChanged {
		logger.Error("audit chain was sealed under a different secret key: records sealed under the old key can no longer be verified")
	}
}

// readKey reads the secret key from src without creating it, and says
// where it came from. auth.OpenKey reads the same sources, but creates a
// missing key file and records the key in the database.
func readKey(src auth.KeySource) (*auth.Key, string, error) {
	if src.Value != "" {
		where := "$" + auth.EnvSecretKey
		k, err := auth.ParseKey([]byte(src.Value))
		if err != nil {
			return nil, where, fmt.Errorf("%s: %w", where, err)
		}
		return k, where, nil
	}
	path := src.File
	if path == "" {
		path = filepath.Join(src.DataDir, auth.KeyFileName)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, path, fmt.Errorf("%w: %s not found", auth.ErrKeyMissing, path)
	}
	if err != nil {
		return nil, path, err
	}
	k, err := auth.ParseKeyRing(b)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return k, path, nil
}
