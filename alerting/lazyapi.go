package alerting

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/alertmanager/api"
	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/common/route"
)

// lazyAPI is Alertmanager's v2 API (and its Connect API), built on the
// first request rather than at start. Building it parses and analyses
// Alertmanager's embedded OpenAPI (swagger) description: about 6 MB
// allocated and 2.5 MB of heap kept for the process's life (issue 15),
// in every ward, though only amtool, Grafana's Alertmanager datasource
// and ward's own silence forms call it. The first request pays the build
// (BenchmarkLazyAPIFirstRequest); configuration updates that arrive
// before it are kept and applied when it is built.
type lazyAPI struct {
	opts   api.Options
	logger *slog.Logger

	mu      sync.Mutex
	api     *api.API
	handler http.Handler
	err     error
	conf    *amconfig.Config
	mutes   func(context.Context, labelset.LabelSet)
	closed  bool
}

var _ http.Handler = (*lazyAPI)(nil)

func newLazyAPI(o api.Options, logger *slog.Logger) *lazyAPI {
	return &lazyAPI{opts: o, logger: logger}
}

// built returns the API's handler, building the API on the first call.
// A failed build is not retried: its options never change, so it would
// fail again (and it registered metrics halfway).
func (l *lazyAPI) built() (http.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.handler != nil || l.err != nil {
		return l.handler, l.err
	}
	a, err := api.New(l.opts)
	if err != nil {
		l.err = err
		l.logger.Error("building Alertmanager's API", "err", err)
		return nil, err
	}
	if l.conf != nil {
		a.Update(l.conf, l.mutes)
	}
	if l.closed {
		a.Shutdown()
	}
	l.api, l.handler = a, a.Register(route.New(), "/")
	return l.handler, nil
}

// ServeHTTP serves /api/v2/... (and the Connect API), building the API
// first if no request has yet.
func (l *lazyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.built()
	if err != nil {
		http.Error(w, "Alertmanager's API is unavailable; see ward's log", http.StatusInternalServerError)
		return
	}
	h.ServeHTTP(w, r)
}

// Update hands the API a new configuration and the function that marks
// alerts muted, now if it is built, else when it is.
func (l *lazyAPI) Update(conf *amconfig.Config, mutes func(context.Context, labelset.LabelSet)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conf, l.mutes = conf, mutes
	if l.api != nil {
		l.api.Update(conf, mutes)
	}
}

// Shutdown ends the API's Connect RPCs, if it was ever built.
func (l *lazyAPI) Shutdown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.api != nil {
		l.api.Shutdown()
	}
}
