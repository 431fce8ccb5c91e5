// Command measure is bench/run.sh's instrument: it measures one running
// Prometheus-compatible server (CPU and memory from /proc, ingestion from
// the server's own /metrics, query latency through /api/v1/query_range)
// and compares the results of several servers.
//
//	measure freeport                      print a free loopback TCP port
//	measure run -name N -pid P -url U …   measure one server, write JSON
//	measure report [-out F] A.json B.json print the comparison table
package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/ward-monitoring/ward/bench/benchcli"
)

func main() { benchcli.Main("measure", dispatch) }

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: measure freeport | run … | report …")
	}
	switch args[0] {
	case "freeport":
		port, err := freePort()
		if err != nil {
			return err
		}
		fmt.Println(port)
		return nil
	case "run":
		return runPhase(ctx, args[1:])
	case "report":
		return report(args[1:], os.Stdout)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// freePort asks the kernel for an unused loopback port. Another process
// could take it before the caller binds it; on loopback in a benchmark
// that race is acceptable.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
