package main

import (
	"fmt"
	"io"
)

// backupSelfCmd runs the backup of ward itself (issue 14): ward backup self [--config FILE].
func backupSelfCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ward: not built yet: ward backup self [--config FILE]")
	return 2
}
