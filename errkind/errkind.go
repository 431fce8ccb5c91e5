// Package errkind names the kinds of failure that ward's packages report
// to whoever made a request: the request could not be read, its values
// were refused, the state refuses it, the caller is not signed in or may
// not do it, a thing does not exist, too many attempts, not available
// yet. A package attaches a kind, and a message written for the client,
// to the errors it exports; the HTTP edge (package ui) turns the kind
// into a status and shows only that message. An error without a kind is
// internal: its text stays in the log.
//
// It is its own package, importing nothing of ward's, so that every
// package with errors to report (auth, alerting) and the edge that
// answers them can share it without import cycles, and so that no
// domain package needs to know HTTP statuses.
package errkind

import "errors"

// Kind is the kind of a failure.
type Kind int

// Kinds. The zero Kind is Internal, so that an error nobody classified
// is treated as ward's own fault.
const (
	// Internal failures are ward's own: storage, I/O, bugs.
	Internal Kind = iota
	// Malformed requests cannot be read: a broken form, a parameter
	// that does not parse.
	Malformed
	// Invalid requests were read but their values are refused: a short
	// password, an unknown role.
	Invalid
	// Conflict means the current state refuses the request: the user
	// exists, the last admin, setup already done.
	Conflict
	// Unauthenticated means no valid credential: a wrong password or
	// code, an expired session or link.
	Unauthenticated
	// Forbidden means the caller is known but may not do this.
	Forbidden
	// NotFound means the named thing does not exist.
	NotFound
	// RateLimited means too many attempts; try again later.
	RateLimited
	// Unavailable means not possible yet: not configured, not ready.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Malformed:
		return "malformed"
	case Invalid:
		return "invalid"
	case Conflict:
		return "conflict"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not found"
	case RateLimited:
		return "rate limited"
	case Unavailable:
		return "unavailable"
	}
	return "internal"
}

// Kinded is an error that knows its kind and what its client is told.
// Error types with a message that depends on their fields implement it;
// fixed errors are made with New.
type Kinded interface {
	error
	Kind() Kind
	// ClientMessage is written for whoever made the request, in the
	// lower-case style of Prometheus' API errors ("no such user"). It
	// never quotes internals.
	ClientMessage() string
}

// Error is an error of a kind with a message for clients.
type Error struct {
	kind   Kind
	text   string
	client string
}

var _ Kinded = (*Error)(nil)

// New returns an error of kind whose Error is text (for logs and the
// command line, "auth: no such user") and whose ClientMessage is client
// ("no such user").
func New(kind Kind, text, client string) *Error {
	return &Error{kind: kind, text: text, client: client}
}

func (e *Error) Error() string { return e.text }

// Kind is e's kind.
func (e *Error) Kind() Kind { return e.kind }

// ClientMessage is what clients are told.
func (e *Error) ClientMessage() string { return e.client }

// Of returns the kind and the client message of the first error in err's
// chain that has a kind, or Internal and "" when none has.
func Of(err error) (Kind, string) {
	var k Kinded
	if errors.As(err, &k) {
		return k.Kind(), k.ClientMessage()
	}
	return Internal, ""
}

// Wrap gives err a kind and a client message, keeping err in the chain
// (errors.Is and the log still see it). Use it where the package that
// answers knows better than the one that failed, say to show a
// deliberate message for an internal failure.
func Wrap(err error, kind Kind, client string) error {
	return &wrapped{err: err, kind: kind, client: client}
}

type wrapped struct {
	err    error
	kind   Kind
	client string
}

func (w *wrapped) Error() string         { return w.err.Error() }
func (w *wrapped) Unwrap() error         { return w.err }
func (w *wrapped) Kind() Kind            { return w.kind }
func (w *wrapped) ClientMessage() string { return w.client }
