package main

import (
	"fmt"
	"io"
)

// restoreCmd runs restoring a backup of ward itself (issue 14): ward restore self --from SNAPSHOT --data DIR.
func restoreCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ward: not built yet: ward restore self --from SNAPSHOT --data DIR")
	return 2
}
