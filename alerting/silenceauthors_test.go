package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRewriteSilenceAuthors: erasing "admin" (a user name that is also a
// common word) rewrites the author and comment of their active and
// expired silences in place (same IDs, states and matchers), only the
// email in another person's comment, and the silences file on disk; a
// restart reads the rewritten silences.
func TestRewriteSilenceAuthors(t *testing.T) {
	t.Parallel()
	hk := newHook(t, http.StatusOK)
	dir := t.TempDir()
	dataDir, state := filepath.Join(dir, "alerting"), openState(t, dir)
	cfg := fmt.Sprintf("  route:\n    receiver: hook\n%s  receivers:\n    - name: hook\n      webhook_configs: [{url: %q}]\n", routeTimings, hk.srv.URL)
	p := startPipeline(t, dataDir, state, cfg)

	const name, email = "admin", "admin@corp.example"
	now := time.Now().UTC()
	create := func(by, comment string) string {
		body := fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Maint","isRegex":false,"isEqual":true}],`+
			`"startsAt":%q,"endsAt":%q,"createdBy":%q,"comment":%q}`,
			now.Format(time.RFC3339), now.Add(2*time.Hour).Format(time.RFC3339), by, comment)
		var created struct {
			SilenceID string `json:"silenceID"`
		}
		if err := json.Unmarshal(p.api(t, "POST", "/api/v2/silences", body), &created); err != nil || created.SilenceID == "" {
			t.Fatalf("creating a silence: %v %+v", err, created)
		}
		return created.SilenceID
	}
	own := create(name, "admin deploy, ask admin")
	expired := create(name, "old work by admin")
	p.api(t, "DELETE", "/api/v2/silence/"+expired, "")
	other := create("ops", "admin tasks; paged "+email)

	to := map[string]string{name: "erased:p1", email: "erased:p2"}
	n, err := p.m.RewriteSilenceAuthors(context.Background(), to)
	if err != nil || n != 3 {
		t.Fatalf("rewrote %d silences: %v", n, err)
	}
	want := map[string][3]string{ // id -> author, comment, state
		own:     {"erased:p1", "erased:p1 deploy, ask erased:p1", "active"},
		expired: {"erased:p1", "old work by erased:p1", "expired"},
		other:   {"ops", "admin tasks; paged erased:p2", "active"},
	}
	check := func(p *pipeline, when string) {
		var got []struct {
			ID        string `json:"id"`
			CreatedBy string `json:"createdBy"`
			Comment   string `json:"comment"`
			Status    struct {
				State string `json:"state"`
			} `json:"status"`
		}
		if err := json.Unmarshal(p.api(t, "GET", "/api/v2/silences", ""), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%s: %d silences: %+v", when, len(got), got)
		}
		for _, s := range got {
			if w := want[s.ID]; w != [3]string{s.CreatedBy, s.Comment, s.Status.State} {
				t.Errorf("%s: silence %s = %q %q %s, want %q", when, s.ID, s.CreatedBy, s.Comment, s.Status.State, w)
			}
		}
	}
	check(p, "after the rewrite")
	data, err := os.ReadFile(filepath.Join(dataDir, "silences"))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{email, "admin deploy", "by admin"} {
		if bytes.Contains(data, []byte(gone)) {
			t.Errorf("the silences file still holds %q", gone)
		}
	}
	// Nothing left to rewrite: a second call changes nothing.
	if n, err := p.m.RewriteSilenceAuthors(context.Background(), to); err != nil || n != 0 {
		t.Errorf("second rewrite: %d %v", n, err)
	}
	p.stop()
	check(startPipeline(t, dataDir, state, cfg), "after a restart")
}
