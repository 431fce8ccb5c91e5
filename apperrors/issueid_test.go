package apperrors

import "testing"

// TestIssueIDOf: a client that sets a fingerprint computes the id of
// the issue its events join, and only that one.
func TestIssueIDOf(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "1", t0, with(exc("E", "x", "a.m:f"), "fingerprint", []any{"bench", "42"}), exc("F", "y", "b.m:g"))
	is := f.issues(t, StatusUnresolved)
	if len(is) != 2 {
		t.Fatalf("%d issues", len(is))
	}
	want := IssueIDOf("1", []string{"bench", "42"})
	found := 0
	for _, i := range is {
		if i.ID == want {
			found++
			if i.Title != "E: x" {
				t.Errorf("IssueIDOf names %q", i.Title)
			}
		}
	}
	if found != 1 || IssueIDOf("2", []string{"bench", "42"}) == want || IssueIDOf("1", []string{"bench", "43"}) == want {
		t.Errorf("IssueIDOf %s: found %d times, or not bound to project and fingerprint", want, found)
	}
}
