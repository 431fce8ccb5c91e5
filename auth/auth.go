// Package auth owns who may use ward: users and roles, password hashing
// and policy, TOTP two-factor authentication with recovery codes, sign-in
// with attempt limits, server-side sessions, step-up, password reset and
// first-run setup. State lives in the storage package's bbolt database;
// every change is committed together with its audit record. HTTP, cookies
// and pages are not here: the UI calls this package's Service.
package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Options are the Service's dependencies.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Hasher hashes passwords; nil means DefaultHasher().
	Hasher Hasher
	// Key seals TOTP secrets (see OpenKey). Without one, enrolment and
	// the 2FA step fail with ErrNoKey.
	Key *Key
	// Issuer names ward in authenticator apps; empty means "ward".
	Issuer string
	// Notifier emails users reset links and security notices; nil means
	// ward sends no mail (see Notifier).
	Notifier Notifier
	// SetupDone, when set, is called once CompleteSetup has created the
	// first admin (ward deletes the file holding the spent setup URL).
	SetupDone func()
}

// Service is the identity service. It is safe for concurrent use.
type Service struct {
	st     *storage.State
	cfg    Config
	key    *Key
	hasher Hasher
	now    func() time.Time
	logger *slog.Logger
	issuer string
	// notifier is nil when ward sends no mail.
	notifier Notifier
	// setupDone is Options.SetupDone.
	setupDone func()

	// dummyHash is verified for unknown users so that they take as long
	// as known ones.
	dummyHash string

	login        *limiter // password step: per account, IP and known client
	secondFactor *limiter // 2FA step and step-up: per account
	reset        *limiter // self-service reset requests: per account and per IP
	adminReset   *limiter // reset links admins issue: per admin
}

// defaultDummyHash is an argon2id hash of a discarded random password at
// DefaultHasher's parameters. Unknown users are verified against it, so
// that they take as long as known ones; a constant spares every start an
// argon2 computation and its 19 MiB peak (a test pins the parameters).
const defaultDummyHash = "$argon2id$v=19$m=19456,t=2,p=1$uiB75++s9vR84K6APOScPw$bAft+1KVYSa7CycAAz2hFbKmwIzRtuy3giLyBXivZkg"

// New returns a Service over st. cfg must be valid.
func New(st *storage.State, cfg Config, o Options) (*Service, error) {
	if problems := cfg.Validate(); len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = errors.New(p)
		}
		return nil, errors.Join(errs...)
	}
	s := &Service{
		st: st, cfg: cfg, key: o.Key, hasher: o.Hasher, now: o.Now, logger: o.Logger, issuer: o.Issuer,
		notifier:     o.Notifier,
		setupDone:    o.SetupDone,
		login:        newLimiter(loginPolicy),
		secondFactor: newLimiter(secondFactorPolicy),
		reset:        newLimiter(resetPolicy),
		adminReset:   newLimiter(adminResetPolicy),
	}
	if s.hasher == nil {
		s.hasher = DefaultHasher()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.issuer == "" {
		s.issuer = "ward"
	}
	if h, ok := s.hasher.(Argon2id); ok && h == DefaultHasher() {
		s.dummyHash = defaultDummyHash
	} else {
		var err error
		if s.dummyHash, err = s.hasher.Hash(newToken()); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	s.hasher = newBoundedHasher(s.hasher, MaxConcurrentHashes)
	return s, nil
}

// User is what the UI may see of a user: no hashes, no secrets.
type User struct {
	Name            string
	Email           string
	Role            Role
	Disabled        bool
	Created         time.Time
	LastLogin       time.Time
	PasswordChanged time.Time
	// TwoFactor is true when TOTP is enabled.
	TwoFactor bool
	// RecoveryCodesLeft counts unused recovery codes.
	RecoveryCodesLeft int
	// MustEnrol is true when the role requires 2FA and none is enabled:
	// the UI sends the user to enrolment before anything else.
	MustEnrol bool
	// Throttled is how long a sign-in from a new device must wait after
	// failed attempts (set by Users; admins can clear it).
	Throttled time.Duration
}

func (s *Service) view(u storage.User) User {
	return User{
		Name: u.Name, Email: u.Email, Role: Role(u.Role), Disabled: u.Disabled,
		Created: u.Created, LastLogin: u.LastLogin, PasswordChanged: u.PasswordChanged,
		TwoFactor:         len(u.TOTPSecret) > 0,
		RecoveryCodesLeft: len(u.RecoveryHashes),
		MustEnrol:         len(u.TOTPSecret) == 0 && requiresTwoFactor(s.cfg, Role(u.Role)),
	}
}

// TwoFactorRequired reports whether users with role must enrol in 2FA.
func (s *Service) TwoFactorRequired(r Role) bool { return requiresTwoFactor(s.cfg, r) }

// usernameRE: lower-case letters, digits, dot, dash and underscore,
// starting with a letter or digit.
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidUsername reports whether name is acceptable as a username.
func ValidUsername(name string) bool { return usernameRE.MatchString(name) }

// ReservedUsername reports whether name is kept for ward itself and so
// cannot be given to a new user: SystemActor names ward's own actions in
// the audit trail. The other actor names ("cli:root", "token:NAME") hold
// a ':' and so can never be valid usernames. A user of a reserved name in
// an older database can still sign in; nothing treats it as ward (the
// rate-limit exemption goes by Principal.Internal and Local).
func ReservedUsername(name string) bool { return name == SystemActor }

func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return fmt.Errorf("%w %q", ErrInvalidEmail, email)
	}
	return nil
}

// record builds an audit record at the service's clock, naming its
// actor and address itself: a sign-in has no principal yet.
func (s *Service) record(actor, ip, action, target string, outcome audit.Outcome, details map[string]string) audit.Record {
	return newRecord(s.now(), actor, ip, action, target, outcome, details)
}

// appendAudit writes a record that accompanies no change (a failure). A
// failure to write it is logged, not returned: the caller's own error is
// what the user must see.
func (s *Service) appendAudit(r audit.Record) {
	if err := s.st.AppendAudit(r); err != nil {
		s.logger.Error("audit append failed", "err", err, "action", r.Action)
	}
}

// storeErr maps storage errors to auth ones.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrTokenInvalid):
		return ErrTokenInvalid
	case errors.Is(err, storage.ErrExists):
		return ErrUserExists
	case errors.Is(err, storage.ErrNotFound):
		return ErrUserNotFound
	}
	// Errors from this package's own callbacks, and storage errors that
	// already carry their context, pass through.
	return err
}
