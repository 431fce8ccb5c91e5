package app

import "github.com/ward-monitoring/ward/control"

// complianceOps are the control socket's commands for compliance reports (`ward compliance report`) (issue 14).
func (a *App) complianceOps() map[string]control.Op {
	return nil
}

// complianceOps are the same commands on a database opened while no ward runs.
func (o *Offline) complianceOps() map[string]control.Op {
	return nil
}
