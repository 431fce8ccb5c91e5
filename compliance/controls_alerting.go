package compliance

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// Bounds of the receivers control.
const (
	deliveryWindow = 30 * 24 * time.Hour
	// deliveriesRead is how many of a receiver's newest attempts are
	// searched for a success (the history keeps 500 over all).
	deliveriesRead = 500
)

// integrations counts a receiver's integrations: its *_configs entries.
func integrations(r amconfig.Receiver) int {
	n := 0
	v := reflect.ValueOf(r)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Type().Field(i); strings.HasSuffix(f.Name, "Configs") && v.Field(i).Kind() == reflect.Slice {
			n += v.Field(i).Len()
		}
	}
	return n
}

// receivers are the receivers of cfg that send something.
func receivers(cfg *config.Config) map[string]amconfig.Receiver {
	out := map[string]amconfig.Receiver{}
	if cfg.Alerting == nil || cfg.Alerting.Alertmanager == nil {
		return out
	}
	for _, r := range cfg.Alerting.Alertmanager.Receivers {
		if integrations(r) > 0 {
			out[r.Name] = r
		}
	}
	return out
}

var deliveriesSource = Source{Kind: "delivery", Ref: "deliveries", URL: "/alerts"}

// checkReceivers: each receiver with an integration delivered a
// notification, or passed a test, in the last 30 days.
func checkReceivers(e *env) Result {
	threshold := "every receiver: a successful delivery or test within 30d"
	rcv := receivers(e.cfg)
	if len(rcv) == 0 {
		return failed("no receiver with an integration", threshold, "Alerts reach nobody: add a receiver with an integration under `alerting.receivers`.", configSource("alerting.receivers"))
	}
	var quiet []string
	for name := range rcv {
		ds, err := e.facts.Deliveries(name, deliveriesRead)
		if err != nil {
			return failed("", threshold, "reading deliveries: "+err.Error(), deliveriesSource)
		}
		ok := slices.ContainsFunc(ds, func(d storage.Delivery) bool {
			return d.Status == "success" && e.now.Sub(d.Time) <= deliveryWindow
		})
		if !ok {
			quiet = append(quiet, name)
		}
	}
	slices.Sort(quiet)
	value := fmt.Sprintf("%d of %d receivers delivered", len(rcv)-len(quiet), len(rcv))
	src := []Source{deliveriesSource, configSource("alerting.receivers")}
	if len(quiet) > 0 {
		return failed(value, threshold, "Nothing delivered for 30 days by "+names(quiet)+": send a test (POST /api/ward/receivers/NAME/test, or `amtool`).", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// checkWatchdog: the Watchdog rule is loaded and a route sends it to a
// receiver with an integration (a dead man's switch outside ward).
func checkWatchdog(e *env) Result {
	threshold := "the Watchdog loaded and routed to a receiver that sends"
	src := []Source{{Kind: "config", Ref: "rules", URL: "/rules"}, configSource("alerting.route"), {Kind: "config", Ref: "runbook", URL: "/runbooks/Watchdog"}}
	if !slices.Contains(e.facts.AlertRules(), alerting.Watchdog) {
		return failed("Watchdog not loaded", threshold, "Enable the built-in rules (`rules.builtin`) and keep Watchdog out of `rules.disable` (see [/rules](/rules)).", src...)
	}
	if e.cfg.Alerting == nil || e.cfg.Alerting.Alertmanager == nil {
		return failed("no alerting section", threshold, "Configure alerting and route alertname=Watchdog to a heartbeat receiver.", src...)
	}
	to := alerting.WatchdogReceivers(e.cfg.Alerting.Alertmanager.Route)
	real := receivers(e.cfg)
	var sending []string
	for _, r := range to {
		if _, ok := real[r]; ok {
			sending = append(sending, r)
		}
	}
	value := "routed to " + names(to)
	if len(sending) == 0 {
		return failed(value, threshold, "Route alertname=\"Watchdog\" to a heartbeat receiver (a webhook to an outside dead man's switch): see [Dead man's switch](/docs#dead-mans-switch).", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
