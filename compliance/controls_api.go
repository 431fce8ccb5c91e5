package compliance

import "fmt"

// checkRateLimits: every API route of the route table is under a limit
// class with a limit in force.
func checkRateLimits(e *env) Result {
	var api int
	var open []string
	for _, r := range e.facts.Routes() {
		if !r.API {
			continue
		}
		api++
		if r.Class == "" || r.Class == "unlimited" || r.Policy == "" {
			open = append(open, r.Pattern)
		}
	}
	threshold := "100% of API routes"
	src := []Source{{Kind: "route", Ref: "route table", URL: "/admin/limits"}, configSource("limits")}
	if api == 0 {
		return failed("no API routes", threshold, "The route table lists no API route: ward's build is broken.", src...)
	}
	value := fmt.Sprintf("%d of %d API routes limited", api-len(open), api)
	if len(open) > 0 {
		return failed(value, threshold, "Without a limit: "+names(open)+".", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
