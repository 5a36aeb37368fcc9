package org

import (
	"context"

	"kitei/internal/authz"
	"kitei/internal/paging"
)

// UnitFilter selects units.
type UnitFilter struct {
	Scope          authz.Scope
	IncludeRetired bool
}

// PersonFilter selects people; results are ordered by employee number
// (then id). A page is read with After (the cursor of the last person shown,
// see PersonCursor) and Limit; Offset is kept for old API callers only.
type PersonFilter struct {
	Scope   authz.Scope
	Query   string // part of the name, kana, employee number or e-mail
	UnitID  int64  // 0: any unit
	Subtree bool   // with UnitID: include the units below it
	Status  string // "": any
	NotLeft bool   // only people who have not left
	After   paging.Cursor
	Limit   int // 0: no limit
	Offset  int // deprecated: use After
}

// PersonCursor names p as the last row of a page of people.
func PersonCursor(p Person) paging.Cursor { return paging.Cursor{Key: p.EmployeeNo, ID: p.ID} }

// AssignmentFilter selects appointments; results are ordered by role, unit
// and start date.
type AssignmentFilter struct {
	PersonID int64
	RoleKey  string
	UnitID   int64  // 0: any unit (organisation-wide appointments included)
	OnDay    string // YYYY-MM-DD: only appointments in force that day
	// ActivePeople keeps only holders whose status is active (not on
	// leave, not left): the people who can act today.
	ActivePeople bool
	// Scope, when not All, keeps appointments whose holder's unit is in it.
	Scope authz.Scope
	// NotLeft keeps only holders who have not left.
	NotLeft bool
	// Limit > 0 reads one page: ordered by the path of the unit held for
	// (organisation-wide first) then id, after the cursor After (see
	// ContactCursor), at most Limit rows. Meant for one role (RoleKey).
	After paging.Cursor
	Limit int
}

// ContactCursor names a as the last row of a page of appointments.
func ContactCursor(a Assignment) paging.Cursor { return paging.Cursor{Key: a.UnitPath, ID: a.ID} }

// Snapshot is the whole organisation, for export and for checking an import.
type Snapshot struct {
	Units       []Unit
	People      []Person
	Roles       []Role
	Assignments []Assignment
}

// Store persists the organisation. Implemented by internal/store.
// Methods return apperr NotFound for unknown ids, keys or codes, and apperr
// Conflict for a duplicate code, employee number or role key.
type Store interface {
	// CreateUnit stores u under u.ParentID (0: a root) and sets its path.
	CreateUnit(ctx context.Context, u Unit) (Unit, error)
	// UpdateUnit changes names, kind and parent; moving a unit rewrites the
	// paths of the unit and every unit below it in one transaction, and
	// refuses (apperr Invalid) a move under its own subtree.
	UpdateUnit(ctx context.Context, u Unit) (Unit, error)
	// RetireUnit marks the unit retired on day (it stays in the tree).
	RetireUnit(ctx context.Context, id int64, day string) error
	Unit(ctx context.Context, id int64) (Unit, error)
	UnitByCode(ctx context.Context, code string) (Unit, error)
	// Units returns units in tree order (by path).
	Units(ctx context.Context, f UnitFilter) ([]Unit, error)

	CreatePerson(ctx context.Context, p Person) (Person, error)
	UpdatePerson(ctx context.Context, p Person) (Person, error)
	Person(ctx context.Context, id int64) (Person, error)
	PersonByEmployeeNo(ctx context.Context, no string) (Person, error)
	// People returns one page of matching people and the number of matches.
	People(ctx context.Context, f PersonFilter) ([]Person, int, error)

	// EnsureRoles adds the roles whose keys are missing and leaves existing
	// ones (possibly renamed or retired) alone; it returns how many it added.
	EnsureRoles(ctx context.Context, roles []Role) (int, error)
	CreateRole(ctx context.Context, r Role) (Role, error)
	// UpdateRole changes name, English name, privileged and retired by key.
	UpdateRole(ctx context.Context, r Role) (Role, error)
	Roles(ctx context.Context) ([]Role, error)
	RoleByKey(ctx context.Context, key string) (Role, error)

	CreateAssignment(ctx context.Context, a Assignment) (Assignment, error)
	// EndAssignment sets the end date of an appointment.
	EndAssignment(ctx context.Context, id int64, endsOn string) (Assignment, error)
	Assignment(ctx context.Context, id int64) (Assignment, error)
	Assignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error)
	// CountAssignments counts the appointments matching f (After and
	// Limit ignored).
	CountAssignments(ctx context.Context, f AssignmentFilter) (int, error)

	// Snapshot reads the whole organisation.
	Snapshot(ctx context.Context) (Snapshot, error)
	// ApplyBulk writes a checked import in one transaction: units by code,
	// people by employee number, appointments by (person, role, unit,
	// system, start date). Either all of it is stored or nothing.
	ApplyBulk(ctx context.Context, b *Plan) (BulkResult, error)
}
