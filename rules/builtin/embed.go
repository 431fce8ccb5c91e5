// Package builtin owns ward's built-in Prometheus rule pack: the alerting and
// recording rules for hosts, PostgreSQL, the web application and ward itself
// that every installation gets without writing a rule file.
//
// The rule files are plain Prometheus rule files, one per concern, so they can
// be checked and unit-tested with promtool (see tests/) as well as loaded by
// ward's embedded rule manager. Their runbooks are in runbooks.md.
package builtin

import "embed"

// FS holds the built-in rule files at its root (*.yml).
//
//go:embed *.yml
var FS embed.FS

// InhibitRules is the pack's Alertmanager inhibit rules (an
// `inhibit_rules:` document), which ward adds to the config's own while
// the pack is enabled.
//
//go:embed inhibit_rules.yaml
var InhibitRules []byte

// Runbooks is runbooks.md: one "## AlertName" section per built-in
// alert, which ward serves at /runbooks/AlertName.
//
//go:embed runbooks.md
var Runbooks []byte
