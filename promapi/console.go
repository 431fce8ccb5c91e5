package promapi

import "github.com/prometheus/prometheus/promql"

// NewConsoleEngine returns the engine the console's pages query through
// (the overview's tiles, the targets page): the query section's
// timeout, sample limit and lookback, but not the API's query slots, so
// that a busy Grafana never blanks the overview and the overview never
// takes a slot from Grafana. Its queries are ward's own, few per page.
func (e Engines) NewConsoleEngine() *promql.Engine {
	return promql.NewEngine(e.Options("console"))
}
