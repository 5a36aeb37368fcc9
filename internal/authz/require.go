package authz

import "kitei/internal/apperr"

// Require returns a Forbidden error unless p holds perm somewhere.
func Require(p *Principal, perm Permission) error {
	if p.Can(perm) {
		return nil
	}
	return apperr.E(apperr.Forbidden, "error.forbidden.perm", string(perm))
}

// RequireIn returns a Forbidden error unless p holds perm for every unit
// path given; "" stands for the whole organisation and needs an
// organisation-wide grant. Services call it; handlers never do.
func RequireIn(p *Principal, perm Permission, paths ...string) error {
	for _, path := range paths {
		ok := false
		if path == "" {
			_, ok = p.Scopes(perm)
		} else {
			ok = p.CanIn(perm, path)
		}
		if !ok {
			return apperr.E(apperr.Forbidden, "error.forbidden.unit")
		}
	}
	return nil
}
