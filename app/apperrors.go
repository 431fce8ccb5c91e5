package app

import (
	"net/url"
	"path/filepath"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/apperrors/ingest"
	"github.com/ward-monitoring/ward/config"
)

// newErrors builds error tracking (issue 16): the service that groups and
// keeps the events, applied in a.apply and run in the run group.
func (a *App) newErrors(cfg *config.Config, extURL *url.URL) error {
	svc, err := apperrors.New(apperrors.Options{
		Logger:      a.logger.With("component", "errors"),
		Registerer:  a.reg,
		State:       a.state,
		Dir:         filepath.Join(cfg.Storage.Path, "errors"),
		ExternalURL: extURL,
	})
	if err != nil {
		return err
	}
	a.errors = svc
	a.privacy.errors = svc // GDPR: the events that name a person (privacyerrors.go)
	// The Sentry endpoints; their projects come with a.apply.
	h, err := ingest.New(ingest.Options{
		Accept:     svc,
		Logger:     a.logger.With("component", "errors.ingest"),
		Registerer: a.reg,
	})
	if err != nil {
		return err
	}
	a.errorIngest = h
	return nil
}

// applyErrorIngest gives the Sentry endpoints the projects, keys and
// rate limits of cfg (at start and on every reload).
func (a *App) applyErrorIngest(cfg config.Errors) {
	if h, ok := a.errorIngest.(*ingest.Handler); ok {
		h.Apply(cfg)
	}
}

// errorIngestStats are a project's ingest requests for its page (each
// key's last accepted event, refusals by reason); nil without the
// Sentry endpoints.
func (a *App) errorIngestStats() func(string) ingest.Stats {
	if h, ok := a.errorIngest.(*ingest.Handler); ok {
		return h.Stats
	}
	return nil
}
