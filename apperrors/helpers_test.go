package apperrors

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

type fixture struct {
	svc *Service
	st  *storage.State
	reg *prometheus.Registry
	dir string // the data directory: state database and errors/
	now time.Time
	cfg config.Errors
}

func newFixture(tb testing.TB, edit ...func(*config.Errors)) *fixture {
	tb.Helper()
	dir := tb.TempDir()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := &fixture{st: st, reg: prometheus.NewRegistry(), dir: dir, now: t0}
	svc, err := New(Options{State: st, Registerer: f.reg, Dir: filepath.Join(dir, "errors"), Now: func() time.Time { return f.now }})
	if err != nil {
		tb.Fatal(err)
	}
	f.svc = svc
	f.cfg = config.DefaultErrors()
	f.cfg.Projects = []config.ErrorProject{{ID: "1", Name: "shop", Keys: []string{"k1"}}, {ID: "2", Name: "raw", Keys: []string{"k2"}, Scrub: new(bool)}}
	for _, e := range edit {
		e(&f.cfg)
	}
	if err := svc.Apply(f.cfg); err != nil {
		tb.Fatal(err)
	}
	return f
}

// ingest accepts events (maps or JSON text) for project and processes
// them as the worker would: Accept waits for its events to be stored,
// so it runs beside this goroutine's drain.
func (f *fixture) ingest(tb testing.TB, project string, at time.Time, events ...any) {
	tb.Helper()
	var raw []json.RawMessage
	for _, e := range events {
		switch e := e.(type) {
		case string:
			raw = append(raw, json.RawMessage(e))
		default:
			b, err := json.Marshal(e)
			if err != nil {
				tb.Fatal(err)
			}
			raw = append(raw, b)
		}
	}
	if err := f.accept(project, raw, at); err != nil {
		tb.Fatal(err)
	}
}

// accept calls Accept and works the queue, as Run would, until it
// returns.
func (f *fixture) accept(project string, raw []json.RawMessage, at time.Time) error {
	errc := make(chan error, 1)
	go func() { errc <- f.svc.Accept(context.Background(), project, raw, at) }()
	for {
		select {
		case err := <-errc:
			return err
		case <-f.svc.queue.wake:
			f.svc.drain()
		}
	}
}

func (f *fixture) issues(tb testing.TB, st Status) []Issue {
	tb.Helper()
	is, err := f.svc.Issues(context.Background(), IssueFilter{Status: st, Limit: MaxIssues})
	if err != nil {
		tb.Fatal(err)
	}
	return is
}

func (f *fixture) issue(tb testing.TB, id string) Issue {
	tb.Helper()
	is, err := f.svc.Issue(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return is
}

func (f *fixture) metric(tb testing.TB, name string, labels ...string) float64 {
	tb.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	want := strings.Join(labels, ",")
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var got []string
			for _, l := range m.GetLabel() {
				got = append(got, l.GetName()+"="+l.GetValue())
			}
			if strings.Join(got, ",") == want {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func (f *fixture) series(tb testing.TB, name string) int {
	tb.Helper()
	n, err := testutil.GatherAndCount(f.reg, name)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// exc is a Python exception event raised in the given in-app functions
// (outermost first), under a framework frame.
func exc(typ, value string, funcs ...string) map[string]any {
	frames := []any{map[string]any{"module": "django.core.handlers.base", "function": "_get_response", "lineno": 197, "in_app": false}}
	for i, fn := range funcs {
		mod, fun, _ := strings.Cut(fn, ":")
		frames = append(frames, map[string]any{"module": mod, "function": fun, "lineno": 10 + i, "in_app": true, "filename": strings.ReplaceAll(mod, ".", "/") + ".py"})
	}
	return map[string]any{
		"platform": "python", "level": "error", "environment": "production", "release": "shop@1.0",
		"exception": map[string]any{"values": []any{map[string]any{"type": typ, "value": value, "stacktrace": map[string]any{"frames": frames}}}},
	}
}

func msg(m string) map[string]any { return map[string]any{"message": m, "level": "warning"} }

func with(e map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return out
}
