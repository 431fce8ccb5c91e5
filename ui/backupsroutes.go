package ui

import "net/http"

// backupRoutes are the routes of issue 12: the backups API and pages,
// and the public, rate-limited Healthchecks-style pings (the token in
// the path is their credential).
//
// Viewers read runs and status; operators run jobs now and start
// drills or restores (those also need a step-up and the stanza's name
// typed, checked by the handler, since a token can never step up).
func (s *Server) backupRoutes() []endpoint {
	type hf = http.HandlerFunc
	table := []endpoint{
		viewer(kindAPI, "GET /api/backups/{$}", hf(s.apiBackups)),
		viewer(kindAPI, "GET /api/backups/status/{$}", hf(s.apiBackupsStatus)),
		viewer(kindAPI, "GET /api/backups/{id}/{$}", hf(s.apiBackup)),
		viewer(kindAPI, "GET /api/backups/runs/{id}", hf(s.apiBackupRun)),
		operator(kindAPI, "POST /api/backups/restore/{$}", hf(s.apiRestore)),
		operator(kindAPI, "POST /api/backups/jobs/{job}/run", hf(s.apiRunNow)),

		viewer(kindPage, "GET /backups", hf(s.backupsPage)),
		viewer(kindPage, "GET /backups/runs/{id}", hf(s.backupRunPage)),
		operator(kindPage, "GET /backups/restore", hf(s.restorePage)),
		operator(kindPage, "POST /backups/restore", hf(s.restoreSubmit)),
		operator(kindPage, "POST /backups/jobs/{job}/run", hf(s.runNowSubmit)),
	}
	for _, m := range []string{"GET", "POST", "HEAD"} {
		table = append(table,
			open(kindAPI, m+" /ping/{token}", hf(s.ping)).limited(pingLimited),
			open(kindAPI, m+" /ping/{token}/{action}", hf(s.ping)).limited(pingLimited),
		)
	}
	return table
}
