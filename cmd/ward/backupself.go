package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/control"
)

const backupSelfUsage = `Usage:
  ward backup self [--config FILE] [--to DIR|s3://BUCKET/PREFIX] [--s3-check NAME]
  ward backup self [--config FILE] [--job NAME] [--test]

Takes a consistent snapshot of ward itself: the state database (users,
tokens, the audit trail, backup history), the metrics (TSDB, in-memory
head included), the alerting state (silences, notification log, pending
alerts) and the configuration file, as one archive encrypted and
authenticated under ward's secret key. The key is not in the snapshot:
keep it (WARD_SECRET_KEY, or the key file) elsewhere. While ward runs,
the running ward takes the snapshot (through its control socket).

  --to DIR|s3://BUCKET/PREFIX   where the snapshot goes; an S3 bucket is
                                reached with the settings (endpoint, region,
                                credentials, TLS) of an S3 check of that
                                bucket, or of --s3-check
  --job NAME                    without --to: run the self-backup job NAME
                                of backups.jobs now (default: the only one),
                                recorded in its history and metrics
  --test                        restore the job's newest snapshot into a
                                scratch directory and check it (a restore
                                test, recorded as the job's drill)

Restore with: ward restore self --from SNAPSHOT --data DIR
`

// backupSelfCmd runs the backup of ward itself (issue 14).
func backupSelfCmd(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("backup self", "ward backup self [--config FILE] [--to DIR|s3://BUCKET/PREFIX] [--job NAME] [--test]", stderr)
	flags.Usage = func() { fmt.Fprint(stderr, backupSelfUsage) }
	cfgFile := flags.String("config", "", "configuration file (default: the embedded default config)")
	to := flags.String("to", "", "destination: an absolute directory or s3://bucket/prefix")
	s3Check := flags.String("s3-check", "", "the S3 check whose settings reach the bucket")
	job := flags.String("job", "", "the self-backup job to run")
	test := flags.Bool("test", false, "run the job's restore test instead")
	if code, ok := parse(flags, args); !ok {
		return code
	}
	if flags.NArg() != 0 || (*test && *to != "") || (*job != "" && *to != "") {
		fmt.Fprint(stderr, backupSelfUsage)
		return 2
	}
	req := control.Request{Command: app.OpSelfBackup, Args: map[string]string{"to": *to, "s3_check": *s3Check, "job": *job}}
	if *test {
		req = control.Request{Command: app.OpSelfTest, Args: map[string]string{"job": *job}}
	}
	resp, _, err := dispatch(context.Background(), *cfgFile, req, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward backup self: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, resp.Text)
	return 0
}
