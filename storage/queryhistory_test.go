package storage

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// TestQueryHistory: distinct, newest first, bounded in count and size,
// per user, and deleted with the user.
func TestQueryHistory(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, name := range []string{"vic", "ann"} {
		if err := st.CreateUser(User{Name: name, Role: "viewer", Created: time.Now()}, audit.Record{Time: time.Now(), Actor: "test", Action: audit.ActionUserCreate, Target: name, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range MaxQueryHistory + 3 {
		if err := st.RecordQuery("vic", "up + "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordQuery("vic", "up + 5"); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordQuery("vic", strings.Repeat("x", MaxHistoryExpr+1)); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordQuery("ann", "ann_only"); err != nil {
		t.Fatal(err)
	}
	h, err := st.QueryHistory("vic")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != MaxQueryHistory || h[0] != "up + 5" || h[1] != "up + 22" || h[len(h)-1] != "up + 3" {
		t.Fatalf("vic's history %q", h)
	}
	if err := st.Update(func(tx *Tx) error { _, err := tx.DeleteUser("vic"); return err }); err != nil {
		t.Fatal(err)
	}
	if h, err := st.QueryHistory("vic"); err != nil || len(h) != 0 {
		t.Errorf("after deleting vic: %q %v", h, err)
	}
	if h, _ := st.QueryHistory("ann"); len(h) != 1 || h[0] != "ann_only" {
		t.Errorf("ann's history %q", h)
	}
	n, err := st.ClearQueryHistory("ann", audit.Record{Time: time.Now(), Actor: "ann", Action: audit.ActionHistoryClear, Target: "ann", Outcome: audit.Success})
	if err != nil || n != 1 {
		t.Errorf("clear: %d %v", n, err)
	}
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionHistoryClear}, nil)
	if err != nil || len(recs) != 1 || recs[0].Details["entries"] != "1" {
		t.Errorf("clear record %+v %v", recs, err)
	}
}
