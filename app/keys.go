package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// Control commands of key rotation (issue 14).
const (
	// KeyRotate rotates the secret key (`ward key rotate`).
	KeyRotate = "key.rotate"
	// KeyStatus shows the key's id, file and any rotation in progress
	// (`ward key status`).
	KeyStatus = "key.status"
)

// errLocalOnly refuses key commands to anyone but the host's command
// line: the key file is the host's, and a rotation is the operator's act.
var errLocalOnly = errors.New("key commands are for the ward command line on the host only")

// keyOps are the control socket's commands for key rotation: the running
// ward rotates the key it holds, swapping it in memory, so sign-ins with
// 2FA keep working during and after.
func (a *App) keyOps() map[string]control.Op {
	return keyOpsOn(func() (*storage.State, *auth.Key) { return a.state, a.key }, nil, nil)
}

// keyOps are the same commands on a database opened while no ward runs.
func (o *Offline) keyOps() map[string]control.Op {
	return keyOpsOn(func() (*storage.State, *auth.Key) { return o.State, o.Key }, o.resumed, o.rotateStep)
}

// keyOpsOn builds the key commands over the state and key get returns.
// resumed is a rotation that opening the database finished: `ward key
// rotate` then reports it instead of starting another. step is
// RotateOptions.Step.
func keyOpsOn(get func() (*storage.State, *auth.Key), resumed *auth.RotateReport, step func(string)) map[string]control.Op {
	return map[string]control.Op{
		KeyRotate: func(ctx context.Context, p *auth.Principal, _ control.Request) (control.Response, error) {
			st, key := get()
			if !p.Local {
				return control.Response{}, errLocalOnly
			}
			if key == nil {
				return control.Response{}, auth.ErrNoKey
			}
			rep := resumed
			if rep == nil {
				r, err := auth.RotateKey(ctx, st, key, auth.RotateOptions{Actor: p.User.Name, IP: p.IP, Step: step})
				if err != nil {
					return control.Response{}, err
				}
				rep = &r
			}
			return rotateResponse(*rep, key)
		},
		KeyStatus: func(_ context.Context, p *auth.Principal, _ control.Request) (control.Response, error) {
			st, key := get()
			if !p.Local {
				return control.Response{}, errLocalOnly
			}
			if key == nil {
				return control.Response{}, auth.ErrNoKey
			}
			rot, err := st.KeyRotation()
			if err != nil {
				return control.Response{}, err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "secret key %s, from %s\n", key.ID(), keyWhere(key))
			if prev := key.PreviousID(); prev != "" {
				fmt.Fprintf(&b, "previous key %s is still in the key file: a rotation is in progress\n", prev)
			}
			if rot != nil {
				fmt.Fprintf(&b, "rotation from %s to %s started %s: %d values re-sealed in %d transactions so far; run `ward key rotate` to finish it\n",
					rot.From, rot.To, rot.Started.Format("2006-01-02 15:04:05Z07:00"), rot.Resealed, rot.Batches)
			}
			return control.Response{Text: b.String()}, nil
		},
	}
}

func rotateResponse(rep auth.RotateReport, key *auth.Key) (control.Response, error) {
	data, err := json.Marshal(rep)
	if err != nil {
		return control.Response{}, err
	}
	verb := "rotated the secret key"
	if rep.Resumed {
		verb = "finished the interrupted rotation of the secret key"
	}
	text := fmt.Sprintf("%s from %s to %s: %d secrets re-sealed in %d transactions; %s now holds the new key only.\n"+
		"The audit chain goes on under a key derived from the new key; records from before still verify.\n"+
		"Copies of the old key (in backups of the key file) are no longer needed by this database: destroy them, unless you must restore a backup of ward taken before now.\n",
		verb, rep.From, rep.To, rep.Resealed, rep.Batches, keyWhere(key))
	return control.Response{Text: text, Data: data}, nil
}

func keyWhere(k *auth.Key) string {
	if f := k.File(); f != "" {
		return f
	}
	return "$" + auth.EnvSecretKey
}

// resumeRotation finishes a key rotation that a crash interrupted, and
// logs it.
func resumeRotation(st *storage.State, key *auth.Key, logger *slog.Logger) (*auth.RotateReport, error) {
	rep, was, err := auth.ResumeRotation(context.Background(), st, key, auth.RotateOptions{})
	if err != nil {
		return nil, fmt.Errorf("finishing the interrupted key rotation: %w", err)
	}
	if !was {
		return nil, nil
	}
	logger.Warn("finished an interrupted rotation of the secret key", "from", rep.From, "to", rep.To, "resealed", rep.Resealed, "batches", rep.Batches)
	return &rep, nil
}
