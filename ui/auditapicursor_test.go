package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// TestAuditAPICursorAfterRestore: a poller's cursor names the record it
// stopped at by its hash. Against a trail restored from an older backup,
// where that sequence number now holds another record or none yet, the
// API answers 409 saying so, instead of continuing past records the
// poller never saw. Records link in hex, as heads and anchors are
// written.
func TestAuditAPICursorAfterRestore(t *testing.T) {
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	s, base, _ := startAuditAPIServer(t, 20, t0)
	siem := scopedToken(t, s, "siem", auth.RoleAdmin, auth.ScopeAuditRead)
	code, page, errText := auditAPIGet(t, base, siem, "order=asc&limit=1000")
	if code != http.StatusOK || page.More || len(page.Records) < 20 {
		t.Fatalf("reading the trail: %d %s", code, errText)
	}
	for i := 1; i < len(page.Records); i++ {
		if page.Records[i].Prev != page.Records[i-1].Hash {
			t.Fatalf("record %d's prev %s is not the hash of the one before, %s", page.Records[i].Seq, page.Records[i].Prev, page.Records[i-1].Hash)
		}
	}
	cursor := page.NextCursor
	if code, _, errText := auditAPIGet(t, base, siem, "cursor="+url.QueryEscape(cursor)); code != http.StatusOK {
		t.Fatalf("the cursor on its own trail: %d %s", code, errText)
	}

	// The same sequence numbers, other records: a trail restored from
	// another point in time.
	other, otherBase, _ := startAuditAPIServer(t, 20, t0.Add(time.Hour))
	otherSiem := scopedToken(t, other, "siem", auth.RoleAdmin, auth.ScopeAuditRead)
	code, _, errText = auditAPIGet(t, otherBase, otherSiem, "cursor="+url.QueryEscape(cursor))
	if code != http.StatusConflict || !strings.Contains(errText, "was replaced by another record") || !strings.Contains(errText, "restored") {
		t.Errorf("the cursor on a trail whose record at its number differs: %d %q, want 409", code, errText)
	}
	// A trail shorter than the cursor: its record is not there (yet).
	short, shortBase, _ := startAuditAPIServer(t, 2, t0)
	shortSiem := scopedToken(t, short, "siem", auth.RoleAdmin, auth.ScopeAuditRead)
	code, _, errText = auditAPIGet(t, shortBase, shortSiem, "cursor="+url.QueryEscape(cursor))
	if code != http.StatusConflict || !strings.Contains(errText, "no longer in the trail") {
		t.Errorf("the cursor past a shorter trail's end: %d %q, want 409", code, errText)
	}
}
