package auth

import "time"

// Notifier tells users by email what happened to their account. The
// Service calls it only after the change is committed. Its methods must
// not block: an implementation queues the mail and sends it in the
// background with its own timeout, so a slow or hung mail server never
// delays a sign-in. A nil Notifier means ward cannot send mail; the
// Service then logs (without secrets) what the user should have been told.
type Notifier interface {
	// PasswordReset sends the single-use link for token, which works
	// until expires.
	PasswordReset(n Notice, token string, expires time.Time)
	// RecoveryCodeUsed says a recovery code was used and left remain.
	RecoveryCodeUsed(n Notice, left int)
	// NewClient says someone signed in from an IP and agent pair not seen
	// before for the user.
	NewClient(n Notice)
}

// Notice is what every notification says: whose account, where to write,
// and when and from where it happened.
type Notice struct {
	User      string
	Email     string
	Time      time.Time
	IP        string
	UserAgent string
}

// SendsMail reports whether the Service can email users, so that pages
// can say whether a reset link is on its way.
func (s *Service) SendsMail() bool { return s.notifier != nil }

// notifyRecovery tells the user a recovery code was used.
func (s *Service) notifyRecovery(n Notice, left int) {
	switch {
	case s.notifier == nil:
		s.logger.Warn("recovery code used; ward has no mail section, so the user was not emailed", "user", n.User, "remaining", left)
	case n.Email == "":
		s.logger.Warn("recovery code used; the user has no email address to tell", "user", n.User, "remaining", left)
	default:
		s.notifier.RecoveryCodeUsed(n, left)
	}
}

// notifyNewClient tells the user about a sign-in from a new device.
func (s *Service) notifyNewClient(n Notice) {
	switch {
	case s.notifier == nil:
		s.logger.Info("sign-in from a new IP and agent; ward has no mail section, so the user was not emailed", "user", n.User, "ip", n.IP)
	case n.Email == "":
		s.logger.Info("sign-in from a new IP and agent; the user has no email address to tell", "user", n.User, "ip", n.IP)
	default:
		s.notifier.NewClient(n)
	}
}

// notifyReset sends the reset link. The token is never logged.
func (s *Service) notifyReset(n Notice, token string, expires time.Time) {
	switch {
	case s.notifier == nil:
		s.logger.Warn("password reset requested, but ward has no mail section; an admin can make a reset link on /admin/users", "user", n.User)
	case n.Email == "":
		s.logger.Warn("password reset requested for a user without an email address; an admin can make a reset link on /admin/users", "user", n.User)
	default:
		s.notifier.PasswordReset(n, token, expires)
	}
}
