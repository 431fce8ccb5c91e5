// Package axecore embeds axe-core, Deque's accessibility engine (npm
// axe-core, MPL-2.0, see LICENSE and VERSION; scripts/vendor-npm.sh
// fetches it). Only the browser tests use it: ward never serves it.
package axecore

import _ "embed"

// Source is axe.min.js.
//
//go:embed axe.min.js
var Source string
