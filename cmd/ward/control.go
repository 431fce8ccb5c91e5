package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"time"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// dispatch runs req on the ward that runs on cfgFile's data directory,
// through its control socket, or, when none answers, on the database
// directly: the same commands (control.Exec) either way, so the output
// and the audit records are the same. cfg is the loaded configuration.
func dispatch(ctx context.Context, cfgFile string, req control.Request, stderr io.Writer) (resp control.Response, cfg *config.Config, err error) {
	cfg, err = config.LoadFileOrDefault(cfgFile)
	if err != nil {
		return resp, nil, err
	}
	req.OSUser = osUser()
	resp, err = control.Call(ctx, cfg.Storage.Path, req)
	if err == nil {
		return resp, cfg, resp.Err()
	}
	if !errors.Is(err, control.ErrNotRunning) || req.Command == control.UserClearThrottle {
		// The throttle lives in a running ward's memory: nothing to
		// open here (clear-throttle falls back to the HTTP API).
		return resp, cfg, err
	}
	resp, err = direct(ctx, cfgFile, req, stderr)
	return resp, cfg, err
}

// direct runs req on the database, opened as `ward serve` would open it.
func direct(ctx context.Context, cfgFile string, req control.Request, stderr io.Writer) (control.Response, error) {
	p := auth.Local(cliActor())
	if req.Command == control.AuditVerify {
		// Read-only: it never creates or replaces the key, never re-seals.
		off, err := app.OpenOfflineReadOnly(cfgFile)
		if err != nil {
			return control.Response{}, err
		}
		defer off.Close()
		verify := func(now time.Time, anchors ...audit.External) (audit.Result, error) {
			res, err := off.State.VerifyAuditWithKey(off.Key, now, anchors...)
			if errors.Is(err, storage.ErrAuditKeyMismatch) {
				err = fmt.Errorf("the secret key from %s is not the one the audit trail is sealed with, or the key id stored with the trail was altered; run with the key `ward serve` uses", off.KeyFrom)
			}
			return res, err
		}
		resp := control.Exec(ctx, control.Backend{Verify: verify}, p, req)
		return resp, resp.Err()
	}
	off, err := app.OpenOffline(cfgFile, cliLogger(stderr))
	if err != nil {
		return control.Response{}, err
	}
	defer off.Close()
	resp := control.Exec(ctx, control.Backend{Auth: off.Auth, Ops: off.Ops()}, p, req)
	return resp, resp.Err()
}

// osUser is the caller's account name, which a running ward logs when
// it differs from what the caller's uid says.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
