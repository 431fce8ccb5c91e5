package compliance

import (
	"context"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// Facts is what the controls read of the running ward. Package app
// implements it over its components; every method reads, none changes
// anything.
type Facts interface {
	// Config is the configuration in force.
	Config() *config.Config
	// Users are every user, disabled ones included.
	Users() ([]storage.User, error)
	// Routes are the HTTP route table with each route's rate limit.
	Routes() []Route
	// VerifyAudit verifies the audit chain, and it against anchors.
	VerifyAudit(now time.Time, anchors ...audit.External) (audit.Result, error)
	// Backups are the backup jobs' and stanzas' state and run history;
	// nil when ward has none.
	Backups() backups.Service
	// Deliveries are a receiver's recent notification attempts, newest
	// first (tests of the receiver included).
	Deliveries(receiver string, limit int) ([]storage.Delivery, error)
	// Query runs an instant PromQL query over ward's TSDB.
	Query(ctx context.Context, expr string, ts time.Time) (promql.Vector, error)
	// AlertRules are the names of the alerting rules loaded now.
	AlertRules() []string
	// SecretKey says where the secret key that seals stored secrets
	// comes from.
	SecretKey() KeySource
}

// Route is one route of the HTTP route table and its rate limit.
type Route struct {
	// Pattern is the ServeMux pattern ("GET /api/v1/query").
	Pattern string
	// API routes answer programs (API tokens); the others are pages.
	API bool
	// Class is the route's limit class ("api_read", or "unlimited").
	Class string
	// Policy is the limit in force for the class ("100 per 1m"); empty
	// when the class has none.
	Policy string
}

// KeySource is where the secret key comes from.
type KeySource struct {
	// Env is set when the key itself is in $WARD_SECRET_KEY.
	Env bool
	// File is the key file otherwise ($WARD_SECRET_KEY_FILE,
	// auth.secret_key_file or <data>/ward.key).
	File string
}
