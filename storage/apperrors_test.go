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
	// Each file counts as at least one 4 KiB block.
	if bytes != 3*AppSampleBlock {
		t.Errorf("bytes %d, want %d", bytes, 3*AppSampleBlock)
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
		if tx.AppSampleBytes() != AppSampleBlock || tx.AppSampleCount() != 1 {
			t.Errorf("after delete %d bytes of %d samples, want %d of 1", tx.AppSampleBytes(), tx.AppSampleCount(), AppSampleBlock)
		}
		n := 0
		_ = tx.AppErrorCounts("ab", t0, t0.Add(time.Hour), func(time.Time, int64) { n++ })
		if n != 0 {
			t.Error("the issue's counts stayed")
		}
		return nil
	})
}

func TestAppSampleDiskBytes(t *testing.T) {
	for _, tc := range []struct{ size, want int64 }{{0, 4096}, {1, 4096}, {4096, 4096}, {4097, 8192}, {10000, 12288}} {
		if got := AppSampleDiskBytes(tc.size); got != tc.want {
			t.Errorf("AppSampleDiskBytes(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}

// TestEnsureAppSampleTotals: a database from before disk use was
// counted in blocks (only the compressed total in meta) is counted once.
func TestEnsureAppSampleTotals(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *Tx) error {
		for i, size := range []int64{700, 5000} {
			if err := tx.PutAppSample(AppSample{Issue: "i", Event: string(rune('a' + i)), Time: t0, File: "f", Size: size}); err != nil {
				return err
			}
		}
		// As the old code left it.
		b := tx.bolt.Bucket(bucketMeta)
		if err := b.Delete(keyAppSampleDisk); err != nil {
			return err
		}
		if err := b.Delete(keyAppSampleCount); err != nil {
			return err
		}
		return b.Put(keyAppSampleBytes, []byte{0, 0, 0, 0, 0, 0, 0x17, 0x3c})
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call changes nothing
		if err := st.Update(func(tx *Tx) error { return tx.EnsureAppSampleTotals() }); err != nil {
			t.Fatal(err)
		}
		_ = st.View(func(tx *Tx) error {
			if tx.AppSampleBytes() != 3*AppSampleBlock || tx.AppSampleCount() != 2 || tx.bolt.Bucket(bucketMeta).Get(keyAppSampleBytes) != nil {
				t.Errorf("%d bytes of %d samples, want %d of 2", tx.AppSampleBytes(), tx.AppSampleCount(), 3*AppSampleBlock)
			}
			return nil
		})
	}
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
