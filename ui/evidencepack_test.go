package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance/evidencepack"
	"github.com/ward-monitoring/ward/storage"
)

// packMaker writes real packs from the test server's state and notes
// what it was asked to record; failRecord makes recording fail.
type packMaker struct {
	st         *storage.State
	recorded   []string
	failRecord bool
}

var packKey = bytes.Repeat([]byte{9}, 32)

func (m *packMaker) WriteEvidencePack(_ context.Context, w io.Writer, by string) (evidencepack.Summary, error) {
	return evidencepack.Write(w, evidencepack.Input{Store: m.st, Generated: time.Now(), By: by}, packKey)
}

func (m *packMaker) RecordEvidencePack(ctx context.Context, where string, sum evidencepack.Summary) error {
	if m.failRecord {
		return errors.New("disk full")
	}
	m.recorded = append(m.recorded, auth.PrincipalFrom(ctx).User.Name+" "+where)
	return nil
}

// TestEvidencePackDownloadRoute: admins download a pack that verifies,
// after its reading was recorded; when it cannot be recorded nothing is
// sent; viewers and operators are refused; without packs it is 404.
func TestEvidencePackDownloadRoute(t *testing.T) {
	maker := &packMaker{}
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, st *storage.State) {
		maker.st = st
		d.EvidencePacks = maker
	})
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	resp, body := doAs(t, "GET", base+"/compliance/evidence-pack.zip", "", admin)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	if rep, err := evidencepack.Verify(bytes.NewReader([]byte(body)), int64(len(body)), [][]byte{packKey}); err != nil || !rep.OK {
		t.Fatalf("the download does not verify: %+v %v", rep, err)
	}
	if len(maker.recorded) != 1 || maker.recorded[0] != "ada download" {
		t.Errorf("recorded %v, want ada's download", maker.recorded)
	}
	maker.failRecord = true
	if resp, body := doAs(t, "GET", base+"/compliance/evidence-pack.zip", "", admin); resp.StatusCode != http.StatusInternalServerError || bytes.HasPrefix([]byte(body), []byte("PK")) {
		t.Errorf("unrecorded download: %d, %d bytes", resp.StatusCode, len(body))
	}
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator} {
		if resp, _ := doAs(t, "GET", base+"/compliance/evidence-pack.zip", "", signIn(t, s, "u-"+string(role), role)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, resp.StatusCode)
		}
	}
	if e := s.endpoints["GET /compliance/evidence-pack.zip"]; e.timeout != exportTimeout || e.role != auth.RoleAdmin || e.kind != kindPage {
		t.Errorf("route %+v", e)
	}

	s2, base2 := startServer(t, discardLogger())
	if resp, _ := doAs(t, "GET", base2+"/compliance/evidence-pack.zip", "", signIn(t, s2, "ada", auth.RoleAdmin)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("without packs: %d, want 404", resp.StatusCode)
	}
}
