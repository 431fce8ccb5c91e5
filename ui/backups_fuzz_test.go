package ui

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzRestoreRequest: any body, JSON or form, is read without a panic,
// and what passes the checks is within the bounds the service is
// promised.
func FuzzRestoreRequest(f *testing.F) {
	f.Add("application/json", `{"stanza":"main","restore_target":"staging","time":"2026-01-02T03:04:05Z","confirm":"main"}`)
	f.Add("application/json", `{"stanza":"main","stanza":"x"}`)
	f.Add("application/json", `[1,2]`)
	f.Add("application/x-www-form-urlencoded", "stanza=main&confirm=main&label=20260101-020000F")
	f.Add("application/x-www-form-urlencoded", "stanza=%zz")
	f.Add("text/plain", "stanza=main")
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest("POST", "/api/backups/restore/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		req, err := readRestoreRequest(httptest.NewRecorder(), r)
		if err != nil {
			return
		}
		dr, err := drillRequest(req, "olga", now)
		if err != nil {
			return
		}
		if !backupNamePattern.MatchString(dr.Stanza) || len(dr.Stanza) > maxBackupName || len(dr.RestoreTarget) > maxBackupName ||
			(dr.Label != "" && !labelPattern.MatchString(dr.Label)) || dr.Time.After(now) {
			t.Errorf("accepted out of bounds: %+v", dr)
		}
	})
}

// FuzzBackupsFilter: any query is parsed without a panic into a filter
// within bounds.
func FuzzBackupsFilter(f *testing.F) {
	for _, q := range []string{"job=nightly&limit=500", "status=failed&kind=drill&before=0123456789abcdef-01234567", "limit=-1", "job=a&job=b", "%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := parseBackupsFilter(q)
		if err != nil {
			return
		}
		if fl.Limit < 1 || fl.Limit > maxBackupsLimit || (fl.Before != "" && !runIDPattern.MatchString(fl.Before)) || len(fl.Job) > maxBackupName {
			t.Errorf("accepted out of bounds: %+v", fl)
		}
	})
}

// FuzzPingAction: only start, fail, log, "" and 0-255 are actions.
func FuzzPingAction(f *testing.F) {
	for _, a := range []string{"", "start", "0", "255", "256", "007", "-1", "+1", "1e2"} {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, a string) {
		kind, exit, ok := parsePingAction(a)
		if !ok {
			return
		}
		if exit < 0 || exit > 255 || kind == "" {
			t.Errorf("%q: kind %q exit %d", a, kind, exit)
		}
	})
}
