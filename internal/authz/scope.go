package authz

import "strings"

// Scope is the set of units an actor may act on for one permission: all of
// them, or those whose path starts with one of Paths. Every capability
// filters its lists and checks its records with this one type. The zero
// Scope holds nothing, so a forgotten scope fails closed.
type Scope struct {
	All   bool
	Paths []string // unit paths such as "/1/4/"
}

// Everywhere is the scope of an organisation-wide grant and of System.
var Everywhere = Scope{All: true}

// Contains reports whether the unit at path is in the scope.
func (s Scope) Contains(path string) bool {
	if s.All {
		return true
	}
	for _, p := range s.Paths {
		if p != "" && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// Empty reports whether the scope holds nothing.
func (s Scope) Empty() bool { return !s.All && len(s.Paths) == 0 }

// Union is the units in s or in o.
func (s Scope) Union(o Scope) Scope {
	if s.All || o.All {
		return Everywhere
	}
	return Scope{Paths: append(append([]string(nil), s.Paths...), o.Paths...)}
}

// Scope is where p holds perm.
func (p *Principal) Scope(perm Permission) Scope {
	paths, all := p.Scopes(perm)
	return Scope{All: all, Paths: paths}
}

// ScopeOf is where p holds perm (nil p: nowhere).
func ScopeOf(p *Principal, perm Permission) Scope { return p.Scope(perm) }
