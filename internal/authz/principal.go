package authz

import (
	"context"
	"strings"
)

// Grant is one role a person holds today, for a unit (UnitPath, the unit's
// path of ids from the root such as "/1/4/") or for the whole organisation
// (UnitPath empty), or for an information system (System).
type Grant struct {
	Role       string
	UnitPath   string
	System     string
	Privileged bool // the role is privileged (stricter password policy, TOTP)
}

// Principal is the signed-in user as authorization sees them.
type Principal struct {
	UserID     int64
	PersonID   int64 // 0 for an account not tied to a person (the first administrator)
	Login      string
	Name       string
	UnitPath   string // the person's own unit
	Grants     []Grant
	Privileged bool // holds a privileged role: stricter password policy, TOTP required

	system bool // the System actor: the CLI and background jobs
}

// System is the actor of the command line and of background jobs: it holds
// every permission everywhere. It exists only in code; no request can carry
// it, because sign-in builds principals from grants.
var System = &Principal{Login: "system", Name: "kitei", system: true}

// IsSystem reports whether p is the System actor.
func (p *Principal) IsSystem() bool { return p != nil && p.system }

// Can reports whether p holds perm anywhere (for list pages that then
// filter by scope, and for routes without a unit).
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return perm == Public
	}
	if perm == Public || perm == Authenticated || p.system {
		return true
	}
	for _, g := range p.Grants {
		if has(g.Role, perm) {
			return true
		}
	}
	return false
}

// CanIn reports whether p holds perm for the unit at unitPath: through an
// organisation-wide grant, or a unit grant on that unit or an ancestor.
func (p *Principal) CanIn(perm Permission, unitPath string) bool {
	if p == nil {
		return perm == Public
	}
	if perm == Public || perm == Authenticated || p.system {
		return true
	}
	for _, g := range p.Grants {
		if !has(g.Role, perm) {
			continue
		}
		if g.UnitPath == "" && g.System == "" {
			return true
		}
		if g.UnitPath != "" && unitPath != "" && strings.HasPrefix(unitPath, g.UnitPath) {
			return true
		}
	}
	return false
}

// Scopes returns the unit paths for which p holds perm; all is true when
// p holds it organisation-wide. List queries filter by these.
func (p *Principal) Scopes(perm Permission) (paths []string, all bool) {
	if p == nil {
		return nil, false
	}
	if p.system {
		return nil, true
	}
	for _, g := range p.Grants {
		if !has(g.Role, perm) {
			continue
		}
		if g.UnitPath == "" && g.System == "" {
			return nil, true
		}
		if g.UnitPath != "" {
			paths = append(paths, g.UnitPath)
		}
	}
	return paths, false
}

// HasRole reports whether p holds role anywhere.
func (p *Principal) HasRole(role string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

func has(role string, perm Permission) bool {
	for _, x := range rolePermissions[role] {
		if x == perm {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, nil when nobody is signed in.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
