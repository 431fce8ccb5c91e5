package app

import (
	"time"

	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/dashboard"
)

// The graphs' boards (issue 11): built-in and user panels, with the alert
// lines of the rules loaded now. apply rebuilds them on every config
// change, so user panels and thresholds follow reloads.

// applyBoards builds the boards of cfg from the rules m has loaded.
func (a *App) applyBoards(cfg *config.Config, m *promrules.Manager) error {
	boards, err := cfg.Dashboard.Boards()
	if err != nil {
		return err
	}
	boards, _ = dashboard.WithThresholds(boards, loadedAlertRules(m))
	a.boards.Store(&boards)
	return nil
}

// loadedAlertRules lists m's alerting rules with their groups.
func loadedAlertRules(m *promrules.Manager) []dashboard.AlertRule {
	var out []dashboard.AlertRule
	for _, g := range m.RuleGroups() {
		for _, r := range g.Rules() {
			if ar, ok := r.(*promrules.AlertingRule); ok {
				out = append(out, dashboard.AlertRule{Name: ar.Name(), Group: g.Name(), Expr: ar.Query()})
			}
		}
	}
	return out
}

// graphBoards is ui.Deps.Boards.
func (a *App) graphBoards() []dashboard.Board {
	if b := a.boards.Load(); b != nil {
		return *b
	}
	return nil
}

// chartRefresh is ui.Deps.ChartRefresh.
func (a *App) chartRefresh() time.Duration {
	if c := a.cfg.Load(); c != nil {
		return time.Duration(c.Dashboard.Refresh)
	}
	return 0
}
