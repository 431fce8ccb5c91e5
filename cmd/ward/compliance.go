package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/compliance/evidencepack"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
)

const complianceUsage = `Usage:
  ward compliance report --out FILE.zip [--config FILE]
      write an evidence pack: a readable report (report.html), the
      controls and their evidence as JSON and CSV, the audit chain's head
      and its verification, and a SHA-256 manifest signed with an HMAC
      under a key derived from ward's secret key. While ward runs, the
      running ward writes it (through its control socket); otherwise this
      command opens the database. Audited (compliance.report, data.read).

  ward compliance verify FILE.zip [--config FILE]
      check a pack: the signature under this ward's keys (the pack key of
      every audit key epoch, so packs made before a key rotation still
      verify), every listed file unchanged, nothing added or removed, and
      no bytes before, between or after the zip's own records. While ward
      runs, the running ward checks it; otherwise this command opens the
      database read-only and reads the key as ward audit verify reads it
      (WARD_SECRET_KEY, WARD_SECRET_KEY_FILE, auth.secret_key_file or
      <data>/ward.key); nothing is changed.

Exit status 0: written, or verified OK; 1: failed; 2: bad usage.
`

// complianceCmd runs compliance report and verify (issue 14): ward compliance report --out FILE.zip | ward compliance verify FILE.zip.
func complianceCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "report" && args[0] != "verify" {
		fmt.Fprint(stderr, complianceUsage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			return 0
		}
		return 2
	}
	if args[0] == "report" {
		return complianceReport(args[1:], stdout, stderr)
	}
	return complianceVerify(args[1:], stdout, stderr)
}

func complianceReport(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("compliance report", "ward compliance report --out FILE.zip [--config FILE]", stderr)
	cfgFile := flags.String("config", "", "configuration file (default: the embedded default config)")
	out := flags.String("out", "", "the zip file to write (required)")
	pos, code, ok := parseInterspersed(flags, args)
	if !ok {
		return code
	}
	if len(pos) != 0 || *out == "" {
		fmt.Fprint(stderr, complianceUsage)
		return 2
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		fmt.Fprintf(stderr, "ward compliance report: --out: %v\n", err)
		return 2
	}
	req := control.Request{Command: app.ComplianceReport, Args: map[string]string{"out": abs}}
	resp, _, err := dispatch(context.Background(), *cfgFile, req, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward compliance report: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, resp.Text)
	return 0
}

func complianceVerify(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("compliance verify", "ward compliance verify FILE.zip [--config FILE]", stderr)
	cfgFile := flags.String("config", "", "configuration file (default: the embedded default config)")
	pos, code, ok := parseInterspersed(flags, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, complianceUsage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "ward compliance verify: cannot verify: %v\n", err)
		return 1
	}
	path, err := filepath.Abs(pos[0])
	if err != nil {
		return fail(err)
	}
	rep, text, err := verifyPack(*cfgFile, path)
	if err != nil {
		return fail(err)
	}
	fmt.Fprint(stdout, text)
	if !rep.OK {
		return 1
	}
	return 0
}

// verifyPack checks the pack at path through the running ward, or, when
// none runs, under the key read as `ward audit verify` reads it.
func verifyPack(cfgFile, path string) (evidencepack.Report, string, error) {
	var rep evidencepack.Report
	cfg, err := config.LoadFileOrDefault(cfgFile)
	if err != nil {
		return rep, "", err
	}
	req := control.Request{Command: app.ComplianceVerify, OSUser: osUser(), Args: map[string]string{"file": path}}
	resp, err := control.Call(context.Background(), cfg.Storage.Path, req)
	switch {
	case err == nil && resp.Err() != nil:
		return rep, "", resp.Err()
	case err == nil:
		if err := json.Unmarshal(resp.Data, &rep); err != nil {
			return rep, "", fmt.Errorf("ward answered without a result: %w", err)
		}
		return rep, resp.Text, nil
	case !errors.Is(err, control.ErrNotRunning):
		return rep, "", err
	}
	rep, from, err := app.VerifyEvidencePackOffline(cfgFile, path)
	if err != nil {
		return rep, "", err
	}
	text := app.VerifyText(path, rep)
	if !rep.OK {
		text += fmt.Sprintf("  (checked under the keys of every audit key epoch, opened with the secret key from %s)\n", from)
	}
	return rep, text, nil
}
