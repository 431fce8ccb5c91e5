package main

import (
	"fmt"
	"io"
)

// complianceCmd runs compliance report and verify (issue 14): ward compliance report --out FILE.zip | ward compliance verify FILE.zip.
func complianceCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ward: not built yet: ward compliance report --out FILE.zip | ward compliance verify FILE.zip")
	return 2
}
