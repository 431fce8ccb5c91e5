// Package backups runs and watches backups and proves they restore
// (issue 12): pgBackRest jobs and command jobs on cron schedules, jobs
// that report by Healthchecks-style pings, the pgBackRest inventory, RPO
// measured on both the database's and the repository's side, a
// grandfather-father-son retention check against the inventory, and
// restore drills whose measured RTO is compared with the target.
//
// This file is the package's contract: the records it keeps and the
// Service the HTTP layer calls. Records are JSON in the state database
// (storage.State's backup runs), one per run, keyed by Run.ID.
package backups

import (
	"context"
	"errors"
	"time"
)

// RunKind says what a run did.
type RunKind string

const (
	// KindBackup is a backup job's run, started by ward (schedule or
	// "run now") or reported by pings (a watched job).
	KindBackup RunKind = "backup"
	// KindDrill is a restore drill: restore into scratch, start, assert,
	// delete.
	KindDrill RunKind = "drill"
	// KindRestore is a restore into a configured restore target.
	KindRestore RunKind = "restore"
)

// RunState is where a run is. Running is the only non-final state.
type RunState string

const (
	StateRunning RunState = "running"
	StateSuccess RunState = "success"
	StateFailed  RunState = "failed"
	// StateMissed is a scheduled run that never started (or, for a
	// watched job, never pinged) within its grace.
	StateMissed RunState = "missed"
)

// Trigger says who started a run.
type Trigger string

const (
	TriggerSchedule Trigger = "schedule"
	TriggerManual   Trigger = "manual" // a user: Run.By names them
	TriggerPing     Trigger = "ping"   // a watched job's /start or finish
	TriggerCLI      Trigger = "cli"    // ward backup run -- CMD
)

// Run is one backup, drill or restore: what ran, when, how it ended,
// and what it measured. Kept in the state database.
type Run struct {
	// ID is sortable by start time: 16 hex digits of the start's unix
	// nanoseconds, a dash, 8 random hex digits ("0188f2...-9a1b2c3d").
	ID      string   `json:"id"`
	Kind    RunKind  `json:"kind"`
	State   RunState `json:"state"`
	Trigger Trigger  `json:"trigger"`
	// By is the user (manual), or empty.
	By string `json:"by,omitempty"`
	// Job is the job's name (backups, and watched jobs); Stanza the
	// pgBackRest stanza (pgbackrest jobs, drills, restores).
	Job    string `json:"job,omitempty"`
	Stanza string `json:"stanza,omitempty"`
	// Type is the pgBackRest backup type (full, diff, incr), or for a
	// drill/restore the recovery type (latest: the end of the archived WAL; time).
	Type string `json:"type,omitempty"`
	// Scheduled is the schedule's time this run answers (zero: manual).
	Scheduled time.Time `json:"scheduled,omitzero"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished,omitzero"`
	// Error says why a failed run failed, in one line, redacted.
	Error string `json:"error,omitempty"`
	// ExitCode of the command (or the ping's exit code); -1 if killed.
	ExitCode *int `json:"exit_code,omitempty"`
	// Bytes is the backup's size (pgBackRest info size, restic's
	// total_bytes_processed, a ping's bytes=); Files restic's file count.
	Bytes int64 `json:"bytes,omitempty"`
	Files int64 `json:"files,omitempty"`
	// Label is the pgBackRest backup label this run made or restored.
	Label string `json:"label,omitempty"`
	// RID is a watched job's run id (?rid=), which pairs a start ping
	// with its finish when runs overlap.
	RID string `json:"rid,omitempty"`
	// Suspicious lists why a successful run looks wrong ("finished in
	// 3s, under min_duration 5m", "12 MB, under half the 7-run median").
	Suspicious []string `json:"suspicious,omitempty"`
	// Log is the command's output, bounded (MaxLogBytes, the end kept)
	// and redacted of every secret the run was given.
	Log string `json:"log,omitempty"`
	// Progress is the current step of a running drill or restore.
	Progress string `json:"progress,omitempty"`
	// Drill holds what a drill or restore measured.
	Drill *DrillResult `json:"drill,omitempty"`
}

// MaxLogBytes bounds Run.Log.
const MaxLogBytes = 64 << 10

// DrillResult is what a restore drill measured.
type DrillResult struct {
	// Target is the restore's recovery target time (type time), or zero.
	Target time.Time `json:"target,omitzero"`
	// Phase durations; RTO = Restore + Replay + FirstQuery.
	Restore    time.Duration `json:"restore_ns"`
	Replay     time.Duration `json:"replay_ns"`
	FirstQuery time.Duration `json:"first_query_ns"`
	RTO        time.Duration `json:"rto_ns"`
	// RTOTarget is the stanza's target at the time of the drill.
	RTOTarget time.Duration `json:"rto_target_ns"`
	// Bytes restored and the measured throughput (bytes/s); Predicted is
	// the RTO predicted for the current backup size at that throughput.
	Bytes      int64         `json:"bytes"`
	Throughput float64       `json:"throughput_bytes_per_second"`
	Predicted  time.Duration `json:"predicted_rto_ns"`
	// Assertions, in order, each passed or not with a message.
	Assertions []Assertion `json:"assertions"`
}

// Assertion is one check of a restored copy.
type Assertion struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Backup is one pgBackRest backup of the inventory
// (pgbackrest info --output=json).
type Backup struct {
	Stanza string    `json:"stanza"`
	Label  string    `json:"label"`
	Type   string    `json:"type"`
	Prior  string    `json:"prior,omitempty"`
	Start  time.Time `json:"start"`
	Stop   time.Time `json:"stop"`
	// Size is the database size; RepoSize what the repository holds for
	// this backup (after compression and dedup).
	Size     int64 `json:"size"`
	RepoSize int64 `json:"repo_size"`
	// WALStart and WALStop are the WAL segment names the backup needs.
	WALStart string `json:"wal_start"`
	WALStop  string `json:"wal_stop"`
	// Error is pgBackRest's page-checksum error flag.
	Error bool `json:"error"`
	// Restorable is true when its WAL range is inside the archive.
	Restorable bool `json:"restorable"`
}

// StanzaStatus is a stanza's state now.
type StanzaStatus struct {
	Name string `json:"name"`
	// Code and Message are pgBackRest's status (0 ok).
	Code    int    `json:"code"`
	Message string `json:"message"`
	// SystemID is the database's system identifier (pgBackRest's
	// system-id, above 2^53: an integer, never a float; a string in
	// JSON so that JavaScript keeps every digit).
	SystemID uint64 `json:"system_id,string,omitempty"`
	// Inventory is as of InventoryAt (refreshed every 5 minutes).
	InventoryAt time.Time `json:"inventory_at,omitzero"`
	Backups     []Backup  `json:"backups"`
	// ArchiveMin and ArchiveMax are the WAL range in the repository.
	ArchiveMin string `json:"archive_min,omitempty"`
	ArchiveMax string `json:"archive_max,omitempty"`
	RPO        RPO    `json:"rpo"`
	// PITR is the point-in-time-recovery window: the oldest restorable
	// backup's stop to the newest WAL in the repository.
	PITRFrom time.Time `json:"pitr_from,omitzero"`
	PITRTo   time.Time `json:"pitr_to,omitzero"`
	// Gaps are missing retention buckets ("missing daily 2026-03-14");
	// Overdue the backups kept past max_age.
	// Both are nil (JSON null) until the first retention check, never
	// an empty list that reads as all clear; RetentionCheckedAt is that
	// check's time (zero before it).
	Gaps               []string  `json:"retention_gaps"`
	Overdue            []string  `json:"retention_overdue"`
	RetentionCheckedAt time.Time `json:"retention_checked_at,omitzero"`
	// LastDrill is the newest finished drill, if any.
	LastDrill *Run          `json:"last_drill,omitempty"`
	RTOTarget time.Duration `json:"rto_target_ns"`
}

// RPO is the recovery point measured from both sides.
type RPO struct {
	Target time.Duration `json:"target_ns"`
	// From pg_stat_archiver: the last archived and last failed times.
	ArchivedAt time.Time `json:"archived_at,omitzero"`
	FailedAt   time.Time `json:"failed_at,omitzero"`
	// FailingSince is when the current failing streak began: the
	// last_failed_time ward saw when it first found it newer than
	// last_archived_time (zero while archiving works). FailedAt moves on
	// with every retry; this does not.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// RepoAt is the newest WAL segment's time in the repository (object
	// time in S3, file time in a posix repo).
	RepoAt time.Time `json:"repo_at,omitzero"`
	// Now is the data at risk now: time since the older of ArchivedAt
	// and RepoAt (the worse side).
	Now time.Duration `json:"now_ns"`
	// Error says why a side could not be measured.
	Error string `json:"error,omitempty"`
}

// JobStatus is a job's (or watched job's) state now.
type JobStatus struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // pgbackrest, command, watched
	Stanza  string `json:"stanza,omitempty"`
	Running bool   `json:"running"`
	// LastSuccess and LastRun are the newest successful and newest runs.
	LastSuccess *Run      `json:"last_success,omitempty"`
	LastRun     *Run      `json:"last_run,omitempty"`
	NextRun     time.Time `json:"next_run,omitzero"`
	// SuccessRate is successes / finished runs over the last 30 days
	// (missed runs count as failures); Runs30d is that denominator.
	// SuccessRate is nil (JSON null) with no finished run in the window:
	// unknown, not 100%.
	SuccessRate *float64 `json:"success_rate_30d"`
	Runs30d     int      `json:"runs_30d"`
}

// Status is GET /api/backups/status/.
type Status struct {
	Jobs    []JobStatus    `json:"jobs"`
	Stanzas []StanzaStatus `json:"stanzas"`
	// SuccessRate over all jobs' finished runs for 30 days, against Goal
	// (0.99); nil (JSON null) while no job has a finished run in the
	// window.
	SuccessRate *float64 `json:"success_rate_30d"`
	Goal        float64  `json:"success_rate_goal"`
	// RestoreTargets are the names of backups.restore_targets, in the
	// configuration's order: the only places a restore may write.
	RestoreTargets []string `json:"restore_targets"`
}

// Filter selects runs for List. Empty fields match everything.
type Filter struct {
	Kind   RunKind
	Job    string
	Stanza string
	State  RunState
	// Before is a cursor: only runs with ID < Before (the previous
	// page's Next).
	Before string
	// Limit is the page size (default 50, at most 500).
	Limit int
}

// Page is one page of runs, newest first; Next is the cursor of the
// next page ("" at the end).
type Page struct {
	Runs []Run  `json:"runs"`
	Next string `json:"next,omitempty"`
}

// DrillRequest asks for a drill (Target empty) or a restore into the
// restore target named Target.
type DrillRequest struct {
	Stanza string
	// Label picks a backup (default the newest restorable).
	Label string
	// Time, when set, is a point-in-time recovery target.
	Time time.Time
	// RestoreTarget names backups.restore_targets[].name; empty for a
	// drill into scratch.
	RestoreTarget string
	// Delta lets a restore into a non-empty restore target reuse the
	// files there (pgbackrest --delta); a drill's scratch is always empty.
	Delta bool
	// By is the user asking (audited by the caller).
	By string
}

// PingKind is what a ping reports.
type PingKind string

const (
	PingSuccess PingKind = "success"
	PingStart   PingKind = "start"
	PingFail    PingKind = "fail"
	PingLog     PingKind = "log"
	// PingExit is /{exit-code}: Ping.Exit says which.
	PingExit PingKind = "exit"
)

// Ping is one request to /ping/{token}[/...].
type Ping struct {
	Token string
	Kind  PingKind
	Exit  int
	// RID pairs a start with its finish (?rid=).
	RID string
	// Body is the request body, at most MaxPingBody bytes; a line
	// "bytes=N" reports the backup's size.
	Body []byte
	At   time.Time
}

// MaxPingBody bounds a ping's kept body (as Healthchecks: 10,000).
const MaxPingBody = 10_000

// Errors the Service returns; the HTTP layer maps them to status codes.
var (
	ErrNotFound     = errors.New("not found")          // 404
	ErrBusy         = errors.New("already running")    // 409
	ErrRefused      = errors.New("refused")            // 422: wrapped with why
	ErrUnknownToken = errors.New("unknown ping token") // 404, same body as any 404
)

// Service is what the HTTP layer and the CLI need from backups.
type Service interface {
	// List returns runs matching f, newest first.
	List(ctx context.Context, f Filter) (Page, error)
	// Get returns one run.
	Get(ctx context.Context, id string) (Run, error)
	// Status is every job's and stanza's state now.
	Status(ctx context.Context) (Status, error)
	// RunNow starts job's backup now (ErrBusy if it is running) and
	// returns the run, still running.
	RunNow(ctx context.Context, job, by string) (Run, error)
	// RunNowType is RunNow of a pgbackrest job as a full, diff or incr
	// backup; typ "" is the type of the schedule that fires next.
	// ErrRefused for another type, or any type for a command job.
	RunNowType(ctx context.Context, job, typ, by string) (Run, error)
	// StartDrill starts a drill or a restore-to-target and returns the
	// run, still running. The caller has checked role, step-up and the
	// confirmation, and audits.
	StartDrill(ctx context.Context, req DrillRequest) (Run, error)
	// Ping records a watched job's ping. ErrUnknownToken for a token
	// that names no job.
	Ping(ctx context.Context, p Ping) error
	// KnownPing says whether token names a watched job, so that the
	// HTTP layer gives only real tokens a rate limit of their own. Like
	// Ping, it looks the token up by its hash.
	KnownPing(token string) bool
	// Runbook is the recovery runbook for production: the commands with
	// stanza and target time filled in (zero target: latest).
	Runbook(stanza string, target time.Time) (string, error)
}
