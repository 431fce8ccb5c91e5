package servicetest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestPgBackRest: archiving works end to end (pgbackrest check forces a
// WAL switch and waits for the segment) and a full backup shows in info.
func TestPgBackRest(t *testing.T) {
	pg := StartPostgres(t)
	b := StartPgBackRest(t, pg, PgBackRestOptions{})
	b.Run(t, "check")
	b.Backup(t, "full")
	var info []struct {
		Name   string `json:"name"`
		Backup []struct {
			Type string `json:"type"`
		} `json:"backup"`
		Status struct {
			Code int `json:"code"`
		} `json:"status"`
	}
	d := json.NewDecoder(bytes.NewReader(b.Info(t)))
	d.UseNumber()
	if err := d.Decode(&info); err != nil {
		t.Fatal(err)
	}
	if len(info) != 1 || info[0].Name != "main" || info[0].Status.Code != 0 || len(info[0].Backup) != 1 || info[0].Backup[0].Type != "full" {
		t.Fatalf("info = %+v", info)
	}
	// The server still answers over TCP after the restart.
	var one int
	if err := pg.Connect(t).QueryRow(t.Context(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}
