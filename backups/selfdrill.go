package backups

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// DrillSelf is the restore test of a self-backup: it restores the newest
// snapshot of src into a scratch directory under scratch, checks that it
// is a working ward (the state database opens and holds users, the
// audit chain verifies under key, the TSDB opens and answers a query)
// and deletes the copy. The result holds one assertion per check; err
// is set when any failed or the restore itself did.
func DrillSelf(ctx context.Context, src SelfDest, key *auth.Key, scratch string, now time.Time) (res DrillResult, name string, err error) {
	dir, err := os.MkdirTemp(scratch, "self-drill-")
	if err != nil {
		return res, "", err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	restored, err := RestoreSelf(ctx, src, "", key, filepath.Join(dir, "data"))
	res.Restore = time.Since(start)
	res.Bytes = restored.Bytes
	if err != nil {
		res.Assertions = append(res.Assertions, Assertion{Name: "restore", Detail: oneLineError(err)})
		return res, restored.Name, err
	}
	res.Assertions = append(res.Assertions, Assertion{Name: "restore", Passed: true,
		Detail: fmt.Sprintf("%s: %d files, %d bytes, made %s", restored.Name, restored.Files, restored.Bytes, restored.Manifest.Created.Format(time.RFC3339))})
	qstart := time.Now()
	res.Assertions = append(res.Assertions, checkSelfState(filepath.Join(dir, "data"), key, now)...)
	res.Assertions = append(res.Assertions, checkSelfTSDB(ctx, filepath.Join(dir, "data", selfTSDBDir), dir))
	res.FirstQuery = time.Since(qstart)
	res.RTO = res.Restore + res.FirstQuery
	if s := res.Restore.Seconds(); s > 0 {
		res.Throughput = float64(res.Bytes) / s
	}
	for _, a := range res.Assertions {
		if !a.Passed {
			return res, restored.Name, fmt.Errorf("restore test of %s: %s: %s", restored.Name, a.Name, a.Detail)
		}
	}
	return res, restored.Name, nil
}

// checkSelfState opens the restored state database: it must hold users,
// and its audit chain must verify under key's epochs.
func checkSelfState(dataDir string, key *auth.Key, now time.Time) []Assertion {
	st, err := storage.OpenState(filepath.Join(dataDir, selfStateName))
	if err != nil {
		return []Assertion{{Name: "state database opens", Detail: oneLineError(err)}}
	}
	defer st.Close()
	out := []Assertion{{Name: "state database opens", Passed: true, Detail: selfStateName}}
	users, err := st.Users()
	switch {
	case err != nil:
		out = append(out, Assertion{Name: "users", Detail: oneLineError(err)})
	case len(users) == 0:
		out = append(out, Assertion{Name: "users", Detail: "the restored database holds no user"})
	default:
		out = append(out, Assertion{Name: "users", Passed: true, Detail: fmt.Sprintf("%d users", len(users))})
	}
	// Each record under its epoch's key: the chain's epochs from before
	// a key rotation are kept sealed under the current key.
	r, err := st.VerifyAuditWithKey(key, now)
	switch {
	case err != nil:
		out = append(out, Assertion{Name: "audit chain verifies", Detail: oneLineError(err)})
	case !r.Valid:
		out = append(out, Assertion{Name: "audit chain verifies", Detail: fmt.Sprintf("record %d: %s", r.FirstBad, r.Problem)})
	default:
		out = append(out, Assertion{Name: "audit chain verifies", Passed: true, Detail: fmt.Sprintf("%d records, head %d", r.Records, r.Last)})
	}
	return out
}

// maxSelfDrillSeries bounds the series whose samples a restore test reads.
const maxSelfDrillSeries = 1000

// checkSelfTSDB opens the restored TSDB read-only and asks it for every
// series: ward scrapes itself, so a working copy holds some.
func checkSelfTSDB(ctx context.Context, dir, sandbox string) Assertion {
	const name = "tsdb answers a query"
	// A snapshot holds blocks only (the head is written as one); the
	// read-only opener still wants a write-ahead log directory.
	if err := os.MkdirAll(filepath.Join(dir, "wal"), 0o700); err != nil {
		return Assertion{Name: name, Detail: oneLineError(err)}
	}
	db, err := tsdb.OpenDBReadOnly(dir, sandbox, slog.New(slog.DiscardHandler))
	if err != nil {
		return Assertion{Name: name, Detail: oneLineError(err)}
	}
	defer db.Close()
	q, err := db.Querier(math.MinInt64, math.MaxInt64)
	if err != nil {
		return Assertion{Name: name, Detail: oneLineError(err)}
	}
	defer q.Close()
	set := q.Select(ctx, false, nil, labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, ".+"))
	series, samples := 0, 0
	for set.Next() {
		series++
		if series > maxSelfDrillSeries {
			continue // counted, not read: the first ones prove the chunks read
		}
		it := set.At().Iterator(nil)
		for it.Next() != 0 {
			samples++
		}
		if err := it.Err(); err != nil {
			return Assertion{Name: name, Detail: oneLineError(err)}
		}
	}
	if err := set.Err(); err != nil {
		return Assertion{Name: name, Detail: oneLineError(err)}
	}
	if series == 0 {
		return Assertion{Name: name, Detail: "the restored TSDB holds no series"}
	}
	return Assertion{Name: name, Passed: true, Detail: fmt.Sprintf("%d series; %d samples in the first %d", series, samples, min(series, maxSelfDrillSeries))}
}
