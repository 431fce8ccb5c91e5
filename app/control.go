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
	srv, err := control.Listen(cfg.Storage.Path, control.Backend{Auth: a.auth, Verify: a.state.VerifyAudit},
		a.logger.With("component", "control"))
	if err != nil {
		a.logger.Error("no control socket: `ward user`, `ward token` and `ward audit verify` will not work while ward runs", "err", err)
		return
	}
	a.control = srv
}
