package auth

import "fmt"

// Role is what a user may do.
type Role string

// Roles, from most to least privileged.
const (
	// RoleAdmin manages users, configuration and the audit trail.
	RoleAdmin Role = "admin"
	// RoleOperator manages silences, tests and backups.
	RoleOperator Role = "operator"
	// RoleViewer only reads.
	RoleViewer Role = "viewer"
)

// Roles lists every role, most privileged first.
var Roles = []Role{RoleAdmin, RoleOperator, RoleViewer}

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleOperator:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("%w %q (want admin, operator or viewer)", ErrInvalidRole, s)
	}
	return r, nil
}
