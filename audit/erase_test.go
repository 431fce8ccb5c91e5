package audit

import "testing"

// TestMentionsOnlyPersonFields: a record names a person through its
// actor, its target (also as "user:NAME") and details that name users;
// never through a role, an outcome or other people's free text, however
// common the person's name.
func TestMentionsOnlyPersonFields(t *testing.T) {
	rec := func(actor, target string, d map[string]string) Record {
		return Record{Actor: actor, Action: ActionUserRole, Target: target, Outcome: Success, Details: d}
	}
	tests := []struct {
		name  string
		r     Record
		names []string
		want  bool
	}{
		{"actor", rec("admin", "bob", nil), []string{"admin"}, true},
		{"target", rec("ann", "viewer", nil), []string{"viewer"}, true},
		{"rate-limit target", rec("ann", "user:cli", nil), []string{"cli"}, true},
		{"role details", rec("ann", "bob", map[string]string{"from": "viewer", "to": "admin", "role": "admin"}), []string{"admin", "viewer"}, false},
		{"result detail", rec("ann", "bob", map[string]string{"result": "success", "scopes": "admin,cli"}), []string{"success", "cli"}, false},
		{"token name target", rec("ann", "token:cli", nil), []string{"cli"}, false},
		{"token maker", rec("ann", "token:x", map[string]string{"created_by": "a"}), []string{"a"}, true},
		{"limit key", rec("ann", "x", map[string]string{"key": "user:a"}), []string{"a"}, true},
		{"someone else's comment naming the word", rec("ann", "s1", map[string]string{"comment": "a admin window"}), []string{"admin"}, false},
		{"own comment", rec("admin", "s1", map[string]string{"comment": "admin window"}), []string{"admin"}, true},
		{"email in anyone's comment", rec("ann", "s1", map[string]string{"comment": "mail <a&b@x.example>"}), []string{"zed", "a&b@x.example"}, true},
		{"filters", rec("ann", "", map[string]string{"filters": "actor=a%26b%40x.example&outcome=failure"}), []string{"a&b@x.example"}, true},
		{"filters for someone else", rec("ann", "", map[string]string{"filters": "actor=bob&q=admin"}), []string{"admin"}, false},
		{"part of a longer name", rec("bobby", "bobby", nil), []string{"bob"}, false},
	}
	key := []byte("k")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Mentions(tc.names...); got != tc.want {
				t.Errorf("Mentions = %v, want %v", got, tc.want)
			}
			// Erase changes exactly what Mentions finds.
			if _, changed := tc.r.Erase(key, Erasure{Names: tc.names}); changed != tc.want {
				t.Errorf("Erase changed = %v, want %v", changed, tc.want)
			}
		})
	}
}
