package storage

import (
	"path/filepath"
	"testing"
	"time"
)

func TestAppSampleIndex(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	// "ab" is a prefix of "abc": their keys must not mix.
	samples := []AppSample{
		{Issue: "ab", Event: "e1", Time: t0, File: "f1", Size: 10, Users: []string{"u1"}},
		{Issue: "abc", Event: "e2", Time: t0.Add(time.Second), File: "f2", Size: 20},
		{Issue: "ab", Event: "e3", Time: t0.Add(2 * time.Second), File: "f3", Size: 30},
	}
	err = st.Update(func(tx *Tx) error {
		for _, s := range samples {
			if err := tx.PutAppSample(s); err != nil {
				return err
			}
			if err := tx.AddAppErrorCount(s.Issue, s.Time, 1); err != nil {
				return err
			}
		}
		return tx.PutAppIssue("ab", []byte(`{}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var bytes int64
	_ = st.View(func(tx *Tx) error {
		_ = tx.AppSamples("ab", 0, func(s AppSample) bool { got = append(got, s.Event); return true })
		_ = tx.AppSamples("ab", t0.Add(2*time.Second).UnixNano(), func(s AppSample) bool { got = append(got, "before:"+s.Event); return true })
		_ = tx.OldestAppSamples(func(s AppSample) bool { got = append(got, "oldest:"+s.Event); return len(got) < 5 })
		if s, ok := tx.AppSample("e2"); !ok || s.Issue != "abc" || !s.Time.Equal(t0.Add(time.Second)) || s.File != "f2" {
			t.Errorf("AppSample(e2) = %+v %v", s, ok)
		}
		_ = tx.AppErrorCounts("ab", t0, t0.Add(time.Hour), func(_ time.Time, n int64) { got = append(got, "count:"+string(rune('0'+n))) })
		_ = tx.AppErrorCounts("", t0, t0.Add(time.Hour), func(_ time.Time, n int64) { got = append(got, "total:"+string(rune('0'+n))) })
		bytes = tx.AppSampleBytes()
		return nil
	})
	want := "[e3 e1 before:e1 oldest:e1 oldest:e2 count:2 total:3]"
	if s := fmtList(got); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
	if bytes != 60 {
		t.Errorf("bytes %d, want 60", bytes)
	}
	var gone []AppSample
	err = st.Update(func(tx *Tx) error {
		gone, err = tx.DeleteAppIssue("ab")
		return err
	})
	if err != nil || len(gone) != 2 {
		t.Fatalf("DeleteAppIssue: %d samples, %v", len(gone), err)
	}
	_ = st.View(func(tx *Tx) error {
		if _, ok := tx.AppSample("e1"); ok || tx.AppSampleExists("e3") || !tx.AppSampleExists("e2") || tx.AppIssue("ab") != nil {
			t.Error("DeleteAppIssue left samples or took another issue's")
		}
		if tx.AppSampleBytes() != 20 {
			t.Errorf("bytes after delete %d, want 20", tx.AppSampleBytes())
		}
		n := 0
		_ = tx.AppErrorCounts("ab", t0, t0.Add(time.Hour), func(time.Time, int64) { n++ })
		if n != 0 {
			t.Error("the issue's counts stayed")
		}
		return nil
	})
}

func fmtList(l []string) string {
	s := "["
	for i, x := range l {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s + "]"
}
