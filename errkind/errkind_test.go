package errkind

import (
	"errors"
	"fmt"
	"testing"
)

var errThing = New(NotFound, "pkg: no such thing", "no such thing")

type retry struct{ after int }

func (r *retry) Error() string         { return fmt.Sprintf("pkg: too many attempts; wait %ds", r.after) }
func (r *retry) Kind() Kind            { return RateLimited }
func (r *retry) ClientMessage() string { return fmt.Sprintf("too many attempts; wait %ds", r.after) }

func TestOf(t *testing.T) {
	plain := errors.New("open /var/lib/ward/ward.db: permission denied")
	for _, tc := range []struct {
		name   string
		err    error
		kind   Kind
		client string
	}{
		{"sentinel", errThing, NotFound, "no such thing"},
		{"wrapped sentinel", fmt.Errorf("lookup %q: %w", "x", errThing), NotFound, "no such thing"},
		{"joined", errors.Join(plain, errThing), NotFound, "no such thing"},
		{"error type", fmt.Errorf("login: %w", &retry{after: 3}), RateLimited, "too many attempts; wait 3s"},
		{"no kind", plain, Internal, ""},
		{"nil", nil, Internal, ""},
		{"wrap", Wrap(plain, Internal, "the store failed; see ward's log"), Internal, "the store failed; see ward's log"},
		{"wrap overrides", Wrap(errThing, Forbidden, "not for you"), Forbidden, "not for you"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, client := Of(tc.err)
			if kind != tc.kind || client != tc.client {
				t.Errorf("Of = %v %q, want %v %q", kind, client, tc.kind, tc.client)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	if errThing.Error() != "pkg: no such thing" {
		t.Errorf("Error() = %q", errThing.Error())
	}
	plain := errors.New("disk full")
	w := Wrap(plain, Internal, "try later")
	if w.Error() != "disk full" || !errors.Is(w, plain) {
		t.Errorf("Wrap: Error() %q, Is(plain) %v; want the wrapped error's text and chain", w.Error(), errors.Is(w, plain))
	}
	if Kind(99).String() != "internal" || NotFound.String() != "not found" {
		t.Errorf("String: %q %q", Kind(99), NotFound)
	}
}
