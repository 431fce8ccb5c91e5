package apperrors

import (
	"testing"
	"time"
)

func TestGrouping(t *testing.T) {
	views := []string{"shop.views:checkout", "shop.cart:total", "shop.prices:convert"}
	moved := exc("ValueError", "bad price '12'", views...)
	frames := moved["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["stacktrace"].(map[string]any)["frames"].([]any)
	for _, fr := range frames {
		fr.(map[string]any)["lineno"] = 999 // an edit above moved every line
	}
	noInApp := func(fns ...string) map[string]any {
		e := exc("KeyError", "x", fns...)
		fs := e["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["stacktrace"].(map[string]any)["frames"].([]any)
		for _, fr := range fs {
			fr.(map[string]any)["in_app"] = false
		}
		return e
	}
	six := []string{"a.m:f1", "a.m:f2", "a.m:f3", "a.m:f4", "a.m:f5", "a.m:f6"}
	sixOther := append([]string{"a.m:other"}, six[1:]...)
	cases := []struct {
		name string
		a, b map[string]any
		same bool
	}{
		{"same stack, different messages", exc("ValueError", "bad price '12'", views...), exc("ValueError", "bad price '99.5' for user 7", views...), true},
		{"line numbers do not count", exc("ValueError", "bad price '12'", views...), moved, true},
		{"different in-app frames", exc("ValueError", "x", views...), exc("ValueError", "x", "shop.views:checkout", "shop.cart:subtotal"), false},
		{"different type", exc("ValueError", "x", views...), exc("TypeError", "x", views...), false},
		{"only the top five in-app frames", exc("E", "x", six...), exc("E", "x", sixOther...), true},
		{"the sixth from the top is not the first", exc("E", "x", six...), exc("E", "x", append(append([]string{}, six[:5]...), "a.m:f7")...), false},
		{"no in-app frame: all frames count", noInApp("lib.a:f"), noInApp("lib.b:f"), false},
		{"no in-app frame, same frames", noInApp("lib.a:f"), noInApp("lib.a:f"), true},
		{"fingerprint groups different stacks", with(exc("E", "x", "a.m:f"), "fingerprint", []any{"payments-down"}), with(exc("F", "y", "b.m:g"), "fingerprint", []any{"payments-down"}), true},
		{"fingerprint splits one stack", with(exc("E", "x", "a.m:f"), "fingerprint", []any{"{{ default }}", "tenant-1"}), with(exc("E", "x", "a.m:f"), "fingerprint", []any{"{{default}}", "tenant-2"}), false},
		{"{{ default }} is the default key", with(exc("E", "x", "a.m:f"), "fingerprint", []any{"{{ default }}"}), exc("E", "y", "a.m:f"), true},
		{"{{ default }} expands per stack", with(exc("E", "x", "a.m:f"), "fingerprint", []any{"{{ default }}", "t"}), with(exc("E", "x", "a.m:g"), "fingerprint", []any{"{{ default }}", "t"}), false},
		{"numbers", msg("User 42 failed after 3.5 s"), msg("User 7 failed after 10.25 s"), true},
		{"emails", msg("no account for ann@example.com"), msg("no account for bob.b@example.org"), true},
		{"uuids", msg("order 3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b missing"), msg("order 00000000-1111-4222-8333-444444444444 missing"), true},
		{"hex", msg("object at 0x7f3a2b missing, digest deadbeef42"), msg("object at 0x11 missing, digest 0a1b2c3d"), true},
		{"quoted strings", msg(`cannot parse 'abc' as "int"`), msg(`cannot parse 'x y z' as "float"`), true},
		{"different words", msg("cache miss"), msg("cache full"), false},
		{"logentry template", map[string]any{"logentry": map[string]any{"message": "user %s not found", "params": []any{"ann"}}},
			map[string]any{"logentry": map[string]any{"message": "user %s not found", "params": []any{"bob"}, "formatted": "user bob not found"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.ingest(t, "1", t0, c.a, c.b)
			got := f.issues(t, StatusUnresolved)
			if c.same && len(got) != 1 {
				t.Fatalf("want one issue, got %d: %+v", len(got), got)
			}
			if !c.same && len(got) != 2 {
				t.Fatalf("want two issues, got %d: %+v", len(got), got)
			}
			if c.same && got[0].Count != 2 {
				t.Errorf("count %d, want 2", got[0].Count)
			}
		})
	}
}

func TestIssueRecord(t *testing.T) {
	f := newFixture(t)
	e := exc("ValueError", "bad price '12'\nmore", "shop.views:checkout", "shop.prices:convert")
	f.ingest(t, "1", t0, with(e, "user", map[string]any{"id": 1}, "environment", "staging", "release", "shop@1.0"))
	f.ingest(t, "1", t0.Add(time.Hour), with(e, "user", map[string]any{"email": "a@b.c"}, "release", "shop@1.1"),
		with(e, "user", map[string]any{"id": "1"}, "release", "shop@1.1"))
	got := f.issues(t, "")
	if len(got) != 1 {
		t.Fatalf("issues %+v", got)
	}
	is := got[0]
	if is.Title != "ValueError: bad price '12'" || is.Culprit != "shop.prices in convert" {
		t.Errorf("title %q culprit %q", is.Title, is.Culprit)
	}
	if is.Count != 3 || is.Users != 2 || is.Samples != 3 {
		t.Errorf("count %d users %d samples %d, want 3 2 3", is.Count, is.Users, is.Samples)
	}
	if !is.FirstSeen.Equal(t0) || !is.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("seen %v .. %v", is.FirstSeen, is.LastSeen)
	}
	if is.FirstRelease != "shop@1.0" || is.LastRelease != "shop@1.1" || len(is.Releases) != 2 || len(is.Environments) != 2 {
		t.Errorf("releases %q..%q %v envs %v", is.FirstRelease, is.LastRelease, is.Releases, is.Environments)
	}
	if len(is.ID) != 32 || is.ID != issueID("1", is.Fingerprint) {
		t.Errorf("id %q", is.ID)
	}
	if is.Status != StatusUnresolved {
		t.Errorf("status %q", is.Status)
	}
	// The same event in another project is another issue.
	f.ingest(t, "2", t0, e)
	if got := f.issues(t, ""); len(got) != 2 || got[0].ID == got[1].ID {
		t.Errorf("per project: %+v", got)
	}
}

func TestNormaliseMessage(t *testing.T) {
	for in, want := range map[string]string{
		"User 42 failed":                          "User <num> failed",
		"user42 at 10.0.0.1":                      "user<num> at <num>",
		"mail ann@example.com  now":               "mail <email> now",
		"id 3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b": "id <uuid>",
		"ptr 0xDEADbeef":                          "ptr <hex>",
		"sha 9f86d081884c7d65":                    "sha <hex>",
		`got 'a' and "b c"`:                       "got <str> and <str>",
		"cache full":                              "cache full",
	} {
		if got := normaliseMessage(in); got != want {
			t.Errorf("normaliseMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
