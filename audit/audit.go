// Package audit owns ward's tamper-evident audit trail: the record, its
// canonical encoding and hash chain, verification that names the first bad
// record, filtering, export and retention. Records live in the state
// database; storage appends them in the same transaction as the change
// they describe, so a change and its record commit or fail together.
package audit

import (
	"errors"
	"time"
)

// Outcome says how an audited action ended.
type Outcome string

// Outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
)

// Actions recorded by ward. Stored as text; new ones may be added, never
// renamed, since records already written keep their old names.
const (
	ActionLogin            = "login"
	ActionLoginPassword    = "login.password"
	ActionLogout           = "logout"
	ActionSessionExpire    = "session.expire"
	ActionSessionRevoke    = "session.revoke"
	ActionStepUp           = "session.step_up"
	ActionTOTPEnrol        = "2fa.enrol"
	ActionTOTPDisable      = "2fa.disable"
	ActionTOTPReset        = "2fa.reset"
	ActionRecoveryUse      = "2fa.recovery_use"
	ActionRecoveryRenew    = "2fa.recovery_regenerate"
	ActionPasswordChange   = "password.change"
	ActionPasswordReset    = "password.reset"
	ActionPasswordResetReq = "password.reset_request"
	ActionUserCreate       = "user.create"
	ActionUserDisable      = "user.disable"
	ActionUserEnable       = "user.enable"
	ActionUserDelete       = "user.delete"
	ActionUserRole         = "user.role"
	ActionSetupToken       = "setup.token"
	ActionSetupComplete    = "setup.complete"
	ActionKeyInit          = "key.init"
	ActionKeyReplace       = "key.replace"
	ActionAuditView        = "audit.view"
	ActionAuditExport      = "audit.export"
	ActionAuditPrune       = "audit.prune"
	ActionConfigReload     = "config.reload"
	ActionSilenceCreate    = "silence.create"
	ActionSilenceUpdate    = "silence.update"
	ActionSilenceExpire    = "silence.expire"
	ActionAlertPost        = "alert.post"
	ActionReceiverTest     = "receiver.test"
	ActionAccessDenied     = "access.denied"
	// The explorer's query history (issue 11).
	ActionHistoryClear = "history.clear"
	// Backups (issue 12): "run now" and drills or restores.
	ActionBackupRun     = "backup.run"
	ActionBackupRestore = "backup.restore"
	// Rate limits (issue 13): a refused request, sampled.
	ActionRateLimited = "rate.limited"
	// Compliance and data protection (issue 14).
	//
	// ActionDataRead is a read of sensitive data (an export, an
	// evidence pack, a backup run's log, an error event's payload):
	// details say what and how many records.
	ActionDataRead         = "data.read"
	ActionComplianceAttest = "compliance.attest"
	ActionComplianceReport = "compliance.report"
	ActionComplianceCheck  = "compliance.check"
	ActionKeyRotateStart   = "key.rotate_start"
	ActionKeyRotate        = "key.rotate"
	ActionPrivacyExport    = "privacy.export"
	ActionPrivacyErase     = "privacy.erase"
	ActionPrivacyReapply   = "privacy.reapply"
	ActionPrivacyPrune     = "privacy.prune"
	ActionSelfBackup       = "backup.self"
	ActionSelfRestore      = "restore.self"
)

// Record is one audited event. Seq, Prev and Hash are set by Seal when the
// record is appended; callers fill in the rest.
type Record struct {
	Seq     uint64            `json:"seq"`
	Time    time.Time         `json:"time"`
	Actor   string            `json:"actor"`
	ActorIP string            `json:"actor_ip,omitempty"`
	Action  string            `json:"action"`
	Target  string            `json:"target,omitempty"`
	Outcome Outcome           `json:"outcome"`
	Details map[string]string `json:"details,omitempty"`
	// Prev is the hash of the record before this one (or of the pruning
	// anchor); Hash covers Prev and the canonical encoding of this record.
	Prev []byte `json:"prev"`
	Hash []byte `json:"hash"`
}

// HashSize is the length of Prev and Hash.
const HashSize = 32

// Genesis is the Prev of the first record ever written.
var Genesis = make([]byte, HashSize)

// Anchor is where verification starts: the last record pruned (or the
// genesis), so that a chain with its oldest records removed by retention
// still verifies end to end.
type Anchor struct {
	Seq  uint64 `json:"seq"` // 0: nothing pruned yet
	Hash []byte `json:"hash"`
}

// Errors.
var (
	ErrMalformed = errors.New("audit: malformed record")
	ErrRetention = errors.New("audit: retention below the minimum")
)

// Retention bounds.
const (
	DefaultRetention = 400 * 24 * time.Hour
	MinRetention     = 30 * 24 * time.Hour
)
