package compliance

import (
	"fmt"
	"slices"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// maxSessionIdle is the longest session idle timeout the control allows.
const maxSessionIdle = 30 * time.Minute

// usersSource links the users page.
var usersSource = Source{Kind: "user", Ref: "users", URL: "/admin/users"}

// checkTwoFactor: every enabled user of a role that must use 2FA (admin
// always, and compliance.require_2fa_roles) has it enrolled.
func checkTwoFactor(e *env) Result {
	roles := []string{"admin"}
	for _, r := range e.cfg.Compliance.Require2FARoles {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	users, err := e.facts.Users()
	if err != nil {
		return failed("", "", "reading users: "+err.Error(), usersSource)
	}
	var total int
	var missing []string
	for _, u := range users {
		if u.Disabled || !slices.Contains(roles, u.Role) {
			continue
		}
		total++
		if len(u.TOTPSecret) == 0 {
			missing = append(missing, u.Name+" ("+u.Role+")")
		}
	}
	threshold := "100% of " + names(roles) + " users"
	src := []Source{usersSource, configSource("compliance.require_2fa_roles")}
	if total == 0 {
		return Result{Status: NA, Value: "no enabled user of " + names(roles), Threshold: threshold, Sources: src}
	}
	value := fmt.Sprintf("%d of %d enrolled", total-len(missing), total)
	if len(missing) > 0 {
		return failed(value, threshold, "Without 2FA: "+names(missing)+". They enrol on [/account/2fa](/account/2fa); `auth.two_factor.required_roles` makes it mandatory at sign-in.", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// lastUsed is when u last signed in, or was made if never.
func lastUsed(u storage.User) time.Time {
	if u.LastLogin.After(u.Created) {
		return u.LastLogin
	}
	return u.Created
}

// checkInactive: no enabled account has gone unused for
// compliance.inactive_after.
func checkInactive(e *env) Result {
	after := time.Duration(e.cfg.Compliance.InactiveAfter)
	users, err := e.facts.Users()
	if err != nil {
		return failed("", "", "reading users: "+err.Error(), usersSource)
	}
	threshold := "no enabled account unused for " + days(after)
	var stale []string
	enabled := 0
	for _, u := range users {
		if u.Disabled {
			continue
		}
		enabled++
		if e.now.Sub(lastUsed(u)) > after {
			stale = append(stale, fmt.Sprintf("%s (%s)", u.Name, days(e.now.Sub(lastUsed(u)).Truncate(24*time.Hour))))
		}
	}
	src := []Source{usersSource, configSource("compliance.inactive_after")}
	value := fmt.Sprintf("%d of %d enabled accounts unused", len(stale), enabled)
	if len(stale) > 0 {
		return failed(value, threshold, "Unused: "+names(stale)+". Disable the accounts nobody needs on [/admin/users](/admin/users).", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// checkSessions: sessions end after at most 30 idle minutes and a user
// holds a bounded number at once.
func checkSessions(e *env) Result {
	s := e.cfg.Auth.Session
	idle := time.Duration(s.IdleTimeout)
	value := fmt.Sprintf("idle timeout %s, at most %d per user (%s)", days(idle), s.MaxPerUser, s.OnLimit)
	threshold := "idle timeout ≤ 30m; a per-user session limit"
	src := []Source{configSource("auth.session"), {Kind: "config", Ref: "sessions", URL: "/sessions"}}
	switch {
	case idle <= 0 || idle > maxSessionIdle:
		return failed(value, threshold, "Set `auth.session.idle_timeout` to 30m or less and reload.", src...)
	case s.MaxPerUser < 1:
		return failed(value, threshold, "Set `auth.session.max_per_user` and reload.", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
