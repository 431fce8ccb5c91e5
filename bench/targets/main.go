// Command targets serves synthetic scrape targets for ward's benchmark
// (bench/run.sh): one process, N loopback ports, each a /metrics endpoint
// with a fixed set of series whose values move on every scrape.
//
// The exposition lines are rendered once at start; a scrape only appends
// those prefixes and the new numbers, so the server costs little CPU next
// to the scraper it feeds on the same machine. Bodies are not compressed,
// for the same reason.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "targets:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("targets", 50, "number of targets, each on its own port")
	series := flag.Int("series", 2000, "series per target")
	host := flag.String("host", "127.0.0.1", "address to listen on")
	addrFile := flag.String("addr-file", "", "write the targets' host:port addresses here, one per line, once all listen")
	flag.Parse()
	if *n < 1 {
		return errors.New("-targets must be at least 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var servers []*http.Server
	var addrs []string
	errc := make(chan error, *n)
	for i := range *n {
		t, err := NewTarget(*series, uint64(i))
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(*host, "0"))
		if err != nil {
			return err
		}
		srv := &http.Server{
			Handler:           metricsHandler(t),
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
		}
		servers = append(servers, srv)
		addrs = append(addrs, ln.Addr().String())
		go func() { errc <- srv.Serve(ln) }()
	}
	if *addrFile != "" {
		// Write then rename, so a reader never sees a partial list.
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(strings.Join(addrs, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "targets: serving %d targets x %d series on %s\n", *n, *series, *host)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// metricsHandler serves t at /metrics. Scrapes of one target are
// serialised; each sees new values.
func metricsHandler(t *Target) http.Handler {
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body := t.Render()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	})
	return mux
}
