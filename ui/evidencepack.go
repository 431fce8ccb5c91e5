package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance/evidencepack"
)

// EvidencePacks builds evidence packs (issue 14; package app).
type EvidencePacks interface {
	// WriteEvidencePack writes a pack to w for by (an audit actor).
	WriteEvidencePack(ctx context.Context, w io.Writer, by string) (evidencepack.Summary, error)
	// RecordEvidencePack audits that ctx's principal read the pack sum
	// describes (compliance.report and data.read, together).
	RecordEvidencePack(ctx context.Context, where string, sum evidencepack.Summary) error
}

// evidencePackRoutes serve the compliance page's download button.
func (s *Server) evidencePackRoutes() []endpoint {
	e := admin(kindPage, "GET /compliance/evidence-pack.zip", http.HandlerFunc(s.evidencePackDownload))
	// A year of evidence takes seconds to pack (evidencepack's bench).
	e.timeout = exportTimeout
	return []endpoint{e}
}

// evidencePackDownload serves GET /compliance/evidence-pack.zip. The
// pack goes to a temporary file first (400 days of evidence is a few
// MB zipped, more than a page should hold in memory), its reading is
// audited (compliance.report and data.read), and only then is it sent.
func (s *Server) evidencePackDownload(w http.ResponseWriter, r *http.Request) {
	if s.deps.EvidencePacks == nil {
		s.fail(w, r, notFound("evidence packs are not available"))
		return
	}
	p := auth.PrincipalFrom(r.Context())
	f, err := os.CreateTemp("", "ward-evidence-pack-*.zip")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sum, err := s.deps.EvidencePacks.WriteEvidencePack(r.Context(), f, p.User.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deps.EvidencePacks.RecordEvidencePack(r.Context(), "download", sum); err != nil {
		s.logger.Error("audit append failed", "err", err, "action", audit.ActionComplianceReport)
		s.fail(w, r, errDataReadUnrecorded)
		return
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ward-evidence-pack-%s.zip"`, s.now().UTC().Format("20060102T150405Z")))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, f)
}
