package app

import "github.com/ward-monitoring/ward/control"

// selfBackupOps are the control socket's commands for the backup of ward itself (`ward backup self`) (issue 14).
func (a *App) selfBackupOps() map[string]control.Op {
	return nil
}

// selfBackupOps are the same commands on a database opened while no ward runs.
func (o *Offline) selfBackupOps() map[string]control.Op {
	return nil
}
