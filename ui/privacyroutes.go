package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// privacyRoutes are the routes of /privacy and the GDPR export and erasure of ward's own users (issue 14).
// Everyone reads /privacy and exports their own data; admins export
// anyone's and erase. Export and erasure need step-up (the service
// checks it) and are audited.
func (s *Server) privacyRoutes() []endpoint {
	type hf = http.HandlerFunc
	return []endpoint{
		viewer(kindPage, "GET /privacy", hf(s.privacyPage)),
		viewer(kindPage, "POST /account/export", hf(s.exportOwn)),
		admin(kindPage, "GET /admin/users/{name}/export", hf(s.userExportPage)),
		admin(kindPage, "POST /admin/users/{name}/export", hf(s.exportUser)),
		admin(kindPage, "GET /admin/users/{name}/erase", hf(s.confirmErase)),
		admin(kindPage, "POST /admin/users/{name}/erase", hf(s.eraseSubmit)),
	}
}

// Privacy is GDPR for ward's own users (app/privacy.go).
type Privacy interface {
	// Export returns everything ward holds about name as a JSON-able
	// value, for p (name themselves or an admin), after step-up; audited.
	Export(ctx context.Context, p *auth.Principal, name string) (any, error)
	// Erase erases name for p (an admin, not name), after step-up;
	// audited.
	Erase(ctx context.Context, p *auth.Principal, name string) (ErasureResult, error)
	// Notice is the retention in force, for /privacy.
	Notice() PrivacyNotice
}

// ErasureResult says what an erasure did.
type ErasureResult struct {
	// Pseudonym is the erased marker the person's records now carry.
	Pseudonym string
	// The counts the privacy.erase audit record states: audit records
	// pseudonymised, sessions ended, API tokens revoked, other stored
	// values rewritten (events, backup runs...) and silences rewritten.
	Records, Sessions, Tokens int
	Rewritten, Silences       int
	// ErrorEvents is how many error events that carried the person's
	// email went (issue 16; its own errors.person.erase record).
	ErrorEvents int
}

// PrivacyNotice is the retention of each kind of personal data.
type PrivacyNotice struct {
	KnownDevices, AuditClientData, AuditRecords time.Duration
	SessionIdle, SessionMax, Events             time.Duration
	PruneInterval                               time.Duration
}
