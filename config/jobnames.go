package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// checkJobNames reports a job_name used twice in scrape_configs at the
// second use, with the first's line. Prometheus' loader refuses the same
// file with "found multiple scrape configs with job name", which names no
// line, and a long config holds many jobs.
func (c *checker) checkJobNames(doc *yaml.Node) {
	first := map[string]*yaml.Node{}
	scrapes := child(doc, "scrape_configs")
	if scrapes == nil || scrapes.Kind != yaml.SequenceNode {
		return
	}
	for i, sc := range scrapes.Content {
		name := child(sc, "job_name")
		if name == nil || name.Kind != yaml.ScalarNode {
			continue
		}
		if prev, dup := first[name.Value]; dup {
			c.report(name, fmt.Sprintf("scrape_configs[%d].job_name", i), "%q is already the name of the job at line %d", name.Value, prev.Line)
			continue
		}
		first[name.Value] = name
	}
}
