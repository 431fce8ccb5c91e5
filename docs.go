// Package ward holds ward's own documentation, compiled into the binary
// so the console can serve it on a host without internet access (the
// links of empty pages and tiles open it at /docs).
package ward

import _ "embed"

// README is README.md.
//
//go:embed README.md
var README []byte

// ExampleConfig is config.example.yaml, the annotated configuration.
//
//go:embed config.example.yaml
var ExampleConfig []byte
