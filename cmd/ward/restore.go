package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ward-monitoring/ward/app"
)

const restoreUsage = `Usage:
  ward restore self --from SNAPSHOT --data DIR [--config FILE] [--key-file F] [--s3-check NAME]

Restores a snapshot of ward itself (ward backup self) into DIR, which must
be empty or missing: it never overwrites a data directory. SNAPSHOT is a
snapshot file, or a directory or s3://BUCKET/PREFIX whose newest snapshot
is restored. Every part of the snapshot is authenticated before it is used:
a modified or truncated snapshot is refused and DIR stays empty.

The key is the one of the ward that made the snapshot, from the same
sources as ward serve: WARD_SECRET_KEY, WARD_SECRET_KEY_FILE,
auth.secret_key_file of --config, or --key-file (over the last two). When
no setting names a key file, the key is copied to DIR/ward.key.

Erasures (the erasure ledger) are carried over: the snapshot holds the
ledger as it was, and the current ledger (privacy.erasure_ledger of
--config, or its storage.path's erasures.ledger) is merged into
DIR/erasures.ledger, so that ward re-applies at start every erasure made
after the snapshot. Without a current ledger the command warns.

The restored trail gets a restore.self audit record. The backed-up
configuration file is put in DIR/config-from-backup/: review it (its
storage.path names the old data directory) and start ward on DIR.
`

// restoreCmd runs `ward restore self` (issue 14).
func restoreCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "self" {
		fmt.Fprint(stderr, restoreUsage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			return 0
		}
		return 2
	}
	flags := newFlags("restore self", "ward restore self --from SNAPSHOT --data DIR", stderr)
	flags.Usage = func() { fmt.Fprint(stderr, restoreUsage) }
	o := app.SelfRestore{Actor: cliActor()}
	flags.StringVar(&o.ConfigFile, "config", "", "configuration file (key sources, S3 checks)")
	flags.StringVar(&o.From, "from", "", "snapshot file, directory or s3://bucket/prefix")
	flags.StringVar(&o.DataDir, "data", "", "the empty data directory to restore into")
	flags.StringVar(&o.KeyFile, "key-file", "", "the secret key file of the ward that made the snapshot")
	flags.StringVar(&o.S3Check, "s3-check", "", "the S3 check whose settings reach the bucket")
	if code, ok := parse(flags, args[1:]); !ok {
		return code
	}
	if flags.NArg() != 0 || o.From == "" || o.DataDir == "" {
		fmt.Fprint(stderr, restoreUsage)
		return 2
	}
	if abs, err := filepath.Abs(o.DataDir); err == nil {
		o.DataDir = abs
	}
	if abs, err := filepath.Abs(o.From); err == nil && !strings.HasPrefix(o.From, "s3://") {
		o.From = abs
	}
	res, err := app.RestoreSelf(context.Background(), o, cliLogger(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "ward restore self: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s (made %s by ward %s on %s) into %s: %d files, %d bytes\n",
		res.Name, res.Manifest.Created.Format("2006-01-02 15:04:05Z07:00"), res.Manifest.WardVersion, res.Manifest.Host, o.DataDir, res.Files, res.Bytes)
	fmt.Fprintf(stdout, "audit chain: %d records verify under the key from %s\n", res.Audit.Records, res.KeyFrom)
	if res.KeyCopied != "" {
		fmt.Fprintf(stdout, "key copied to %s\n", res.KeyCopied)
	}
	if res.ConfigFile != "" {
		fmt.Fprintf(stdout, "backed-up configuration: %s (review storage.path before use)\n", res.ConfigFile)
	}
	printLedger(stdout, stderr, res.Ledger)
	return 0
}

// printLedger says what the restore did with the erasure ledger, and
// warns when erasures made after the snapshot may be lost.
func printLedger(stdout, stderr io.Writer, l app.SelfRestoreLedger) {
	if l.Found {
		fmt.Fprintf(stdout, "erasure ledger: %d erasures from %s added to %s\n", l.Merged, l.Current, l.Restored)
	}
	fmt.Fprintf(stdout, "erasures: %d in the restored ledger; %d that the restored database predates will be re-applied when ward starts on it\n", l.Entries, l.Reapply)
	if !l.Found {
		fmt.Fprintf(stderr, "\nWARNING: %s.\n"+
			"  Erasures made after this snapshot was taken are unknown to the restored ward: people erased since then\n"+
			"  come back when it starts. Give --config with the privacy.erasure_ledger (or storage.path) of the ward\n"+
			"  being replaced, or append the lines of its ledger to %s, before starting ward.\n"+
			"  Ignore this only if no one was erased after the snapshot was taken.\n\n", l.Warning, l.Restored)
	}
}
