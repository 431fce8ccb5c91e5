package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/ratelimit"
)

// Limits configures the request rate limits (section `limits:`, issue
// 13): one rate per class of routes, per principal (a user, an API
// token) or, for anonymous callers, per client address (IPv6 by /64),
// with per-role overrides. A reload replaces them without a restart.
type Limits struct {
	// APIRead: API reads (GET) other than queries.
	APIRead Rate `yaml:"api_read"`
	// APIQuery: PromQL queries, series and label lookups, charged by
	// cost (ratelimit.QueryCost), so rate is in cost units.
	APIQuery Rate `yaml:"api_query"`
	// APIWrite: API changes (silences, alerts, receiver tests, backup
	// actions, reloads).
	APIWrite Rate `yaml:"api_write"`
	// Page: a signed-in person's page views, form posts and live
	// refreshes.
	Page Rate `yaml:"page"`
	// Anonymous: public routes (health, sign-in pages, static files)
	// and requests failing authentication, per client address.
	Anonymous Rate `yaml:"anonymous"`
	// SignIn: sign-in, setup and password-reset form posts per client
	// address, in a fixed window.
	SignIn Rate `yaml:"sign_in"`
	// Ping: backup pings per ping token, in a fixed window.
	Ping Rate `yaml:"ping"`
	// Roles overrides the principal classes (api_read, api_query,
	// api_write, page) for a role: viewer, operator or admin.
	Roles map[string]RoleLimits `yaml:"roles,omitempty"`
}

// Rate is rate requests (or cost units) per window; a token bucket holds
// at most burst (rate when unset).
type Rate struct {
	Rate  int            `yaml:"rate"`
	Per   model.Duration `yaml:"per"`
	Burst int            `yaml:"burst,omitempty"`
}

// RoleLimits are one role's overrides; an override without per takes
// the class's.
type RoleLimits struct {
	APIRead  *Rate `yaml:"api_read,omitempty"`
	APIQuery *Rate `yaml:"api_query,omitempty"`
	APIWrite *Rate `yaml:"api_write,omitempty"`
	Page     *Rate `yaml:"page,omitempty"`
}

func perMinute(n int) Rate { return Rate{Rate: n, Per: model.Duration(time.Minute)} }

// DefaultLimits returns the limits' defaults: 100 API reads a minute per
// principal, as ward's plan asks, 600 query cost units (200 Grafana
// panels over 6 hours) with room for 1200 at once (thirteen boards of
// 30-day charts opening), 60 writes, 600 page views (a person never
// reaches it: a live tab refetches at most once a second), 600
// anonymous requests per address, 30 sign-in posts per address and 60
// pings per token.
func DefaultLimits() Limits {
	return Limits{
		APIRead: perMinute(100), APIQuery: Rate{Rate: 600, Per: model.Duration(time.Minute), Burst: 1200}, APIWrite: perMinute(60),
		Page: perMinute(600), Anonymous: perMinute(600),
		SignIn: perMinute(30), Ping: perMinute(60),
	}
}

// Bounds of a rate.
const (
	maxLimitRate = 1_000_000
	minLimitPer  = time.Second
	maxLimitPer  = 24 * time.Hour
)

// limitRoles are the roles limits.roles may name.
var limitRoles = []string{"viewer", "operator", "admin"}

// Rates returns the limits as the rate limiter's policies, by class.
func (l Limits) Rates() ratelimit.Rates {
	pol := func(name string, r Rate) ratelimit.Policy {
		return ratelimit.Policy{Name: name, Quota: r.Rate, Window: time.Duration(r.Per), Burst: r.Burst}
	}
	out := ratelimit.Rates{Classes: map[string]ratelimit.Policy{}, Roles: map[string]map[string]ratelimit.Policy{}}
	for _, c := range l.classes() {
		out.Classes[c.name] = pol(c.name, *c.rate)
	}
	for role, rl := range l.Roles {
		m := map[string]ratelimit.Policy{}
		for _, c := range rl.classes(l) {
			r := *c.rate
			if r.Per == 0 {
				r.Per = c.base.Per
			}
			m[c.name] = pol(c.name, r)
		}
		out.Roles[role] = m
	}
	return out
}

type limitClass struct {
	key, name string
	rate      *Rate
	base      Rate // a role override's class rate
}

func (l *Limits) classes() []limitClass {
	return []limitClass{
		{key: "api_read", name: "api_read", rate: &l.APIRead},
		{key: "api_query", name: "api_query", rate: &l.APIQuery},
		{key: "api_write", name: "api_write", rate: &l.APIWrite},
		{key: "page", name: "page", rate: &l.Page},
		{key: "anonymous", name: "anonymous", rate: &l.Anonymous},
		{key: "sign_in", name: "sign_in", rate: &l.SignIn},
		{key: "ping", name: "ping", rate: &l.Ping},
	}
}

func (rl RoleLimits) classes(l Limits) []limitClass {
	var out []limitClass
	for _, c := range []limitClass{
		{key: "api_read", name: "api_read", rate: rl.APIRead, base: l.APIRead},
		{key: "api_query", name: "api_query", rate: rl.APIQuery, base: l.APIQuery},
		{key: "api_write", name: "api_write", rate: rl.APIWrite, base: l.APIWrite},
		{key: "page", name: "page", rate: rl.Page, base: l.Page},
	} {
		if c.rate != nil {
			out = append(out, c)
		}
	}
	return out
}

// problems checks the limits section, each problem under its key.
func (l Limits) problems() []fieldError {
	var errs []fieldError
	for _, c := range l.classes() {
		errs = append(errs, c.rate.problems("limits."+c.key, false)...)
	}
	roles := make([]string, 0, len(l.Roles))
	for role := range l.Roles {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		path := "limits.roles." + role
		if !slices.Contains(limitRoles, role) {
			errs = append(errs, fieldError{path: path, msg: fmt.Sprintf("unknown role %q: want viewer, operator or admin", role)})
			continue
		}
		for _, c := range l.Roles[role].classes(l) {
			errs = append(errs, c.rate.problems(path+"."+c.key, true)...)
		}
	}
	return errs
}

func (r Rate) problems(path string, override bool) []fieldError {
	var errs []fieldError
	if r.Rate < 1 || r.Rate > maxLimitRate {
		errs = append(errs, fieldError{path: path + ".rate", msg: fmt.Sprintf("must be between 1 and %d, got %d", maxLimitRate, r.Rate)})
	}
	if p := time.Duration(r.Per); !(override && p == 0) && (p < minLimitPer || p > maxLimitPer) {
		errs = append(errs, fieldError{path: path + ".per", msg: fmt.Sprintf("must be between %s and %s, got %s",
			model.Duration(minLimitPer), model.Duration(maxLimitPer), r.Per)})
	}
	if r.Burst != 0 && (r.Burst < 1 || r.Burst > maxLimitRate) {
		errs = append(errs, fieldError{path: path + ".burst", msg: fmt.Sprintf("must be between 1 and %d, got %d", maxLimitRate, r.Burst)})
	}
	return errs
}
