package main

import (
	"fmt"
	"io"
)

// checkRun runs health checks once and prints a table.
func checkRun(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ward check run: not implemented yet")
	return 1
}
