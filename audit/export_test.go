package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWriteCSVDefusesFormulas(t *testing.T) {
	r := sealed(t)
	r.Target = "=HYPERLINK(\"http://evil\")"
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []Record{r}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("rows: %q", rows)
	}
	row := rows[1]
	if row[5] != "'"+r.Target || row[7] != "a=1; b=2" || row[1] != "2026-03-01T11:00:00.000000005Z" {
		t.Fatalf("row: %q", row)
	}
}

func TestWriteJSONVerifiable(t *testing.T) {
	r := sealed(t)
	r = Seal(r, 1, Genesis, testKey)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []Record{r}); err != nil {
		t.Fatal(err)
	}
	var back []json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back) != 1 {
		t.Fatal(err)
	}
	v := NewVerifier(VerifyOptions{Key: testKey})
	v.Next(1, back[0])
	if res := v.Finish(Anchor{Seq: 1, Hash: r.Hash}, time.Time{}); !res.Valid {
		t.Fatalf("exported record does not verify: %+v", res)
	}
	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Fatalf("empty export: %q, %v", buf.String(), err)
	}
}

func TestQueryMatch(t *testing.T) {
	r := sealed(t)
	at := r.Time
	tests := []struct {
		name string
		q    Query
		want bool
	}{
		{"all", Query{}, true},
		{"actor", Query{Actor: "alice"}, true},
		{"other actor", Query{Actor: "bob"}, false},
		{"action", Query{Action: ActionLogin}, true},
		{"other action", Query{Action: ActionLogout}, false},
		{"outcome", Query{Outcome: Failure}, false},
		{"since inclusive", Query{Since: at}, true},
		{"until exclusive", Query{Until: at}, false},
		{"range", Query{Since: at.Add(-time.Second), Until: at.Add(time.Second)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Match(r); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}
