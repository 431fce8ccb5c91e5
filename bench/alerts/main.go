// Command alerts is bench/alerts.sh's instrument: it measures end-to-end
// alert latency, from the moment a synthetic series crosses an alerting
// threshold to the moment a fake Slack incoming webhook receives the
// firing notification, for ward and for Debian's prometheus +
// prometheus-alertmanager configured the same way.
//
// One process plays both ends of the pipeline under test: the scrape
// target (a /metrics page of gauges it flips one at a time) and Slack
// (a webhook endpoint that timestamps each POST on arrival). Both clocks
// are the same process's monotonic clock, so a latency is one subtraction.
//
//	alerts freeport [-n N]                 print N free loopback TCP ports
//	alerts rules [-alerts N]               print the rule file both stacks load
//	alerts run -name N -target A -slack A  measure one running stack, write JSON
//	alerts report [-out F] W.json S.json   print the comparison, check the goals
//	alerts random -sd-file F -slack A …    both stacks side by side, random phases (random.go)
//	alerts random-report R.json…           print them, append figures to $WARD_BENCH_RESULTS
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/ward-monitoring/ward/bench/benchcli"
)

func main() { benchcli.Main("alerts", dispatch) }

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: alerts freeport | rules … | run … | report …")
	}
	switch args[0] {
	case "freeport":
		return freePorts(args[1:])
	case "rules":
		return rules(args[1:], os.Stdout)
	case "run":
		return run(ctx, args[1:])
	case "report":
		return report(args[1:], os.Stdout)
	case "random":
		return randomRun(ctx, args[1:])
	case "random-report":
		return randomReport(args[1:], os.Stdout)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// freePorts prints n distinct unused loopback ports, one a line. All n
// listeners are held open until every port is chosen, so the kernel does
// not hand out one port twice; another process could still take one
// before the caller binds it, a race acceptable on loopback in a benchmark.
func freePorts(args []string) error {
	fs := flag.NewFlagSet("freeport", flag.ContinueOnError)
	n := fs.Int("n", 1, "how many ports")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range *n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns = append(lns, ln)
	}
	for _, ln := range lns {
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	}
	return nil
}
