package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
)

// complianceRig is a compliance checker over real parts in a temporary
// directory: the state database with ward's key and audit key, a TSDB
// with a query engine, a backups manager, and a configuration. Nothing
// of it is faked; a test changes the real state to drive a control.
type complianceRig struct {
	tb     testing.TB
	dir    string
	cfg    *config.Config
	state  *storage.State
	db     *tsdb.DB
	mgr    *backups.Manager
	rules  []string
	routes []ui.RouteLimit
	env    map[string]string
	now    time.Time
	svc    *compliance.Service
	facts  complianceFacts
}

// newComplianceRig opens everything under a new temporary directory with
// the configuration doc (storage.path is added).
func newComplianceRig(tb testing.TB, doc string) *complianceRig {
	tb.Helper()
	return newComplianceRigIn(tb, tb.TempDir(), doc)
}

// newComplianceRigIn is newComplianceRig over the data directory in dir,
// which may hold a ward's data already.
func newComplianceRigIn(tb testing.TB, dir, doc string) *complianceRig {
	tb.Helper()
	r := &complianceRig{tb: tb, dir: dir, env: map[string]string{}, now: time.Now(), rules: []string{"Watchdog"}}
	data := filepath.Join(r.dir, "data")
	r.load(doc)
	if err := storage.PrepareDataDir(data, testLogger(tb)); err != nil {
		tb.Fatal(err)
	}
	var err error
	if r.state, err = storage.OpenState(StatePath(r.cfg)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.state.Close() })
	if _, _, err := openKey(r.state, r.cfg, testLogger(tb)); err != nil {
		tb.Fatal(err)
	}
	opts := tsdb.DefaultOptions()
	// Tests write 30 days of history in one go, series after series.
	opts.OutOfOrderTimeWindow = (90 * 24 * time.Hour).Milliseconds()
	if r.db, err = tsdb.Open(filepath.Join(tb.TempDir(), "tsdb"), nil, nil, opts, nil); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.db.Close() })
	r.mgr = backups.New(backups.Options{State: r.state, DataDir: data, Logger: testLogger(tb)})
	r.mgr.Apply(r.cfg.Backups)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.mgr.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })

	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	facts := complianceFacts{
		State:   r.state,
		config:  func() *config.Config { return r.cfg },
		routes:  func() []ui.RouteLimit { return r.routes },
		backups: r.mgr,
		query:   (&App{db: r.db}).consoleQuery(engine),
		rules:   func() []string { return r.rules },
		getenv:  func(k string) string { return r.env[k] },
	}
	r.facts = facts
	r.svc = compliance.New(compliance.Options{Facts: facts, Store: r.state, Now: func() time.Time { return r.now }})
	return r
}

// load replaces the configuration with doc.
func (r *complianceRig) load(doc string) {
	r.tb.Helper()
	doc += "\nstorage:\n  path: " + filepath.Join(r.dir, "data") + "\n"
	cfg, err := config.Load([]byte(doc), filepath.Join(r.dir, "ward.yaml"))
	if err != nil {
		r.tb.Fatal(err)
	}
	r.cfg = cfg
	if r.mgr != nil {
		r.mgr.Apply(cfg.Backups)
	}
}

// check checks control id now and returns its newest evidence, failing
// the test unless its status is want.
func (r *complianceRig) check(id string, want compliance.Status) compliance.Evidence {
	r.tb.Helper()
	if err := r.svc.Check(context.Background(), id); err != nil {
		r.tb.Fatal(err)
	}
	items, err := r.svc.Checklist(context.Background())
	if err != nil {
		r.tb.Fatal(err)
	}
	for _, it := range items {
		if it.Control.ID == id {
			if it.Latest == nil {
				r.tb.Fatalf("%s: no evidence", id)
			}
			if it.Status != want {
				r.tb.Fatalf("%s: status %s, want %s: %+v", id, it.Status, want, *it.Latest)
			}
			return *it.Latest
		}
	}
	r.tb.Fatalf("no control %s", id)
	return compliance.Evidence{}
}

// addUser stores a user; twoFactor gives it a secret as sealed ones
// look (random bytes as long as AES-GCM's nonce, a secret and its tag).
func (r *complianceRig) addUser(name, role string, twoFactor bool, lastLogin time.Time) {
	r.tb.Helper()
	u := storage.User{Name: name, Role: role, PasswordHash: "x", Created: r.now.Add(-200 * 24 * time.Hour), LastLogin: lastLogin}
	if twoFactor {
		u.TOTPSecret = make([]byte, 12+20+16)
		rand.Read(u.TOTPSecret)
		u.TOTPEnabled = r.now
	}
	rec := audit.Record{Time: r.now, Actor: "test", Action: audit.ActionUserCreate, Target: name, Outcome: audit.Success}
	if err := r.state.CreateUser(u, rec); err != nil {
		r.tb.Fatal(err)
	}
}

// updateUser changes a stored user.
func (r *complianceRig) updateUser(name string, f func(*storage.User)) {
	r.tb.Helper()
	err := r.state.Update(func(tx *storage.Tx) error {
		u, err := tx.User(name)
		if err != nil {
			return err
		}
		f(&u)
		return tx.PutUser(u)
	})
	if err != nil {
		r.tb.Fatal(err)
	}
}

// appendSeries writes one sample of series every step over [from, to].
func (r *complianceRig) appendSeries(lbls labels.Labels, from, to time.Time, step time.Duration, v func(time.Time) float64) {
	r.tb.Helper()
	app := r.db.Appender(context.Background())
	for t := from; !t.After(to); t = t.Add(step) {
		if _, err := app.Append(0, lbls, t.UnixMilli(), v(t)); err != nil {
			r.tb.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		r.tb.Fatal(err)
	}
}

func uiRoute(pattern string, api bool, class, policy string) ui.RouteLimit {
	return ui.RouteLimit{Pattern: pattern, API: api, Class: class, Policy: policy}
}

// appendEvidence stores e as the checker would.
func appendEvidence(tb testing.TB, st *storage.State, e compliance.Evidence) {
	tb.Helper()
	js, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.AppendEvidence([]storage.EvidenceRecord{{Control: e.Control, At: e.Checked, JSON: js}}); err != nil {
		tb.Fatal(err)
	}
}
