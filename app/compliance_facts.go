package app

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/promapi"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
)

// complianceFacts are what the compliance controls read of ward (issue
// 14). Each source is a function or value of the running ward, so that
// tests build one from real parts without starting a ward.
type complianceFacts struct {
	*storage.State
	config  func() *config.Config
	routes  func() []ui.RouteLimit
	backups backups.Service // nil: none
	query   func(context.Context, string, time.Time) (promql.Vector, error)
	rules   func() []string
	getenv  func(string) string
}

var _ compliance.Facts = complianceFacts{}

func (f complianceFacts) Config() *config.Config { return f.config() }

func (f complianceFacts) Routes() []compliance.Route {
	var out []compliance.Route
	for _, r := range f.routes() {
		out = append(out, compliance.Route{Pattern: r.Pattern, API: r.API, Class: r.Class, Policy: r.Policy})
	}
	return out
}

func (f complianceFacts) Backups() backups.Service { return f.backups }

func (f complianceFacts) Query(ctx context.Context, expr string, ts time.Time) (promql.Vector, error) {
	return f.query(ctx, expr, ts)
}

func (f complianceFacts) AlertRules() []string { return f.rules() }

// SecretKey follows auth.KeySourceFromEnv's precedence: the key itself
// in the environment, then a key file, then <data>/ward.key.
func (f complianceFacts) SecretKey() compliance.KeySource {
	cfg := f.config()
	src := auth.KeySourceFromEnv(f.getenv, cfg.Auth.SecretKeyFile, cfg.Storage.Path)
	if src.Value != "" {
		return compliance.KeySource{Env: true}
	}
	if src.File != "" {
		return compliance.KeySource{File: src.File}
	}
	return compliance.KeySource{File: filepath.Join(src.DataDir, auth.KeyFileName)}
}

// newCompliance builds the compliance checker over this ward, with a
// query engine of its own (the RPO control's 30-day subquery).
func (a *App) newCompliance(engines promapi.Engines) *compliance.Service {
	facts := complianceFacts{
		State:  a.state,
		config: a.cfg.Load,
		routes: func() []ui.RouteLimit {
			if a.server == nil {
				return nil
			}
			return a.server.RouteLimits()
		},
		query: a.consoleQuery(promql.NewEngine(engines.Options("compliance"))),
		rules: func() []string {
			var out []string
			for _, r := range a.rules.Prometheus().AlertingRules() {
				out = append(out, r.Name())
			}
			return out
		},
		getenv: os.Getenv,
	}
	if a.backups != nil {
		facts.backups = a.backups
	}
	return compliance.New(compliance.Options{
		Facts: facts, Store: a.state, Registerer: a.reg, Logger: a.logger.With("component", "compliance"),
	})
}
