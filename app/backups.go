package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/ward-monitoring/ward/alerting"
)

// backupDigest sends the backups' daily success digest (issue 12)
// through a receiver, outside the alert pipeline; it fails when any of
// the receiver's integrations did.
func (a *App) backupDigest(ctx context.Context, receiver, summary, text string) error {
	res, err := a.alerting.SendNotice(ctx, receiver, alerting.Notice{Alertname: "WardBackupDigest", Summary: summary, Description: text})
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range res {
		if !r.OK {
			errs = append(errs, fmt.Errorf("%s: %s", r.Integration, r.Error))
		}
	}
	return errors.Join(errs...)
}
