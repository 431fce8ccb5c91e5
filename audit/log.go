package audit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Store is what the audit log needs from the state database
// (*storage.State implements it).
type Store interface {
	// AppendAudit appends one record in its own transaction.
	AppendAudit(r Record) error
	// AuditQuery returns matching records, newest first. A non-nil view
	// record is appended in the same transaction, so reading the log
	// and recording that it was read cannot come apart.
	AuditQuery(q Query, view *Record) ([]Record, error)
	// VerifyAudit verifies the whole chain, and that it matches each
	// external anchor.
	VerifyAudit(now time.Time, external ...External) (Result, error)
	// PruneAudit removes records older than before, moves the anchor to
	// the newest one removed and appends rec naming it. It refuses to
	// prune a chain that does not verify.
	PruneAudit(before time.Time, rec Record) (int, error)
}

// Log reads, exports, verifies and prunes the audit trail.
type Log struct {
	store     Store
	retention time.Duration
	now       func() time.Time
	logger    *slog.Logger
}

// NewLog returns a Log keeping records for retention (at least
// MinRetention). now and logger default to time.Now and slog.Default.
func NewLog(store Store, retention time.Duration, now func() time.Time, logger *slog.Logger) (*Log, error) {
	if retention < MinRetention {
		return nil, fmt.Errorf("%w: %s < %s", ErrRetention, retention, MinRetention)
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{store: store, retention: retention, now: now, logger: logger}, nil
}

// Records returns the records q selects, newest first, and audits the
// viewing by actor (from actorIP).
func (l *Log) Records(ctx context.Context, actor, actorIP string, q Query) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	view := l.record(actor, actorIP, ActionAuditView, q.Details())
	return l.store.AuditQuery(q, &view)
}

// Export writes the records q selects to w as format (FormatCSV or
// FormatJSON). The export is audited before anything is written.
func (l *Log) Export(ctx context.Context, actor, actorIP string, q Query, format string, w io.Writer) error {
	_, err := l.ExportCount(ctx, actor, actorIP, q, format, w)
	return err
}

// ExportCount is Export, and says how many records it wrote (for the
// data.read record of issue 14).
func (l *Log) ExportCount(ctx context.Context, actor, actorIP string, q Query, format string, w io.Writer) (int, error) {
	if format != FormatCSV && format != FormatJSON {
		return 0, fmt.Errorf("audit: unknown export format %q (want csv or json)", format)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	d := q.Details()
	d["format"] = format
	rec := l.record(actor, actorIP, ActionAuditExport, d)
	recs, err := l.store.AuditQuery(q, &rec)
	if err != nil {
		return 0, err
	}
	if format == FormatCSV {
		return len(recs), WriteCSV(w, recs)
	}
	return len(recs), WriteJSON(w, recs)
}

// Verify checks the whole chain.
func (l *Log) Verify(ctx context.Context) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	return l.store.VerifyAudit(l.now())
}

// Prune removes records older than the retention period, keeping the
// chain verifiable, and audits how many it removed.
func (l *Log) Prune(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	before := l.now().Add(-l.retention)
	rec := l.record("ward", "", ActionAuditPrune, map[string]string{"before": before.UTC().Format(time.RFC3339)})
	return l.store.PruneAudit(before, rec)
}

// Run prunes once an hour until ctx ends.
func (l *Log) Run(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := l.Prune(ctx); err != nil {
			l.logger.Error("audit retention failed", "err", err)
		} else if n > 0 {
			l.logger.Info("audit records pruned", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (l *Log) record(actor, ip, action string, details map[string]string) Record {
	return Record{Time: l.now(), Actor: actor, ActorIP: ip, Action: action, Outcome: Success, Details: details}
}
