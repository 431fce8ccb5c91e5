package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/usermail"
)

// auditVerifyEvery is how often the background check re-verifies the
// audit chain, and auditAnchorEvery how often it logs the chain's head.
const (
	auditVerifyEvery = 15 * time.Minute
	auditAnchorEvery = time.Hour
)

// openIdentity loads the secret key and builds the identity service, its
// mailer (when the config has a mail section) and the audit log over the
// state database. A missing or wrong key stops
// startup with an error that says what to do.
func (a *App) openIdentity(cfg *config.Config, extURL *url.URL) error {
	key, _, err := openKey(a.state, cfg, a.logger)
	if err != nil {
		return err
	}
	a.key = key
	opts := auth.Options{Key: key, Logger: a.logger.With("component", "auth")}
	opts.SetupDone = func() {
		a.removeSetupURL(filepath.Join(cfg.Storage.Path, setupURLFile))
		// The controls checked at start saw no users: check the
		// identity ones again now that the first admin exists, so
		// /compliance does not show "n/a: no admin" until the next hour.
		if c := a.compliance; c != nil {
			c.IdentityChanged()
		}
	}
	if cfg.Mail != nil {
		if a.mailer, err = usermail.New(cfg.Mail, extURL, a.logger.With("component", "mail")); err != nil {
			return err
		}
		opts.Notifier = a.mailer // only when non-nil: a nil *mailer is a non-nil interface
	} else {
		a.logger.Info("no mail section: ward cannot email users reset links or security notices; it logs them instead")
	}
	a.auth, err = auth.New(a.state, cfg.Auth, opts)
	if err != nil {
		return err
	}
	a.auditLog, err = audit.NewLog(a.state, time.Duration(cfg.Auth.Audit.Retention), nil, a.logger.With("component", "audit"))
	if err != nil {
		return fmt.Errorf("auth.audit.retention: %w", err)
	}
	a.auditValid = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ward_audit_chain_valid",
		Help: "Whether the audit trail's hash chain verified at the last check (1) or is broken (0).",
	})
	a.auditHead = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ward_audit_head_seq",
		Help: "Sequence number of the newest audit record at the last check that passed; it never goes down unless records were removed from the end.",
	})
	a.reg.MustRegister(a.auditValid, a.auditHead)
	if err := a.openEvidencePacks(key, extURL); err != nil { // issue 14
		return err
	}
	a.anchorAudit(context.Background())
	a.scrapeToken = newScrapeToken()
	return nil
}

// newScrapeToken makes the in-memory token ward scrapes its own /metrics
// with; it lives as long as the process and is valid for nothing else.
func newScrapeToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// verifyAudit checks the audit chain and exports the result.
func (a *App) verifyAudit(ctx context.Context) (audit.Result, bool) {
	res, err := a.auditLog.Verify(ctx)
	if err != nil {
		a.logger.Error("audit chain verification failed to run", "err", err)
		a.auditValid.Set(0)
		return res, false
	}
	a.auditValid.Set(res.Gauge())
	if !res.Valid {
		a.logger.Error("audit chain is broken: records were modified, removed, inserted or reordered", "first_bad", res.FirstBad, "problem", res.Problem)
		return res, false
	}
	a.auditHead.Set(float64(res.Head.Seq))
	a.logger.Debug(res.String())
	return res, true
}

// anchorAudit verifies the chain and logs its head, for the operator to
// keep outside this host: whoever holds both ward.db and the secret key
// can rewrite and re-seal the chain, but not make it match a head copied
// elsewhere (`ward audit verify --anchor SEQ:HASH`). The head is a MAC,
// not the key.
func (a *App) anchorAudit(ctx context.Context) {
	if res, ok := a.verifyAudit(ctx); ok {
		a.logger.Info("audit chain head: keep this anchor outside this host and check it with `ward audit verify --anchor`",
			"anchor", res.Head.String(), "records", res.Records)
	}
}

// watchAudit re-verifies the audit chain until ctx ends and logs its head
// every auditAnchorEvery; Run logs the last one at shutdown.
func (a *App) watchAudit(ctx context.Context) error {
	verify := time.NewTicker(auditVerifyEvery)
	defer verify.Stop()
	anchor := time.NewTicker(auditAnchorEvery)
	defer anchor.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-verify.C:
			a.verifyAudit(ctx)
		case <-anchor.C:
			a.anchorAudit(ctx)
		}
	}
}

// setupURLFile is where the first-run setup URL goes when stderr is not
// a terminal (under systemd, say, where stderr is the journal).
const setupURLFile = "setup-url.txt"

// announceSetup hands out the one-time first-run URL while ward has no
// users: on the terminal (Options.Terminal), or else in a 0600 file in
// the data directory. Never in the log: logs never hold tokens.
func (a *App) announceSetup(ctx context.Context, dataDir, externalURL string) error {
	file := filepath.Join(dataDir, setupURLFile)
	need, err := a.auth.NeedsSetup(ctx)
	if err != nil || !need {
		if err == nil {
			// Set up: an old file holds a spent token.
			if rerr := os.Remove(file); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				a.logger.Warn("removing the spent setup URL file", "err", rerr, "file", file)
			}
		}
		return err
	}
	token, expires, err := a.auth.CreateSetupToken(ctx)
	if err != nil {
		return err
	}
	u := strings.TrimSuffix(externalURL, "/") + "/setup?token=" + token
	if w := a.opts.Terminal; w != nil {
		// A file from an earlier start holds a token this one replaced.
		if rerr := os.Remove(file); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			a.logger.Warn("removing the old setup URL file", "err", rerr, "file", file)
		}
		a.logger.Warn("ward has no users yet: open the setup URL printed on the terminal to create the first admin", "expires", expires.Format(time.RFC3339))
		fmt.Fprintf(w, "\nward has no users yet. Create the first admin within the hour at:\n\n    %s\n\n", u)
		return nil
	}
	if err := writePrivateFile(file, []byte(u+"\n")); err != nil {
		return fmt.Errorf("writing the setup URL: %w", err)
	}
	a.logger.Warn("ward has no users yet: open the setup URL in the file to create the first admin", "file", file, "expires", expires.Format(time.RFC3339))
	return nil
}

// writePrivateFile replaces path with data, readable only by its owner.
func writePrivateFile(path string, data []byte) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
