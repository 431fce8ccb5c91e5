package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
)

// auditVerifyEvery is how often the background check re-verifies the
// audit chain.
const auditVerifyEvery = 15 * time.Minute

// openIdentity loads the secret key and builds the identity service, its
// mailer (when the config has a mail section) and the audit log over the
// state database. A missing or wrong key stops
// startup with an error that says what to do.
func (a *App) openIdentity(cfg *config.Config, extURL *url.URL) error {
	src := auth.KeySourceFromEnv(os.Getenv, cfg.Auth.SecretKeyFile, cfg.Storage.Path)
	key, err := auth.OpenKey(a.state, src, nil, a.logger)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	opts := auth.Options{Key: key, Logger: a.logger.With("component", "auth")}
	if cfg.Mail != nil {
		if a.mailer, err = newMailer(cfg.Mail, extURL, a.logger.With("component", "mail")); err != nil {
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
	a.reg.MustRegister(a.auditValid)
	a.verifyAudit(context.Background())
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
func (a *App) verifyAudit(ctx context.Context) {
	res, err := a.auditLog.Verify(ctx)
	if err != nil {
		a.logger.Error("audit chain verification failed to run", "err", err)
		a.auditValid.Set(0)
		return
	}
	a.auditValid.Set(res.Gauge())
	if !res.Valid {
		a.logger.Error("audit chain is broken: records were modified, removed, inserted or reordered", "first_bad", res.FirstBad, "problem", res.Problem)
		return
	}
	a.logger.Debug(res.String())
}

// watchAudit re-verifies the audit chain until ctx ends.
func (a *App) watchAudit(ctx context.Context) error {
	t := time.NewTicker(auditVerifyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.verifyAudit(ctx)
		}
	}
}

// announceSetup prints the one-time first-run URL while ward has no
// users. It goes to the terminal (Options.Stderr), not the log: logs
// never hold tokens.
func (a *App) announceSetup(ctx context.Context, externalURL string) error {
	need, err := a.auth.NeedsSetup(ctx)
	if err != nil || !need {
		return err
	}
	token, expires, err := a.auth.CreateSetupToken(ctx)
	if err != nil {
		return err
	}
	u := strings.TrimSuffix(externalURL, "/") + "/setup?token=" + token
	a.logger.Warn("ward has no users yet: open the setup URL printed on the terminal to create the first admin", "expires", expires.Format(time.RFC3339))
	w := a.opts.Stderr
	if w == nil {
		w = io.Discard
	}
	fmt.Fprintf(w, "\nward has no users yet. Create the first admin within the hour at:\n\n    %s\n\n", u)
	return nil
}
