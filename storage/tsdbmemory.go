package storage

import "github.com/prometheus/prometheus/tsdb"

// headStripeSize is the number of lock stripes (each with two series
// maps) of the TSDB head. Prometheus' default, 16384, is sized for
// servers with dozens of cores ingesting millions of series; it costs
// 4-5 MB of heap before the first series, about a quarter of an idle
// ward's live heap (issue 15's profile). ward runs on a few cores:
// 4096 stripes still leave lock contention negligible (a stripe is held
// for one map operation), and at 100k series a stripe holds about 25.
const headStripeSize = 4096

// applyMemoryOptions sets the TSDB options ward chooses for memory.
func applyMemoryOptions(opts *tsdb.Options) {
	opts.StripeSize = headStripeSize
}
