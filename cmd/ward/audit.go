package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

const auditUsage = `Usage:
  ward audit verify [--config FILE] [--anchor SEQ:HASH]...
      check the audit trail for modified, deleted, inserted or reordered
      records, under the secret key ward serve uses (WARD_SECRET_KEY,
      WARD_SECRET_KEY_FILE, auth.secret_key_file or <data>/ward.key)

  --anchor SEQ:HASH   a chain head kept outside this host (ward logs one
                      every hour and at shutdown: "audit chain head ...
                      anchor=SEQ:HASH"); repeatable. Whoever holds both
                      ward.db and the secret key can rewrite and re-seal
                      the chain so that it verifies on its own, but not so
                      that it matches an older head. v1:SEQ:HASH is a head
                      taken before the upgrade to keyed sealing.

Exit status 0: OK; 1: BROKEN, or the chain could not be checked.
`

// auditCmd runs `ward audit verify`: it checks the audit trail's keyed
// hash chain and any external anchors, names the first bad record, and
// changes nothing (it never creates or replaces the key and never
// re-seals).
func auditCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			return 0
		}
		return 2
	}
	flags := newFlags("audit verify", "ward audit verify [--config FILE] [--anchor SEQ:HASH]...", stderr)
	cfgFile := flags.String("config", "", "configuration file (default: the embedded default config)")
	var anchors []audit.External
	flags.Func("anchor", "`SEQ:HASH` of a chain head kept outside this host, as ward logs it (repeatable; v1:SEQ:HASH for one taken before keyed sealing)", func(s string) error {
		a, err := audit.ParseExternal(s)
		if err == nil {
			anchors = append(anchors, a)
		}
		return err
	})
	if code, ok := parse(flags, args[1:]); !ok {
		return code
	}
	if flags.NArg() != 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "ward audit verify: cannot verify: %v\n", err)
		return 1
	}
	st, cfg, err := openStateFile(*cfgFile)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	key, where, err := readSecretKey(cfg)
	if err != nil {
		return fail(fmt.Errorf("secret key: %w", err))
	}
	ak, err := key.Derive(audit.KeyPurpose)
	if err != nil {
		return fail(err)
	}
	res, err := st.VerifyAuditWith(ak, time.Now(), anchors...)
	if errors.Is(err, storage.ErrAuditKeyMismatch) {
		return fail(fmt.Errorf("the secret key from %s is not the one the audit trail is sealed with, or the key id stored with the trail was altered; run with the key `ward serve` uses", where))
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, res)
	for _, a := range res.Anchors {
		switch {
		case a.How == "":
			fmt.Fprintf(stdout, "  anchor %s: not checked (the chain broke first)\n", a.Anchor)
		case a.OK:
			fmt.Fprintf(stdout, "  anchor %s: OK, %s\n", a.Anchor, a.How)
		default:
			fmt.Fprintf(stdout, "  anchor %s: BROKEN, %s\n", a.Anchor, a.How)
		}
	}
	if !res.Valid {
		return 1
	}
	if len(anchors) == 0 {
		fmt.Fprintln(stdout, "  no --anchor given: a chain rewritten and re-sealed by someone holding the secret key would also pass; check against a head kept elsewhere with --anchor SEQ:HASH")
	}
	return 0
}

// keyAudit loads the secret key exactly as `ward serve` does
// (auth.OpenKey: the same sources, checked against the database, created
// on a fresh install) and gives the state its audit key before the
// command appends anything, so the records a command-line change writes
// are sealed like the server's.
func keyAudit(st *storage.State, cfg *config.Config, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	src := auth.KeySourceFromEnv(os.Getenv, cfg.Auth.SecretKeyFile, cfg.Storage.Path)
	key, err := auth.OpenKey(st, src, nil, logger)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	ak, err := key.Derive(audit.KeyPurpose)
	if err != nil {
		return err
	}
	rep, err := st.SetAuditKey(ak, time.Now())
	if err != nil {
		return err
	}
	if rep.Migrated > 0 {
		logger.Warn("audit chain re-sealed under the secret key (one-time upgrade)", "records", rep.Migrated, "old_head", rep.OldHead.String())
	}
	if r := rep.LegacyBroken; r != nil {
		logger.Error("audit chain from before the upgrade does not verify, so it was NOT re-sealed; run `ward audit verify`", "first_bad", r.FirstBad, "problem", r.Problem)
	}
	if rep.KeyChanged {
		logger.Error("audit chain was sealed under a different secret key: records sealed under the old key can no longer be verified")
	}
	return nil
}

// readSecretKey reads the secret key from where `ward serve` would
// (WARD_SECRET_KEY, then WARD_SECRET_KEY_FILE or auth.secret_key_file,
// then <data>/ward.key) without creating or replacing it: verifying must
// change nothing. It says where the key came from.
func readSecretKey(cfg *config.Config) (*auth.Key, string, error) {
	src := auth.KeySourceFromEnv(os.Getenv, cfg.Auth.SecretKeyFile, cfg.Storage.Path)
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
	k, err := auth.ParseKey(b)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return k, path, nil
}
