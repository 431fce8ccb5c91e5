package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/control"
)

const auditUsage = `Usage:
  ward audit verify [--config FILE] [--anchor SEQ:HASH]...
      check the audit trail for modified, deleted, inserted or reordered
      records, under the secret key ward serve uses (WARD_SECRET_KEY,
      WARD_SECRET_KEY_FILE, auth.secret_key_file or <data>/ward.key).
      While ward runs, the running ward checks it (through its control
      socket, <data>/control/ward.sock) under the key it holds.

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
	req := control.Request{Command: control.AuditVerify}
	for _, a := range anchors {
		req.Anchors = append(req.Anchors, a.String())
	}
	resp, _, err := dispatch(context.Background(), *cfgFile, req, stderr)
	if err != nil {
		return fail(err)
	}
	if resp.Audit == nil {
		return fail(errors.New("ward answered without a result"))
	}
	res := *resp.Audit
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
