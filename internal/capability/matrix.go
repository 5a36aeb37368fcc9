package capability

import "kitei/internal/authz"

// MatrixFixture is the organisation the authorization matrix test builds
// before asking each capability for its records: a 課 A1 under 部 A (the
// principals' own unit) and a 部 B (a foreign unit), a person in each, and a
// small catalog. Principal(role) is the matrix's principal of a built-in
// role (own unit A1, or organisation-wide, as the role's scope says), for
// capabilities that need records owned by it.
type MatrixFixture struct {
	UnitA, UnitA1, UnitB       Unit
	PersonA1, PersonB, PersonA int64 // PersonA1 is every matrix principal's own person; PersonA heads 部 A
	CatalogID                  int64
	Principal                  func(role string) *authz.Principal
}

// Unit is a unit of the fixture.
type Unit struct {
	ID   int64
	Path string
}

// Target says where a route points in the matrix. Path gives the URL to
// request for the own-unit and the foreign-unit case and the unit path of
// the record ("" for routes not tied to a unit). Want, when set, says who
// must get through; without it, holders of the route's permission (in the
// record's unit) must get through and nobody else may.
type Target struct {
	Path func(own bool) (path, unitPath string)
	Want func(p *authz.Principal, own bool) bool
	// Body, when set, is the body sent to the route: a form for a page,
	// JSON for an /api/ route (nil: a placeholder form). Give changes the
	// values they need, so the route is refused or let through by its
	// access rules and not by a missing field.
	Body func(own bool) string
}

// Fixed is a target not tied to a unit.
func Fixed(path string) Target {
	return Target{Path: func(bool) (string, string) { return path, "" }}
}

// OwnForeign is a target with a record in the own unit and one in the
// foreign unit.
func OwnForeign(f *MatrixFixture, ownPath, foreignPath string) Target {
	return Target{Path: func(own bool) (string, string) {
		if own {
			return ownPath, f.UnitA1.Path
		}
		return foreignPath, f.UnitB.Path
	}}
}
