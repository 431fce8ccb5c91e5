package app

import (
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
)

// openControl creates the control socket (issue 13): `ward user`,
// `ward token` and `ward audit verify` act through it on this ward's
// identity service and audit trail, since they cannot open the database
// it holds. A socket that cannot be made safely (a symlink, another
// user's directory) is refused and logged, and ward runs without it:
// monitoring matters more than the command line.
func (a *App) openControl(cfg *config.Config) {
	srv, err := control.Listen(cfg.Storage.Path, control.Backend{Auth: a.auth, Verify: a.state.VerifyAudit, Ops: a.controlOps()},
		a.logger.With("component", "control"))
	if err != nil {
		a.logger.Error("no control socket: `ward user`, `ward token` and `ward audit verify` will not work while ward runs", "err", err)
		return
	}
	a.control = srv
}

// controlOps are the control socket's commands beyond users, tokens and
// audit verification (issue 14), one set per feature. Names start with
// their feature's prefix (key., compliance., privacy., backup.self), so
// sets never overlap.
func (a *App) controlOps() map[string]control.Op {
	ops := map[string]control.Op{}
	for _, set := range []map[string]control.Op{a.keyOps(), a.complianceOps(), a.privacyOps(), a.selfBackupOps()} {
		for name, op := range set {
			ops[name] = op
		}
	}
	return ops
}

// Ops are the control commands of controlOps on a database opened while
// no ward runs, for the command line's fallback.
func (o *Offline) Ops() map[string]control.Op {
	ops := map[string]control.Op{}
	for _, set := range []map[string]control.Op{o.keyOps(), o.complianceOps(), o.privacyOps(), o.selfBackupOps()} {
		for name, op := range set {
			ops[name] = op
		}
	}
	return ops
}
