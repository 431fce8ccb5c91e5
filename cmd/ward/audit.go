package main

import (
	"fmt"
	"io"
	"time"
)

// auditCmd runs `ward audit verify [--config FILE]`: it checks the audit
// trail's hash chain and names the first bad record.
func auditCmd(args []string, stdout, stderr io.Writer) int {
	const usage = "Usage:\n  ward audit verify [--config FILE]   check the audit trail for modified, deleted, inserted or reordered records\n"
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, usage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			return 0
		}
		return 2
	}
	fs := newFlags("audit verify", "ward audit verify [--config FILE]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	st, _, err := openState(*cfgFile)
	if err != nil {
		fmt.Fprintf(stderr, "ward audit verify: %v\n", err)
		return 1
	}
	defer st.Close()
	res, err := st.VerifyAudit(time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "ward audit verify: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, res)
	if !res.Valid {
		return 1
	}
	return 0
}
