package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	boltErrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process (usually a running `ward serve`) holds
// the state database.
var ErrLocked = errors.New("storage: state database is in use by another ward process")

// Bucket names and the schema version live here, in one place.
var (
	bucketMeta       = []byte("meta")
	bucketDeliveries = []byte("deliveries")

	// Identity and audit (schema 2).
	bucketUsers       = []byte("users")        // username -> User
	bucketSessions    = []byte("sessions")     // SHA-256(token) -> Session
	bucketResetTokens = []byte("reset_tokens") // SHA-256(token) -> ResetToken
	bucketAuth        = []byte("auth")         // key check, setup token
	bucketAudit       = []byte("audit")        // seq -> audit.Record
	bucketAuditChain  = []byte("audit_chain")  // head and pruning anchor

	// API tokens (schema 3).
	bucketAPITokens = []byte("api_tokens") // SHA-256(token) -> APIToken

	// The events timeline (schema 5).
	bucketEvents = []byte("events") // time (ns) + seq -> events.Event

	// The explorer's query history (schema 6, issue 11).
	bucketQueryHistory = []byte("query_history") // username -> JSON []string, newest first

	// Backup, drill and restore runs (schema 7, issue 12).
	bucketBackupRuns = []byte("backup_runs") // run id (sortable by start) -> JSON backups.Run

	// Rate-limit violations per hour (schema 8, issue 13).
	bucketLimitStats = []byte("limit_stats") // hour (Unix seconds, big-endian) -> JSON []LimitCount

	// Compliance and data protection (schema 9, issue 14).
	bucketEvidence     = []byte("compliance_evidence")     // control id / time (ns, big-endian) + seq -> JSON evidence record
	bucketAttestations = []byte("compliance_attestations") // manual control id -> JSON attestation
	bucketAuditEpochs  = []byte("audit_epochs")            // first seq (big-endian) -> the audit key of the records from there, sealed under the secret key
	bucketKeyRotation  = []byte("key_rotation")            // the rotation in progress, if any
	bucketErasures     = []byte("erasures")                // erasure id -> JSON erasure (pseudonyms only, never names)

	// Error tracking (schema 10, issue 16). Event payloads are files
	// under <data>/errors; these hold the index.
	bucketAppIssues      = []byte("app_issues")       // issue id -> JSON issue (counts, first/last seen, status)
	bucketAppEvents      = []byte("app_events")       // issue id + time (ns, big-endian) + event id -> JSON sample index entry
	bucketAppErrorCounts = []byte("app_error_counts") // issue id + hour (Unix seconds, big-endian) -> event count
	bucketAppEventIDs    = []byte("app_event_ids")    // event id -> issue id + time (ns, big-endian): the sample's key in app_events
	bucketAppEventTimes  = []byte("app_event_times")  // time (ns, big-endian) + event id -> issue id: oldest first, for retention and the size cap
	bucketAppIssueUsers  = []byte("app_issue_users")  // issue id + user hash -> nothing: the distinct users affected, up to a cap
	bucketAppReleases    = []byte("app_releases")     // project id + 0 + version -> JSON first and last seen

	keySchemaVersion = []byte("schema_version")
	keyEventCount    = []byte("event_count") // in bucketMeta
)

// schemaVersion is the layout this build writes. migrations[i] upgrades
// a database from version i to i+1.
const schemaVersion = 10

var migrations = []func(tx *bbolt.Tx) error{
	// 0 -> 1: the initial buckets.
	func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketDeliveries} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 -> 2: users, sessions, tokens and the audit trail.
	func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketUsers, bucketSessions, bucketResetTokens, bucketAuth, bucketAudit, bucketAuditChain} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 2 -> 3: API tokens.
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketAPITokens)
		return err
	},
	// 3 -> 4: audit records are sealed with HMAC-SHA-256 under a key
	// derived from the secret key. Re-sealing an existing v1 chain needs
	// that key, which never enters this file, so it happens in
	// SetAuditKey (auditkey.go); the version marks the layout, so that an
	// older ward refuses the file instead of appending unkeyed records
	// onto a keyed chain.
	func(*bbolt.Tx) error { return nil },
	// 4 -> 5: the events timeline.
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketEvents)
		return err
	},
	// 5 -> 6: the explorer's query history (issue 11).
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketQueryHistory)
		return err
	},
	// 6 -> 7: backup, drill and restore runs (issue 12).
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketBackupRuns)
		return err
	},
	// 7 -> 8: rate-limit violations per hour (issue 13).
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketLimitStats)
		return err
	},
	// 8 -> 9: compliance evidence, attestations, audit key epochs, key
	// rotation and the erasure ledger (issue 14).
	func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketEvidence, bucketAttestations, bucketAuditEpochs, bucketKeyRotation, bucketErasures} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 9 -> 10: error tracking's issues, sample index and hourly counts
	// (issue 16).
	func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketAppIssues, bucketAppEvents, bucketAppErrorCounts,
			bucketAppEventIDs, bucketAppEventTimes, bucketAppIssueUsers, bucketAppReleases} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
}

// State is ward's bbolt database: everything that is not a metric.
// Each exported method is one transaction; Update and View run one that
// the caller composes from Tx helpers (tx.go).
type State struct {
	db *bbolt.DB
	// seal holds the key audit records are sealed under (auditkey.go).
	// It is here, not found through the database, because a bbolt
	// transaction carries no values: Tx carries its State instead.
	seal *sealer
}

// OpenState opens (creating if needed) the state database at path and
// migrates it to the current schema. It waits at most a second for the
// file lock and then returns ErrLocked.
func OpenState(path string) (*State, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if errors.Is(err, boltErrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	if err := db.Update(migrate); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: migrate %s: %w", path, err)
	}
	return &State{db: db, seal: newSealer()}, nil
}

func migrate(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	v := 0
	if b := meta.Get(keySchemaVersion); len(b) == 1 {
		v = int(b[0])
	}
	if v > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this ward understands (%d)", v, schemaVersion)
	}
	for ; v < schemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return meta.Put(keySchemaVersion, []byte{byte(schemaVersion)})
}

// Close closes the database.
func (s *State) Close() error {
	return s.db.Close() // waits for open transactions, which may seal records
}
