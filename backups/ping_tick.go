package backups

import (
	"fmt"
	"sort"
	"time"
)

// maxMissedPerTick bounds the missed slots one tick records for a job
// (after ward was down for long); the rest are skipped over.
const maxMissedPerTick = 50

// tick finds overrun and missed runs at now: a started run with no
// finish within run_grace is failed, and a slot with no start (or
// finish) within start_grace becomes a missed run.
func (p *pings) tick(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.jobs))
	for name := range p.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w := p.jobs[name]
		if err := p.tickJob(w, now); err != nil {
			p.deps.Logger.Error("watched job: tick", "job", name, "err", err)
		}
	}
}

func (p *pings) tickJob(w *watched, now time.Time) error {
	c := w.spec.cfg
	runGrace, startGrace := time.Duration(c.RunGrace), time.Duration(c.StartGrace)
	for _, r := range w.open {
		if now.After(r.Started.Add(runGrace)) {
			why := fmt.Sprintf("no finish ping within run_grace %s of its start at %s", runGrace, r.Started.UTC().Format(time.RFC3339))
			if err := p.close(w, r, StateFailed, now, why); err != nil {
				return err
			}
			w.answered(r.Scheduled, r.Started)
		}
	}
	if len(w.open) > 0 {
		return nil
	}
	for i := 0; ; i++ {
		slot := w.next(w.anchor)
		if slot.IsZero() || !now.After(slot.Add(startGrace)) {
			return nil
		}
		if i == maxMissedPerTick {
			// Skip the rest: one more missed run says as much.
			for !slot.IsZero() && now.After(slot.Add(startGrace)) {
				w.anchor = slot
				slot = w.next(slot)
			}
			return nil
		}
		r := Run{
			ID: newRunID(slot), Kind: KindBackup, State: StateMissed, Trigger: TriggerPing, Job: c.Name,
			Scheduled: slot, Started: slot, Finished: slot.Add(startGrace),
			Error: fmt.Sprintf("no ping within start_grace %s after %s", startGrace, slot.UTC().Format(time.RFC3339)),
		}
		if err := p.deps.Record(r); err != nil {
			return err
		}
		w.anchor, w.missed, w.last = slot, true, &r
	}
}

// statuses are the watched jobs' statuses, by name. The success rate is
// over the job's stored runs of the last 30 days.
func (p *pings) statuses(now time.Time) []JobStatus {
	p.mu.Lock()
	type snap struct {
		name    string
		running bool
		next    time.Time
	}
	var snaps []snap
	for name, w := range p.jobs {
		next := w.next(w.anchor)
		if len(w.open) > 0 {
			next = time.Time{}
		}
		snaps = append(snaps, snap{name: name, running: len(w.open) > 0, next: next})
	}
	p.mu.Unlock()
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].name < snaps[j].name })
	out := make([]JobStatus, 0, len(snaps))
	for _, s := range snaps {
		js := JobStatus{Name: s.name, Kind: "watched", Running: s.running, NextRun: s.next}
		ok := 0
		for _, r := range p.deps.Recent(s.name, KindBackup, 1000) {
			if r.State == StateRunning {
				continue
			}
			if js.LastRun == nil {
				js.LastRun = &r
			}
			if r.State == StateSuccess && js.LastSuccess == nil {
				js.LastSuccess = &r
			}
			if now.Sub(r.Started) <= 30*24*time.Hour {
				js.Runs30d++
				if r.State == StateSuccess {
					ok++
				}
			}
		}
		if js.Runs30d > 0 {
			v := float64(ok) / float64(js.Runs30d)
			js.SuccessRate = &v
		}
		out = append(out, js)
	}
	return out
}
