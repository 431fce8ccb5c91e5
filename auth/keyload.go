package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Environment variables that supply the secret key instead of the key
// file in the data directory.
const (
	EnvSecretKey     = "WARD_SECRET_KEY"      // the key, hex or base64
	EnvSecretKeyFile = "WARD_SECRET_KEY_FILE" // a file holding it
)

// KeyFileName is the key file in the data directory.
const KeyFileName = "ward.key"

// keyCheckPlain is sealed under the key and stored, so a different key is
// recognised at start instead of failing later on every 2FA login.
var (
	keyCheckPlain = []byte("ward secret key check v1")
	keyCheckAD    = []byte("ward key check")
)

// KeySource says where the secret key comes from, in order of
// precedence: Value, then File, then DataDir/ward.key.
type KeySource struct {
	// Value is the key itself (WARD_SECRET_KEY).
	Value string
	// File is a key file named by WARD_SECRET_KEY_FILE or the
	// configuration; it must exist.
	File string
	// DataDir holds the default key file, created on first start.
	DataDir string
}

// KeySourceFromEnv builds a KeySource from the environment, a configured
// key file (may be empty) and the data directory.
func KeySourceFromEnv(getenv func(string) string, configuredFile, dataDir string) KeySource {
	src := KeySource{Value: getenv(EnvSecretKey), File: getenv(EnvSecretKeyFile), DataDir: dataDir}
	if src.File == "" {
		src.File = configuredFile
	}
	return src
}

// OpenKey loads the secret key and checks it against the database.
//
// On a fresh database it creates DataDir/ward.key (0600) when no key is
// given and records a check value. When the key is missing or different
// from the one the database knows, it returns ErrKeyMissing or
// ErrKeyMismatch, unless no user holds a secret sealed under the old key:
// then nothing is lost, and the new key replaces the old one (audited).
func OpenKey(st *storage.State, src KeySource, now func() time.Time, logger *slog.Logger) (*Key, error) {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	check, secrets, err := st.KeyCheck()
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	key, where, err := loadKey(src, logger)
	if errors.Is(err, ErrKeyMissing) && src.Value == "" && src.File == "" && (check == nil || !secrets) {
		key, err = generateKeyFile(where)
		if key != nil {
			key.file = where
		}
		if err == nil {
			logger.Info("created secret key file", "path", where)
		}
	}
	if errors.Is(err, ErrKeyMissing) {
		if src.File != "" {
			return nil, fmt.Errorf("%w: %s not found", ErrKeyMissing, where)
		}
		return nil, fmt.Errorf("%w: %s not found, and users' 2FA secrets are sealed under it; restore the key file, or reset 2FA of each user with `ward user reset-2fa NAME`", ErrKeyMissing, where)
	}
	if err != nil {
		return nil, err
	}
	rec := newRecord(now(), SystemActor, "", audit.ActionKeyInit, where, audit.Success, nil)
	if check != nil {
		if _, err := key.open(check, keyCheckAD); err == nil {
			return key, nil
		}
		if secrets {
			return nil, fmt.Errorf("%w (key from %s); use the original key, or reset 2FA of each user with `ward user reset-2fa NAME`", ErrKeyMismatch, where)
		}
		rec.Action = audit.ActionKeyReplace
	}
	if err := st.SetKeyCheck(key.seal(keyCheckPlain, keyCheckAD), rec); err != nil {
		if errors.Is(err, storage.ErrSecretsPresent) {
			return nil, fmt.Errorf("%w (key from %s)", ErrKeyMismatch, where)
		}
		return nil, fmt.Errorf("auth: %w", err)
	}
	return key, nil
}

// loadKey reads the key from src and says where it came from.
func loadKey(src KeySource, logger *slog.Logger) (*Key, string, error) {
	if src.Value != "" {
		k, err := ParseKey([]byte(src.Value))
		if err != nil {
			return nil, "$" + EnvSecretKey, fmt.Errorf("$%s: %w", EnvSecretKey, err)
		}
		return k, "$" + EnvSecretKey, nil
	}
	path := src.File
	if path == "" {
		if src.DataDir == "" {
			return nil, "", fmt.Errorf("%w: no key source", ErrKeyMissing)
		}
		if err := os.MkdirAll(src.DataDir, 0o700); err != nil {
			return nil, "", fmt.Errorf("auth: %w", err)
		}
		path = filepath.Join(src.DataDir, KeyFileName)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, path, ErrKeyMissing
	}
	if err != nil {
		return nil, path, fmt.Errorf("auth: read key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("secret key file is readable by others; chmod 600 it", "path", path, "mode", fi.Mode().Perm().String())
	}
	k, err := ParseKeyRing(b)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	k.file = path
	return k, path, nil
}
