// Package rules evaluates Prometheus-format recording and alerting rules
// with Prometheus' own rule manager: the user's rule files plus ward's
// embedded rule pack (package rules/builtin).
package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/querylimit"
)

// Options wires a Manager to the rest of ward.
type Options struct {
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
	Engine      *promql.Engine
	DB          *tsdb.DB
	ExternalURL *url.URL
	// Notify receives alerts to send, as Prometheus' rule manager hands
	// them to its notifier. Nil drops them (they still show in the API).
	Notify promrules.NotifyFunc
	// ForGracePeriod is rules.for_grace_period (config/rulesrestore.go):
	// the least time an alert whose `for` state was restored at start
	// waits before firing. Zero: none.
	ForGracePeriod time.Duration
}

// Manager evaluates the configured rule groups.
type Manager struct {
	logger *slog.Logger
	loader *loader
	rules  *promrules.Manager
	// externalURL is the base of alert links ($externalURL in templates).
	externalURL string
	// ondata triggers evaluations from scrapes and checks (ondata.go).
	ondata *onData

	mu sync.Mutex // serialises ApplyConfig
}

// NewParser returns the PromQL parser ward uses everywhere, so that rule
// files, queries and `ward check` accept the same language.
func NewParser() parser.Parser {
	return parser.NewParser(parser.Options{})
}

// NewManager builds a Manager. Nothing is evaluated until ApplyConfig and Run.
func NewManager(o Options) *Manager {
	l := &loader{parser: NewParser(), logger: o.Logger}
	notify := o.Notify
	if notify == nil {
		notify = func(context.Context, string, ...*promrules.Alert) {}
	}
	m := promrules.NewManager(&promrules.ManagerOptions{
		ExternalURL:  o.ExternalURL,
		QueryFunc:    promrules.EngineQueryFunc(o.Engine, o.DB),
		NotifyFunc:   notify,
		Context:      context.Background(),
		AppendableV2: o.DB,
		Queryable:    o.DB,
		Logger:       o.Logger.With("component", "rules"),
		Registerer:   o.Registerer,
		// Prometheus' defaults: tolerate an hour of outage when
		// restoring `for` state and resend firing alerts every minute.
		// The grace period is ward's own (config/rulesrestore.go says why).
		OutageTolerance: time.Hour,
		ForGracePeriod:  o.ForGracePeriod,
		ResendDelay:     time.Minute,
		GroupLoader:     l,
		Parser:          l.parser,
	})
	// Rule templates write "{{ $externalURL }}/path" (the built-in
	// runbook links do): like Prometheus, drop the external URL's
	// trailing slash so that they do not get "//path".
	ext := strings.TrimSuffix(o.ExternalURL.String(), "/")
	return &Manager{logger: o.Logger, loader: l, rules: m, externalURL: ext, ondata: newOnData(o.Logger, o.Registerer)}
}

// Files resolves the rule files cfg asks for: the built-in pack (when
// enabled) and the user's rule_files globs, in a stable order.
func Files(cfg *config.Config) ([]string, error) {
	var files []string
	if cfg.Rules.Builtin {
		files = append(files, builtinFiles()...)
	}
	for _, pat := range cfg.RuleFiles() {
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("rule_files: %q: %w", pat, err)
		}
		sort.Strings(matches)
		files = append(files, matches...)
	}
	return files, nil
}

// ApplyConfig loads the rule files cfg names and swaps them in. On any
// error the running rules are kept and every problem is returned, each
// prefixed with file:line:column.
func (m *Manager) ApplyConfig(cfg *config.Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	files, drop, err := m.plan(cfg)
	if err != nil {
		return err
	}
	m.loader.setDrop(drop)
	g := cfg.Prometheus.GlobalConfig
	interval := time.Duration(g.EvaluationInterval)
	m.ondata.pause()
	err = m.rules.Update(interval, files, g.ExternalLabels, m.externalURL, m.ondata.iterate)
	// On error Prometheus keeps the running groups: attach them again.
	m.ondata.rebuild(m.rules.RuleGroups(), m.loader.evalModes())
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	return nil
}

// plan validates every rule file and works out which built-in rules to
// leave out.
func (m *Manager) plan(cfg *config.Config) (files []string, drop map[string]bool, err error) {
	return plan(cfg, m.loader)
}

// Validate checks every rule file cfg loads, and the built-in pack
// settings, the way a reload would; it returns every problem at once.
func Validate(cfg *config.Config) (ruleCount int, err error) {
	l := &loader{parser: NewParser(), logger: slog.New(slog.DiscardHandler)}
	files, drop, err := plan(cfg, l)
	if err != nil {
		return 0, err
	}
	l.setDrop(drop)
	for _, f := range files {
		rgs, errs := l.Load(f, false, cfg.Prometheus.GlobalConfig.MetricNameValidationScheme)
		if errs != nil {
			return 0, errors.Join(errs...)
		}
		var costly []error
		for _, g := range rgs.Groups {
			ruleCount += len(g.Rules)
			costly = append(costly, checkCost(l.parser, f, g, cfg)...)
		}
		if len(costly) > 0 {
			return 0, errors.Join(costly...)
		}
	}
	return ruleCount, nil
}

// checkCost refuses rules whose subqueries would evaluate more steps
// than query.max_points_per_subquery: such a rule would exhaust memory at
// every evaluation, however trusted its author.
func checkCost(p parser.Parser, file string, g rulefmt.RuleGroup, cfg *config.Config) []error {
	interval := time.Duration(g.Interval)
	if interval == 0 {
		interval = time.Duration(cfg.Prometheus.GlobalConfig.EvaluationInterval)
	}
	noStep := func(int64) int64 { return interval.Milliseconds() }
	var errs []error
	for _, r := range g.Rules {
		expr, err := p.ParseExpr(r.Expr)
		if err != nil {
			continue // rulefmt already reported it
		}
		if err := querylimit.CheckSteps(expr, 0, cfg.Query.MaxPointsPerSubquery, noStep); err != nil {
			errs = append(errs, fmt.Errorf("%s: group %q: rule %q: %w", file, g.Name, r.Alert+r.Record, err))
		}
	}
	return errs
}

// plan resolves the rule files of cfg, parses the user's, and returns the
// built-in rules to leave out: those disabled in config and those a user
// rule of the same name replaces.
func plan(cfg *config.Config, l *loader) (files []string, drop map[string]bool, err error) {
	files, err = Files(cfg)
	if err != nil {
		return nil, nil, err
	}
	builtinNames, err := builtinRuleNames(&loader{parser: l.parser, logger: l.logger})
	if err != nil {
		return nil, nil, fmt.Errorf("rules: built-in pack: %w", err)
	}
	drop = map[string]bool{}
	var errs []error
	for i, name := range cfg.Rules.Disable {
		if !builtinNames[name] {
			errs = append(errs, fmt.Errorf("%s: rules.disable[%d]: no built-in rule named %q", cfg.Source, i, name))
		}
		drop[name] = true
	}
	for _, f := range files {
		if strings.HasPrefix(f, builtinPrefix) {
			continue
		}
		rgs, ferrs := l.Load(f, false, cfg.Prometheus.GlobalConfig.MetricNameValidationScheme)
		if ferrs != nil {
			errs = append(errs, ferrs...)
			continue
		}
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				if n := r.Alert + r.Record; builtinNames[n] {
					drop[n] = true
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return files, drop, nil
}

// Run evaluates rules until ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	go m.rules.Run()
	m.ondata.start()
	<-ctx.Done()
	m.ondata.stop()
	m.rules.Stop()
	return nil
}

// Prometheus exposes the underlying rule manager to the HTTP API, which
// lists groups, rules and alerts.
func (m *Manager) Prometheus() *promrules.Manager {
	return m.rules
}

// CheckFile validates one rule file the way `ward check rules` reports
// it: the number of rules, or every problem, each prefixed with
// file:line:column.
func CheckFile(file string) (ruleCount int, errs []error) {
	l := &loader{parser: NewParser(), logger: slog.New(slog.DiscardHandler)}
	rgs, errs := l.Load(file, false, model.UTF8Validation)
	if errs != nil {
		return 0, errs
	}
	for _, g := range rgs.Groups {
		ruleCount += len(g.Rules)
	}
	return ruleCount, nil
}

var _ promrules.GroupLoader = (*loader)(nil)
