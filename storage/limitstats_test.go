package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestLimitCounts(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	add := func(at time.Time, cs ...LimitCount) {
		t.Helper()
		if err := st.AddLimitCounts(at, cs); err != nil {
			t.Fatal(err)
		}
	}
	add(now.Add(-8*24*time.Hour), LimitCount{Class: "api-read", Kind: "token", Key: "old", Count: 1000})
	add(now.Add(-2*time.Hour), LimitCount{Class: "api-read", Kind: "token", Key: "grafana", Count: 5})
	add(now, LimitCount{Class: "api-read", Kind: "token", Key: "grafana", Count: 7},
		LimitCount{Class: "anonymous", Kind: "anonymous", Key: "2001:db8::/64", Count: 9})
	add(now.Add(time.Minute), LimitCount{Class: "api-read", Kind: "token", Key: "grafana", Count: 1})

	got, err := st.LimitCounts(now.Add(-time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{anonymous anonymous 2001:db8::/64 9} {api-read token grafana 8}]" {
		t.Errorf("last hour: %v", got)
	}
	got, _ = st.LimitCounts(now.Add(-7*24*time.Hour), 1)
	if fmt.Sprint(got) != "[{api-read token grafana 13}]" {
		t.Errorf("7 days, top 1: %v (the 8-day-old hour must be gone)", got)
	}

	// One hour holds at most MaxLimitKeysPerHour pairs; the rest are
	// summed per class.
	var many []LimitCount
	for i := range MaxLimitKeysPerHour + 500 {
		many = append(many, LimitCount{Class: "api-query", Kind: "anonymous", Key: fmt.Sprint("ip", i), Count: uint64(i + 1)})
	}
	add(now.Add(3*time.Hour), many...)
	got, _ = st.LimitCounts(now.Add(3*time.Hour), 0)
	var total uint64
	seen := map[string]uint64{}
	for _, c := range got {
		total += c.Count
		seen[c.Key] = c.Count
	}
	// 999 largest kept (ip501..ip1499), ip0..ip500 summed: 1+...+501.
	if len(got) != MaxLimitKeysPerHour || seen["ip1499"] != 1500 || seen["ip500"] != 0 || seen[OtherPrincipals] != 501*502/2 || total != 1500*1501/2 {
		t.Errorf("bounded hour: %d entries, ip1499 %d, others %d, total %d", len(got), seen["ip1499"], seen[OtherPrincipals], total)
	}
}

// TestLimitStatsMigration: a schema-7 database gains the bucket when a
// newer ward opens it, and its data stays.
func TestLimitStatsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bucketLimitStats); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte{7})
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordQuery("ann", "up"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddLimitCounts(time.Now(), []LimitCount{{Class: "page", Kind: "user", Key: "ann", Count: 1}}); err != nil {
		t.Fatalf("after migration: %v", err)
	}
	if h, err := st.QueryHistory("ann"); err != nil || len(h) != 1 {
		t.Errorf("data lost: %v %v", h, err)
	}
	_ = st.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchemaVersion); len(v) != 1 || v[0] != schemaVersion {
			t.Errorf("schema version %v, want %d", v, schemaVersion)
		}
		return nil
	})
}
