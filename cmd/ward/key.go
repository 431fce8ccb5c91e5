package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/control"
)

const keyUsage = `Usage:
  ward key rotate [--config FILE]
      make a new secret key, re-seal every secret ward stores under it
      (TOTP secrets, pending enrolments, the key check, the audit chain's
      epoch keys), and drop the old key from the key file. The key file
      holds both keys only while the rotation runs. A rotation that was
      interrupted (a crash, kill -9) is finished by the next ward start or
      the next ward key rotate. Audited (key.rotate_start, key.rotate).
      While ward runs, the running ward rotates the key it holds (through
      its control socket); 2FA sign-ins keep working throughout.
      A key given in $WARD_SECRET_KEY cannot be rotated: ward cannot
      rewrite it (the error says how to move it to a file).

  ward key status [--config FILE]
      show the secret key's id, where it comes from and any rotation in
      progress. Ids identify keys without revealing them.
`

// keyCmd runs `ward key rotate` and `ward key status` (issue 14).
func keyCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "status") {
		fmt.Fprint(stderr, keyUsage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			return 0
		}
		return 2
	}
	sub := args[0]
	flags := newFlags("key "+sub, "ward key "+sub+" [--config FILE]", stderr)
	cfgFile := flags.String("config", "", "configuration file (default: the embedded default config)")
	if code, ok := parse(flags, args[1:]); !ok {
		return code
	}
	if flags.NArg() != 0 {
		fmt.Fprint(stderr, keyUsage)
		return 2
	}
	command := app.KeyStatus
	if sub == "rotate" {
		command = app.KeyRotate
	}
	resp, _, err := dispatch(context.Background(), *cfgFile, control.Request{Command: command}, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward key %s: %v\n", sub, err)
		return 1
	}
	fmt.Fprint(stdout, resp.Text)
	return 0
}
