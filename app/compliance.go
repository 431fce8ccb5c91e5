package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/compliance/evidencepack"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// The control socket's compliance commands (issue 14).
const (
	// ComplianceReport writes an evidence pack: Args out=ABSOLUTE PATH.
	ComplianceReport = "compliance.report"
	// ComplianceVerify checks one: Args file=ABSOLUTE PATH.
	ComplianceVerify = "compliance.verify"
)

// evidencePacks builds evidence packs from the state database, for the
// download button (ui.EvidencePacks) and `ward compliance report`.
type evidencePacks struct {
	state *storage.State
	// key is ward's secret key ring, which a rotation swaps in place:
	// each pack is signed under the pack key of the audit key epoch open
	// then (packKeys), never a key read once at start.
	key *auth.Key
	// verify checks the audit chain just before a pack is made.
	verify func(context.Context) (audit.Result, error)
	// controls is the checklist, and statuses its checker's verdicts;
	// nil lists the controls the evidence names and judges each from
	// its newest evidence (until the compliance checker is wired).
	controls func() []compliance.Control
	statuses func(context.Context) map[string]compliance.Status
	instance string
}

// WriteEvidencePack writes the pack to w for by (an audit actor). The
// caller records the reading (RecordEvidencePack) before handing it on.
func (e *evidencePacks) WriteEvidencePack(ctx context.Context, w io.Writer, by string) (evidencepack.Summary, error) {
	in := evidencepack.Input{Store: e.state, Generated: time.Now(), By: by, Instance: e.instance}
	if e.controls != nil {
		in.Controls = e.controls()
	}
	if e.statuses != nil {
		in.Statuses = e.statuses(ctx)
	}
	res, err := e.verify(ctx)
	if err != nil {
		in.AuditErr = err.Error()
	}
	in.Audit = res
	if err := ctx.Err(); err != nil {
		return evidencepack.Summary{}, err
	}
	sign, _, err := e.packKeys()
	if err != nil {
		return evidencepack.Summary{}, err
	}
	// One read transaction for every pass over the evidence: the
	// checker appends while the pack is made.
	var sum evidencepack.Summary
	err = e.state.EvidenceView(func(snap storage.EvidenceSnapshot) error {
		in.Store = snap
		var werr error
		sum, werr = evidencepack.Write(w, in, sign)
		return werr
	})
	return sum, err
}

// RecordEvidencePack appends compliance.report (target: where the pack
// went) and data.read for a pack that ctx's principal reads, in one
// transaction.
func (e *evidencePacks) RecordEvidencePack(ctx context.Context, where string, sum evidencepack.Summary) error {
	now := time.Now()
	report := auth.AuditRecord(ctx, now, audit.ActionComplianceReport, where, audit.Success, map[string]string{
		"controls": strconv.Itoa(sum.Controls), "failing": strconv.Itoa(sum.Failing),
		"evidence": strconv.Itoa(sum.Evidence), "manifest_sha256": sum.ManifestSHA256,
	})
	read := auth.AuditRecord(ctx, now, audit.ActionDataRead, where, audit.Success, map[string]string{
		"what": "evidence-pack", "records": strconv.Itoa(sum.Evidence), "controls": strconv.Itoa(sum.Controls),
	})
	return e.state.Update(func(tx *storage.Tx) error {
		if err := tx.AppendAudit(report); err != nil {
			return err
		}
		return tx.AppendAudit(read)
	})
}

// complianceOps are the control socket's commands for compliance reports (`ward compliance report`) (issue 14).
func (a *App) complianceOps() map[string]control.Op {
	return complianceOpsOf(a.packs)
}

// complianceOps are the same commands on a database opened while no ward runs.
func (o *Offline) complianceOps() map[string]control.Op {
	if o.Key == nil {
		return nil
	}
	return complianceOpsOf(&evidencePacks{
		state: o.State, key: o.Key, instance: o.Config.Server.ExternalURL,
		verify: func(context.Context) (audit.Result, error) { return o.State.VerifyAudit(time.Now()) },
	})
}

func complianceOpsOf(packs *evidencePacks) map[string]control.Op {
	if packs == nil {
		return nil
	}
	return map[string]control.Op{
		ComplianceReport: func(ctx context.Context, p *auth.Principal, req control.Request) (control.Response, error) {
			if !p.Can(auth.RoleAdmin) {
				return control.Response{}, auth.ErrForbidden
			}
			sum, err := writePackFile(ctx, packs, p, req.Args["out"])
			if err != nil {
				return control.Response{}, err
			}
			data, _ := json.Marshal(sum)
			return control.Response{Text: packText(req.Args["out"], sum), Data: data}, nil
		},
		ComplianceVerify: func(_ context.Context, p *auth.Principal, req control.Request) (control.Response, error) {
			if !p.Can(auth.RoleAdmin) {
				return control.Response{}, auth.ErrForbidden
			}
			_, keys, err := packs.packKeys()
			if err != nil {
				return control.Response{}, err
			}
			rep, err := VerifyEvidencePackFile(req.Args["file"], keys)
			if err != nil {
				return control.Response{}, err
			}
			data, _ := json.Marshal(rep)
			return control.Response{Text: VerifyText(req.Args["file"], rep), Data: data}, nil
		},
	}
}

// writePackFile writes the pack to out through a temporary file beside
// it, records the reading, and only then puts it in place: a pack whose
// reading was not recorded is not left behind. An existing out is never
// replaced.
func writePackFile(ctx context.Context, packs *evidencePacks, p *auth.Principal, out string) (evidencepack.Summary, error) {
	var sum evidencepack.Summary
	if out == "" || !filepath.IsAbs(out) {
		return sum, errors.New("out: want the absolute path of the zip file to write")
	}
	if _, err := os.Lstat(out); err == nil {
		return sum, fmt.Errorf("out: %s exists; remove it or choose another name", out)
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return sum, fmt.Errorf("out: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	sum, err = packs.WriteEvidencePack(ctx, f, p.User.Name)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = packs.RecordEvidencePack(auth.WithPrincipal(ctx, p), out, sum)
	}
	if err == nil {
		// A hard link never replaces a file: a mistyped --out cannot
		// overwrite ward's key or database (the caller's own uid could,
		// but not by accident through ward).
		if err = os.Link(tmp, out); errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("out: %s exists; remove it or choose another name", out)
		}
	}
	return sum, err
}

// packText is the report of a written pack for a person.
func packText(out string, sum evidencepack.Summary) string {
	return fmt.Sprintf("evidence pack written to %s: %d controls (%d failing), %d evidence records, %d attestations\nmanifest SHA-256 %s\ncheck it later with: ward compliance verify %s\n",
		out, sum.Controls, sum.Failing, sum.Evidence, sum.Attestations, sum.ManifestSHA256, out)
}

// VerifyEvidencePackFile checks the pack at path under keys (packKeys).
func VerifyEvidencePackFile(path string, keys [][]byte) (evidencepack.Report, error) {
	if path == "" {
		return evidencepack.Report{}, errors.New("file: want the path of the zip file to check")
	}
	f, err := os.Open(path)
	if err != nil {
		return evidencepack.Report{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return evidencepack.Report{}, err
	}
	return evidencepack.Verify(f, fi.Size(), keys)
}

// VerifyText is a check's report for a person: OK, or each problem.
func VerifyText(path string, rep evidencepack.Report) string {
	if rep.OK {
		m := rep.Manifest
		return fmt.Sprintf("evidence pack %s: OK, signed under this ward's keys (pack key id %s); made %s by %s; %d files match the manifest\n",
			path, m.KeyID, m.Generated.UTC().Format(time.RFC3339), m.GeneratedBy, len(m.Files))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "evidence pack %s: FAILED verification\n", path)
	for _, p := range rep.Problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

// openEvidencePacks makes the running ward's evidence pack builder.
func (a *App) openEvidencePacks(key *auth.Key, extURL *url.URL) error {
	a.packs = &evidencePacks{state: a.state, key: key, verify: a.auditLog.Verify, instance: extURL.String()}
	_, _, err := a.packs.packKeys()
	return err
}

// useChecklist makes packs list the checker's controls (manual ones
// included) with the status that counts now, stale results failing, as
// /compliance shows them.
func (e *evidencePacks) useChecklist(s *compliance.Service) {
	if e == nil || s == nil {
		return
	}
	e.controls = s.Controls
	e.statuses = func(ctx context.Context) map[string]compliance.Status {
		items, err := s.Checklist(ctx)
		if err != nil {
			return nil
		}
		out := make(map[string]compliance.Status, len(items))
		for _, it := range items {
			out[it.Control.ID] = it.Status
		}
		return out
	}
}
