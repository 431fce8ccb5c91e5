package backups

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

// pingFixture is pings over a real store, with a token per job.
type pingFixture struct {
	p       *pings
	st      store
	clock   *testClock
	running []string // jobs marked running (pingDeps.Started), in order
}

func newPingFixture(t *testing.T, start time.Time, jobs ...config.WatchedJob) *pingFixture {
	t.Helper()
	f := &pingFixture{st: testStore(t), clock: &testClock{t: start}}
	f.p = f.newPings()
	for i := range jobs {
		env := "WARD_TEST_PING_" + strings.ToUpper(strings.ReplaceAll(jobs[i].Name, "-", "_"))
		t.Setenv(env, "tok-"+jobs[i].Name+"-0123456789abcdefghij")
		jobs[i].TokenEnv = env
		defaultWatched(&jobs[i])
	}
	if err := f.p.apply(jobs); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *pingFixture) newPings() *pings {
	return newPings(pingDeps{Now: f.clock.Now, Put: f.st.put, Record: f.st.put, Recent: f.st.recent,
		Started: func(job string) { f.running = append(f.running, job) }})
}

// defaultWatched applies the documented defaults config.Load applies.
func defaultWatched(w *config.WatchedJob) {
	if w.StartGrace == 0 {
		w.StartGrace = model.Duration(config.DefaultWatchedGrace)
	}
	if w.RunGrace == 0 {
		w.RunGrace = model.Duration(config.DefaultWatchedGrace)
	}
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
}

// send pings job at the clock's time plus after (which the clock moves to).
func (f *pingFixture) send(t *testing.T, job string, kind PingKind, after time.Duration, mod ...func(*Ping)) {
	t.Helper()
	f.clock.Set(f.clock.Now().Add(after))
	pg := Ping{Token: "tok-" + job + "-0123456789abcdefghij", Kind: kind, At: f.clock.Now()}
	for _, m := range mod {
		m(&pg)
	}
	if err := f.p.ping(context.Background(), pg); err != nil {
		t.Fatalf("ping %s %s: %v", job, kind, err)
	}
}

func (f *pingFixture) runs(t *testing.T, job string) []Run {
	t.Helper()
	return f.st.recent(job, KindBackup, 100)
}

func rid(s string) func(*Ping)           { return func(p *Ping) { p.RID = s } }
func body(s string) func(*Ping)          { return func(p *Ping) { p.Body = []byte(s) } }
func exitCode(n int) func(*Ping)         { return func(p *Ping) { p.Exit = n } }
func minutes(n int) time.Duration        { return time.Duration(n) * time.Minute }
func dur(d time.Duration) model.Duration { return model.Duration(d) }

var night = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)

func TestPingOutcomes(t *testing.T) {
	job := config.WatchedJob{Name: "db", Schedule: "0 2 * * *", MinDuration: dur(5 * time.Minute)}
	tests := []struct {
		name       string
		pings      func(t *testing.T, f *pingFixture)
		state      RunState
		exit       *int
		suspicious string
		bytes      int64
		duration   time.Duration
	}{
		{
			name: "start then success",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingStart, 2*time.Hour)
				f.send(t, "db", PingSuccess, minutes(20))
			},
			state:    StateSuccess,
			duration: minutes(20),
		},
		{
			name: "finished too fast",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingStart, 2*time.Hour)
				f.send(t, "db", PingSuccess, 3*time.Second)
			},
			state: StateSuccess, suspicious: "fast: finished in 3s, under min_duration 5m0s", duration: 3 * time.Second,
		},
		{
			name: "fail",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingStart, 2*time.Hour)
				f.send(t, "db", PingFail, minutes(10))
			},
			state: StateFailed, duration: minutes(10),
		},
		{
			name: "exit code 3 fails",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingStart, 2*time.Hour)
				f.send(t, "db", PingExit, minutes(10), exitCode(3))
			},
			state: StateFailed, exit: new(3), duration: minutes(10),
		},
		{
			name: "exit code 0 succeeds, bytes= read from the body",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingExit, 2*time.Hour, exitCode(0), body("done\nbytes=12345\n"))
			},
			// min_duration is set and no start ping came: the run's
			// length is unknown, so it cannot pass as long enough.
			state: StateSuccess, exit: new(0), bytes: 12345, suspicious: "fast: no start ping: duration unknown (min_duration 5m0s)",
		},
		{
			name: "success only",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingSuccess, 2*time.Hour)
			},
			state: StateSuccess, suspicious: "fast: no start ping: duration unknown (min_duration 5m0s)",
		},
		{
			name: "only an exact bytes=N line counts, the last one",
			pings: func(t *testing.T, f *pingFixture) {
				f.send(t, "db", PingStart, 2*time.Hour)
				f.send(t, "db", PingSuccess, minutes(20), body("bytes=7\ncopied bytes=999999\n bytes=5\nbytes=42\r\nbytes=+3\nbytes=1e9\n"))
			},
			state: StateSuccess, bytes: 42, duration: minutes(20),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPingFixture(t, night, job)
			tc.pings(t, f)
			runs := f.runs(t, "db")
			if len(runs) != 1 {
				t.Fatalf("%d runs, want 1: %+v", len(runs), runs)
			}
			r := runs[0]
			if r.State != tc.state || r.Trigger != TriggerPing {
				t.Errorf("state %s trigger %s, want %s ping", r.State, r.Trigger, tc.state)
			}
			if (r.ExitCode == nil) != (tc.exit == nil) || r.ExitCode != nil && *r.ExitCode != *tc.exit {
				t.Errorf("exit code %v, want %v", r.ExitCode, tc.exit)
			}
			if got := strings.Join(r.Suspicious, "; "); got != tc.suspicious {
				t.Errorf("suspicious %q, want %q", got, tc.suspicious)
			}
			if r.Bytes != tc.bytes {
				t.Errorf("bytes %d, want %d", r.Bytes, tc.bytes)
			}
			if d := r.Finished.Sub(r.Started); d != tc.duration {
				t.Errorf("duration %s, want %s", d, tc.duration)
			}
			if !r.Scheduled.Equal(night.Add(2 * time.Hour)) {
				t.Errorf("scheduled %s, want 02:00", r.Scheduled)
			}
		})
	}
}

// TestPingRIDPairsOverlappingRuns: two runs started a second apart
// finish in the other order; each finish closes its own start.
func TestPingRIDPairsOverlappingRuns(t *testing.T) {
	f := newPingFixture(t, night, config.WatchedJob{Name: "media", Period: dur(time.Hour)})
	f.send(t, "media", PingStart, minutes(1), rid("a"))
	f.send(t, "media", PingStart, time.Second, rid("b"))
	f.send(t, "media", PingSuccess, minutes(2), rid("b"))
	f.send(t, "media", PingFail, minutes(3), rid("a"))
	got := map[string]string{}
	for _, r := range f.runs(t, "media") {
		got[r.RID] = string(r.State) + " " + r.Finished.Sub(r.Started).String()
	}
	want := map[string]string{"a": "failed 5m1s", "b": "success 2m0s"}
	if got := strings.Join(f.running, " "); got != "media media media" {
		t.Errorf("marked running %q: at each start and again when b finished with a open", got)
	}
	if len(got) != 2 || got["a"] != want["a"] || got["b"] != want["b"] {
		t.Errorf("runs %v, want %v", got, want)
	}
}

// TestPingMissedAndOverrun: no start within start_grace is one missed
// run per slot; a start with no finish within run_grace fails.
func TestPingMissedAndOverrun(t *testing.T) {
	f := newPingFixture(t, night, config.WatchedJob{Name: "db", Schedule: "0 2 * * *",
		StartGrace: dur(time.Hour), RunGrace: dur(30 * time.Minute)})
	f.p.tick(night.Add(3 * time.Hour)) // 03:00: the 02:00 slot's grace has not passed
	if n := len(f.runs(t, "db")); n != 0 {
		t.Fatalf("%d runs at 03:00, want 0", n)
	}
	f.p.tick(night.Add(3*time.Hour + time.Second))
	f.p.tick(night.Add(4 * time.Hour))
	runs := f.runs(t, "db")
	if len(runs) != 1 || runs[0].State != StateMissed || !runs[0].Scheduled.Equal(night.Add(2*time.Hour)) {
		t.Fatalf("runs %+v, want one missed for 02:00", runs)
	}
	if want := "no ping within start_grace 1h0m0s after 2026-03-14T02:00:00Z"; runs[0].Error != want {
		t.Errorf("error %q, want %q", runs[0].Error, want)
	}
	// The next night it starts and never finishes.
	f.clock.Set(night.Add(26 * time.Hour))
	f.send(t, "db", PingStart, 0)
	f.p.tick(night.Add(26*time.Hour + 30*time.Minute))
	if r := f.runs(t, "db")[0]; r.State != StateRunning {
		t.Fatalf("at run_grace: %s, want running", r.State)
	}
	f.p.tick(night.Add(26*time.Hour + 31*time.Minute))
	runs = f.runs(t, "db")
	if len(runs) != 2 || runs[0].State != StateFailed || !strings.Contains(runs[0].Error, "no finish ping within run_grace 30m0s") {
		t.Fatalf("runs %+v, want the started run failed by run_grace", runs)
	}
	// Its slot was answered: no missed run for the second night.
	f.p.tick(night.Add(30 * time.Hour))
	if n := len(f.runs(t, "db")); n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
	st := f.p.statuses(night.Add(30 * time.Hour))
	if len(st) != 1 || st[0].Runs30d != 2 || st[0].SuccessRate == nil || *st[0].SuccessRate != 0 || st[0].LastRun == nil || st[0].LastRun.State != StateFailed {
		t.Errorf("status %+v", st)
	}
}

// TestPingEarlyIsNotMissed: a job whose clock runs a little fast pings
// before its 02:00 slot; the slot is answered, so no missed run follows,
// and the next night is expected again.
func TestPingEarlyIsNotMissed(t *testing.T) {
	f := newPingFixture(t, night, config.WatchedJob{Name: "db", Schedule: "0 2 * * *", StartGrace: dur(time.Hour)})
	f.send(t, "db", PingSuccess, 2*time.Hour-2*time.Minute)
	f.p.tick(night.Add(4 * time.Hour))
	runs := f.runs(t, "db")
	if len(runs) != 1 || runs[0].State != StateSuccess || !runs[0].Scheduled.Equal(night.Add(2*time.Hour)) {
		t.Fatalf("runs %+v, want one success answering 02:00", runs)
	}
	f.p.tick(night.Add(27*time.Hour + time.Second))
	if runs := f.runs(t, "db"); len(runs) != 2 || runs[0].State != StateMissed || !runs[0].Scheduled.Equal(night.Add(26*time.Hour)) {
		t.Fatalf("runs %+v, want the next night missed", runs)
	}
}

// TestPingSizeDropAndTooManyRuns: a success under half the median of the
// last successes is small; more runs per period than max_runs is too many.
func TestPingSizeDropAndTooManyRuns(t *testing.T) {
	f := newPingFixture(t, night, config.WatchedJob{Name: "media", Period: dur(24 * time.Hour), MaxRuns: 1})
	for _, b := range []string{"1000", "1100", "900", "1000"} {
		f.send(t, "media", PingSuccess, 24*time.Hour, body("bytes="+b))
	}
	f.send(t, "media", PingSuccess, 24*time.Hour, body("bytes=400"))
	f.send(t, "media", PingSuccess, time.Hour, body("bytes=1000"))
	runs := f.runs(t, "media")
	if got, want := strings.Join(runs[1].Suspicious, "; "), "small: 400 bytes, under 50% of the 4-run median 1000"; got != want {
		t.Errorf("suspicious %q, want %q", got, want)
	}
	if got, want := strings.Join(runs[0].Suspicious, "; "), "too_many_runs: 2 runs within 24h0m0s, over max_runs 1"; got != want {
		t.Errorf("suspicious %q, want %q", got, want)
	}
	for _, r := range runs[2:] {
		if len(r.Suspicious) > 0 {
			t.Errorf("run %s: suspicious %q", r.ID, r.Suspicious)
		}
	}
}

func TestPingRefusals(t *testing.T) {
	f := newPingFixture(t, night, config.WatchedJob{Name: "db", Period: dur(time.Hour)})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		pg   Ping
		want error
	}{
		{"unknown token", Ping{Token: "tok-db-0123456789abcdefghiJ", Kind: PingSuccess}, ErrUnknownToken},
		{"empty token", Ping{Kind: PingSuccess}, ErrUnknownToken},
		{"exit code over 255", Ping{Token: "tok-db-0123456789abcdefghij", Kind: PingExit, Exit: 256}, ErrRefused},
		{"long rid", Ping{Token: "tok-db-0123456789abcdefghij", Kind: PingStart, RID: strings.Repeat("r", 65)}, ErrRefused},
		{"unknown kind", Ping{Token: "tok-db-0123456789abcdefghij", Kind: "reboot"}, ErrRefused},
	} {
		if err := f.p.ping(ctx, tc.pg); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := len(f.runs(t, "db")); n != 0 {
		t.Errorf("%d runs recorded by refused pings", n)
	}
	// A body over MaxPingBody is cut; /log appends to the open run.
	f.send(t, "db", PingStart, time.Minute, body(strings.Repeat("x", MaxPingBody+50)))
	f.send(t, "db", PingLog, time.Minute, body("halfway"))
	r := f.runs(t, "db")[0]
	if len(r.Log) != MaxPingBody+len("\nhalfway") || !strings.HasSuffix(r.Log, "\nhalfway") {
		t.Errorf("log is %d bytes ending %q", len(r.Log), r.Log[len(r.Log)-10:])
	}
}

// TestPingRestart: a new pings over the same store finishes the run the
// old one started.
func TestPingRestart(t *testing.T) {
	job := config.WatchedJob{Name: "db", Schedule: "0 2 * * *", MinDuration: dur(time.Minute)}
	f := newPingFixture(t, night, job)
	f.send(t, "db", PingStart, 2*time.Hour, rid("x"))
	f.p = f.newPings()
	job.TokenEnv = "WARD_TEST_PING_DB"
	defaultWatched(&job)
	if err := f.p.apply([]config.WatchedJob{job}); err != nil {
		t.Fatal(err)
	}
	f.send(t, "db", PingSuccess, 10*time.Second, rid("x"))
	runs := f.runs(t, "db")
	if len(runs) != 1 || runs[0].State != StateSuccess || len(runs[0].Suspicious) != 1 {
		t.Fatalf("runs %+v, want the started run finished (and fast)", runs)
	}
}

// FuzzPing sends arbitrary pings (kind, exit code, rid, body) to a
// watched job: none panics, a refused one records nothing, the kept
// body is bounded, and bytes= is read only from a line of its own.
func FuzzPing(f *testing.F) {
	f.Add("success", 0, "", []byte("bytes=12\n"))
	f.Add("exit", 256, "r", []byte("x\nbytes=-1\nbytes=7"))
	f.Add("start", 3, "0123", []byte{0xff, '\n', 'b'})
	f.Fuzz(func(t *testing.T, kind string, exit int, rid string, body []byte) {
		fx := newPingFixture(t, night, config.WatchedJob{Name: "db", Period: dur(time.Hour), MaxRuns: 2, MinDuration: dur(time.Minute)})
		before := len(fx.runs(t, "db"))
		pg := Ping{Token: "tok-db-0123456789abcdefghij", Kind: PingKind(kind), Exit: exit, RID: rid, Body: body, At: night.Add(time.Hour)}
		err := fx.p.ping(context.Background(), pg)
		runs := fx.runs(t, "db")
		if err != nil {
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("error %v is not ErrRefused", err)
			}
			if len(runs) != before {
				t.Fatalf("a refused ping recorded %d runs", len(runs)-before)
			}
			return
		}
		for _, r := range runs {
			if len(r.Log) > MaxPingBody || r.Bytes < 0 {
				t.Fatalf("run kept %d log bytes, size %d", len(r.Log), r.Bytes)
			}
			if n, ok := bodyBytes(body); ok && r.State != StateRunning && r.Bytes != n {
				t.Fatalf("bytes %d, body says %d", r.Bytes, n)
			}
		}
	})
}
