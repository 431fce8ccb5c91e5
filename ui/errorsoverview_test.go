package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// TestErrorsOverviewPerEnvironment: a staging release candidate seen
// after production's release does not hide production's new issues;
// each environment has its tile, production first.
func TestErrorsOverviewPerEnvironment(t *testing.T) {
	now := time.Now()
	mem := newMemErrors(now, 0)
	mem.releases = []apperrors.Release{
		{Project: "1", Version: "1.6.0-rc1", FirstSeen: now.Add(-time.Minute), LastSeen: now},
		{Project: "1", Version: "1.5.0", FirstSeen: now.Add(-time.Hour), LastSeen: now},
		{Project: "1", Version: "1.4.0", FirstSeen: now.Add(-48 * time.Hour), LastSeen: now},
	}
	issue := func(id, title string, envs, rels []string) apperrors.Issue {
		return apperrors.Issue{ID: id, Project: "1", Title: title, Status: apperrors.StatusUnresolved, Count: 1,
			FirstSeen: now.Add(-time.Hour), LastSeen: now, Environments: envs, Releases: rels,
			FirstRelease: rels[0], LastRelease: rels[len(rels)-1]}
	}
	mem.issues = []apperrors.Issue{
		issue("staging1", "StagingOnly: rc", []string{"staging"}, []string{"1.6.0-rc1"}),
		issue("prodnew1", "ProdNew: in 1.5.0", []string{"production"}, []string{"1.5.0"}),
		// Old, seen in both, its last event from staging's candidate: a
		// guess only, which must not move production to 1.6.0-rc1.
		issue("old00001", "Old: both", []string{"production", "staging"}, []string{"1.4.0", "1.5.0", "1.6.0-rc1"}),
	}
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	_, body := doAs(t, "GET", base+"/", "", viewer)
	prod, stag := strings.Index(body, `id="tile-errors-1-0"`), strings.Index(body, `id="tile-errors-1-1"`)
	if prod < 0 || stag < prod {
		t.Fatalf("want a production tile then a staging tile (%d, %d)", prod, stag)
	}
	prodTile, stagTile := body[prod:stag], body[stag:]
	for _, want := range []string{"(production)", "Release <code>1.5.0</code>", "ProdNew: in 1.5.0", "1 new issue"} {
		if !strings.Contains(prodTile, want) {
			t.Errorf("production tile lacks %q", want)
		}
	}
	if strings.Contains(prodTile, "StagingOnly") || strings.Contains(prodTile, "1.6.0-rc1") {
		t.Error("staging's release candidate shows on production's tile")
	}
	for _, want := range []string{"(staging)", "Release <code>1.6.0-rc1</code>", "StagingOnly: rc"} {
		if !strings.Contains(stagTile, want) {
			t.Errorf("staging tile lacks %q", want)
		}
	}
}
