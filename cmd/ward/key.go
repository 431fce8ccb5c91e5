package main

import (
	"fmt"
	"io"
)

// keyCmd runs key rotation (issue 14): ward key rotate.
func keyCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ward: not built yet: ward key rotate")
	return 2
}
