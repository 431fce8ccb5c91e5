package app

import "github.com/ward-monitoring/ward/control"

// keyOps are the control socket's commands for key rotation (`ward key rotate`) (issue 14).
func (a *App) keyOps() map[string]control.Op {
	return nil
}

// keyOps are the same commands on a database opened while no ward runs.
func (o *Offline) keyOps() map[string]control.Op {
	return nil
}
