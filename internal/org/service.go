package org

import (
	"context"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Service runs the organisation capability over a Store.
type Service struct {
	store Store
	now   func() time.Time
	// Superiors is the escalation chain of separation of duties: the role
	// whose holder approves instead when the holder of a role is the
	// applicant. Replace or extend it to fit the organisation's rules.
	Superiors map[string]string
}

// DefaultSuperiors is the escalation chain of the seed rulebooks: 課室 →
// 部 → 統括 → CISO.
func DefaultSuperiors() map[string]string {
	return map[string]string{
		authz.RoleDivisionISO: authz.RoleISO,
		authz.RoleISO:         authz.RoleChiefISO,
		authz.RoleChiefISO:    authz.RoleCISO,
		authz.RoleDeputyCISO:  authz.RoleCISO,
		authz.RoleAreaISO:     authz.RoleISO,
		authz.RoleISSAdmin:    authz.RoleISSO,
		authz.RoleISSO:        authz.RoleChiefISO,
		authz.RoleAuditor:     authz.RoleAuditChief,
		authz.RoleAuditChief:  authz.RoleCISO,
		authz.RoleCSIRTMember: authz.RoleCSIRTChief,
		authz.RoleCSIRTChief:  authz.RoleChiefISO,
	}
}

// NewService returns the organisation service over st.
func NewService(st Store) *Service {
	return &Service{store: st, now: time.Now, Superiors: DefaultSuperiors()}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() string { return Day(s.now()) }

// ---- units ----

// CreateUnit adds a unit under u.ParentID (0: a new root) for actor, who
// needs org.write over the parent (organisation-wide for a new root).
func (s *Service) CreateUnit(ctx context.Context, actor *authz.Principal, u Unit) (Unit, error) {
	u.ID, u.Path, u.Retired = 0, "", false
	var parent Unit
	if u.ParentID != 0 {
		var err error
		if parent, err = s.store.Unit(ctx, u.ParentID); err != nil {
			return u, err
		}
	}
	if err := authz.RequireIn(actor, authz.OrgWrite, parent.Path); err != nil {
		return u, err
	}
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.ParentID != 0 {
		if parent.Retired {
			return u, invalid("org.err.unit_retired_cannot_get_new", parent.Code)
		}
	}
	return s.store.CreateUnit(ctx, u)
}

// UpdateUnit changes a unit's code, names, kind or parent. Moving a unit
// moves its whole subtree; actor needs org.write over the unit and, for a
// move, over the new parent.
func (s *Service) UpdateUnit(ctx context.Context, actor *authz.Principal, u Unit) (Unit, error) {
	old, err := s.ViewUnit(ctx, actor, u.ID)
	if err != nil {
		return u, err
	}
	paths := []string{old.Path}
	var parent Unit
	if u.ParentID != old.ParentID {
		if u.ParentID != 0 {
			if parent, err = s.store.Unit(ctx, u.ParentID); err != nil {
				return u, err
			}
		}
		paths = append(paths, parent.Path)
	}
	if err := authz.RequireIn(actor, authz.OrgWrite, paths...); err != nil {
		return u, err
	}
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.ParentID != old.ParentID && u.ParentID != 0 {
		if strings.HasPrefix(parent.Path, old.Path) {
			return u, invalid("org.err.unit_cannot_move_under_itself", old.Code)
		}
		if parent.Retired {
			return u, invalid("org.err.unit_retired_cannot_get_new", parent.Code)
		}
	}
	return s.store.UpdateUnit(ctx, u)
}

// RetireUnit retires a unit that no longer has people or open units below
// it; actor needs org.write over it.
func (s *Service) RetireUnit(ctx context.Context, actor *authz.Principal, id int64) error {
	u, err := s.ViewUnit(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := authz.RequireIn(actor, authz.OrgWrite, u.Path); err != nil {
		return err
	}
	if u.Retired {
		return nil
	}
	units, err := s.store.Units(ctx, UnitFilter{Scope: authz.Scope{Paths: []string{u.Path}}})
	if err != nil {
		return err
	}
	if len(units) > 1 {
		return apperr.E(apperr.Conflict, "org.err.unit_still_has_units_below", u.Code)
	}
	_, n, err := s.store.People(ctx, PersonFilter{Scope: authz.Everywhere, UnitID: id, NotLeft: true, Limit: 1})
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.E(apperr.Conflict, "org.err.unit_still_has_people_move", u.Code, n)
	}
	return s.store.RetireUnit(ctx, id, s.today())
}

// ViewUnit returns unit id as actor may see it: a unit outside actor's
// org.read scope is reported as not found.
func (s *Service) ViewUnit(ctx context.Context, actor *authz.Principal, id int64) (Unit, error) {
	u, err := s.store.Unit(ctx, id)
	if err != nil {
		return u, err
	}
	if !actor.CanIn(authz.OrgRead, u.Path) {
		return Unit{}, apperr.E(apperr.NotFound, "org.err.unit_not_found", id)
	}
	return u, nil
}

// ViewPerson returns person id as actor may see them: a person outside
// actor's org.read scope is reported as not found.
func (s *Service) ViewPerson(ctx context.Context, actor *authz.Principal, id int64) (Person, error) {
	p, err := s.store.Person(ctx, id)
	if err != nil {
		return p, err
	}
	if !actor.CanIn(authz.OrgRead, p.UnitPath) {
		return Person{}, apperr.E(apperr.NotFound, "org.err.person_not_found", id)
	}
	return p, nil
}

// MayWrite reports whether actor may change the records of the unit at
// unitPath ("" : the whole organisation, e.g. the role catalogue and bulk
// import); pages use it to offer their forms.
func (s *Service) MayWrite(actor *authz.Principal, unitPath string) bool {
	return authz.RequireIn(actor, authz.OrgWrite, unitPath) == nil
}

// MayWriteSomewhere reports whether actor may change some unit's records.
func (s *Service) MayWriteSomewhere(actor *authz.Principal) bool {
	return !actor.Scope(authz.OrgWrite).Empty()
}

// Unit returns a unit by id.
func (s *Service) Unit(ctx context.Context, id int64) (Unit, error) { return s.store.Unit(ctx, id) }

// UnitByCode returns a unit by its code.
func (s *Service) UnitByCode(ctx context.Context, code string) (Unit, error) {
	return s.store.UnitByCode(ctx, strings.TrimSpace(code))
}

// Units lists units in tree order.
func (s *Service) Units(ctx context.Context, f UnitFilter) ([]Unit, error) {
	if f.Scope.Empty() {
		return nil, nil
	}
	return s.store.Units(ctx, f)
}

// ---- people ----

// CreatePerson adds a person; actor needs org.write over their unit.
func (s *Service) CreatePerson(ctx context.Context, actor *authz.Principal, p Person) (Person, error) {
	p.ID = 0
	if p.UnitID != 0 {
		u, err := s.store.Unit(ctx, p.UnitID)
		if err != nil {
			return p, err
		}
		if err := authz.RequireIn(actor, authz.OrgWrite, u.Path); err != nil {
			return p, err
		}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	if err := s.checkUnitOpen(ctx, p.UnitID); err != nil {
		return p, err
	}
	if p.Status == StatusLeft && p.LeftOn == "" {
		p.LeftOn = s.today()
	}
	if p.Status != StatusLeft {
		p.LeftOn = ""
	}
	return s.store.CreatePerson(ctx, p)
}

// UpdatePerson changes a person. Setting status "left" records the day
// they left (today unless given); moving them to another unit records the
// transfer date (today unless given). People are never deleted. actor
// needs org.write over their unit and, for a transfer, over the new one.
func (s *Service) UpdatePerson(ctx context.Context, actor *authz.Principal, p Person) (Person, error) {
	old, err := s.ViewPerson(ctx, actor, p.ID)
	if err != nil {
		return p, err
	}
	paths := []string{old.UnitPath}
	if p.UnitID != old.UnitID && p.UnitID != 0 {
		u, err := s.store.Unit(ctx, p.UnitID)
		if err != nil {
			return p, err
		}
		paths = append(paths, u.Path)
	}
	if err := authz.RequireIn(actor, authz.OrgWrite, paths...); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	if p.UnitID != old.UnitID {
		if err := s.checkUnitOpen(ctx, p.UnitID); err != nil {
			return p, err
		}
		if p.TransferredOn == old.TransferredOn {
			p.TransferredOn = s.today()
		}
	}
	switch {
	case p.Status == StatusLeft && p.LeftOn == "":
		p.LeftOn = s.today()
	case p.Status != StatusLeft:
		p.LeftOn = ""
	}
	return s.store.UpdatePerson(ctx, p)
}

func (s *Service) checkUnitOpen(ctx context.Context, id int64) error {
	u, err := s.store.Unit(ctx, id)
	if err != nil {
		return err
	}
	if u.Retired {
		return invalid("org.err.unit_retired", u.Code)
	}
	return nil
}

// Person returns a person by id.
func (s *Service) Person(ctx context.Context, id int64) (Person, error) {
	return s.store.Person(ctx, id)
}

// PersonByEmployeeNo returns a person by employee number.
func (s *Service) PersonByEmployeeNo(ctx context.Context, no string) (Person, error) {
	return s.store.PersonByEmployeeNo(ctx, strings.TrimSpace(no))
}

// People returns one page of people and the number of matches.
func (s *Service) People(ctx context.Context, f PersonFilter) ([]Person, int, error) {
	if f.Scope.Empty() {
		return nil, 0, nil
	}
	f.Query = strings.TrimSpace(f.Query)
	if f.Status != "" {
		f.Status = NormalizeStatus(f.Status)
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, 0, invalid("org.err.bad_page")
	}
	return s.store.People(ctx, f)
}

// ---- roles ----

// EnsureBuiltinRoles adds the roles of authz.Builtin that the catalogue
// lacks. Existing roles keep their names, even if renamed; it is safe to
// call on every start.
func (s *Service) EnsureBuiltinRoles(ctx context.Context) error {
	roles := make([]Role, len(authz.Builtin))
	for i, b := range authz.Builtin {
		roles[i] = Role{Key: b.Key, Name: b.Name, NameEn: b.NameEn, Scope: b.Scope, Privileged: b.Privileged, Ord: (i + 1) * 10}
	}
	_, err := s.store.EnsureRoles(ctx, roles)
	return err
}

// Roles lists the role catalogue, retired roles included.
func (s *Service) Roles(ctx context.Context) ([]Role, error) { return s.store.Roles(ctx) }

// Role returns a role by key.
func (s *Service) Role(ctx context.Context, key string) (Role, error) {
	return s.store.RoleByKey(ctx, key)
}

// AddRole adds a role to the catalogue. New roles grant no permission of
// their own (permissions are tied to the built-in keys); they record who
// holds a duty and feed contact lists and approval routing.
func (s *Service) AddRole(ctx context.Context, actor *authz.Principal, r Role) (Role, error) {
	if err := authz.RequireIn(actor, authz.OrgWrite, ""); err != nil {
		return r, err
	}
	r.ID, r.Retired = 0, false
	if err := r.Validate(); err != nil {
		return r, err
	}
	return s.store.CreateRole(ctx, r)
}

// RenameRole changes the names shown for a role; its key stays.
func (s *Service) RenameRole(ctx context.Context, actor *authz.Principal, key, name, nameEn string) (Role, error) {
	if err := authz.RequireIn(actor, authz.OrgWrite, ""); err != nil {
		return Role{}, err
	}
	r, err := s.store.RoleByKey(ctx, key)
	if err != nil {
		return r, err
	}
	r.Name, r.NameEn = name, nameEn
	if err := r.Validate(); err != nil {
		return r, err
	}
	return s.store.UpdateRole(ctx, r)
}

// RetireRole retires (or, with retired false, restores) a role. Retired
// roles grant nothing and take no new appointments. The staff and
// administrator roles cannot be retired.
func (s *Service) RetireRole(ctx context.Context, actor *authz.Principal, key string, retired bool) (Role, error) {
	if err := authz.RequireIn(actor, authz.OrgWrite, ""); err != nil {
		return Role{}, err
	}
	r, err := s.store.RoleByKey(ctx, key)
	if err != nil {
		return r, err
	}
	if retired && (key == authz.RoleStaff || key == authz.RoleAdministrator) {
		return r, invalid("org.err.role_cannot_retired", key)
	}
	r.Retired = retired
	return s.store.UpdateRole(ctx, r)
}

// ---- appointments ----

// Appoint records that a person holds a role from a.StartsOn. a.RoleKey
// names the role. actor must be allowed to record it (see authorizeAppoint).
func (s *Service) Appoint(ctx context.Context, actor *authz.Principal, a Assignment) (Assignment, error) {
	a.ID = 0
	if _, err := s.ViewPerson(ctx, actor, a.PersonID); err != nil {
		return a, err
	}
	if err := s.authorizeAppoint(ctx, actor, a); err != nil {
		return a, err
	}
	role, err := s.store.RoleByKey(ctx, strings.TrimSpace(a.RoleKey))
	if err != nil {
		return a, err
	}
	a.RoleID, a.RoleKey = role.ID, role.Key
	if role.Scope == ScopeOrganisation {
		a.UnitID = 0
	}
	if err := a.Validate(role); err != nil {
		return a, err
	}
	p, err := s.store.Person(ctx, a.PersonID)
	if err != nil {
		return a, err
	}
	if p.Status == StatusLeft {
		return a, invalid("org.err.has_left_organisation", p.Name)
	}
	if a.UnitID != 0 {
		if err := s.checkUnitOpen(ctx, a.UnitID); err != nil {
			return a, err
		}
	}
	return s.store.CreateAssignment(ctx, a)
}

// EndAssignment ends an appointment on endsOn (today when empty); actor
// needs the rights to record it (see authorizeAppoint).
func (s *Service) EndAssignment(ctx context.Context, actor *authz.Principal, id int64, endsOn string) (Assignment, error) {
	a, err := s.store.Assignment(ctx, id)
	if err != nil {
		return a, err
	}
	if p, err := s.store.Person(ctx, a.PersonID); err != nil {
		return a, err
	} else if !actor.CanIn(authz.OrgRead, p.UnitPath) {
		return Assignment{}, apperr.E(apperr.NotFound, "org.err.assignment_not_found", id)
	}
	if err := s.authorizeAppoint(ctx, actor, a); err != nil {
		return a, err
	}
	if endsOn == "" {
		endsOn = s.today()
	}
	if err := CheckDate(field("end_date"), endsOn); err != nil {
		return a, err
	}
	if endsOn < a.StartsOn {
		return a, invalid("org.err.end_date_before_start_date", endsOn, a.StartsOn)
	}
	return s.store.EndAssignment(ctx, id, endsOn)
}

// Assignment returns an appointment by id.
func (s *Service) Assignment(ctx context.Context, id int64) (Assignment, error) {
	return s.store.Assignment(ctx, id)
}

// History returns every appointment of a person, current and past, split
// by whether it is in force on at.
func (s *Service) History(ctx context.Context, personID int64, at time.Time) (current, past []Assignment, err error) {
	all, err := s.store.Assignments(ctx, AssignmentFilter{PersonID: personID, Scope: authz.Everywhere})
	if err != nil {
		return nil, nil, err
	}
	day := Day(at)
	for _, a := range all {
		if a.InForce(day) || a.StartsOn > day {
			current = append(current, a)
		} else {
			past = append(past, a)
		}
	}
	return current, past, nil
}

// Officers returns the appointments held for unit on at (its officers).
func (s *Service) Officers(ctx context.Context, unitID int64, at time.Time) ([]Assignment, error) {
	return s.store.Assignments(ctx, AssignmentFilter{UnitID: unitID, OnDay: Day(at), Scope: authz.Everywhere})
}

// Contacts lists who holds roleKey on at, with their e-mail, for unitID
// (0: every unit), limited to holders whose unit is in scope. People who
// have left are never listed.
func (s *Service) Contacts(ctx context.Context, roleKey string, unitID int64, at time.Time, scope authz.Scope) ([]Assignment, error) {
	if _, err := s.store.RoleByKey(ctx, roleKey); err != nil {
		return nil, err
	}
	if scope.Empty() {
		return nil, nil
	}
	all, err := s.store.Assignments(ctx, AssignmentFilter{RoleKey: roleKey, UnitID: unitID, OnDay: Day(at), Scope: scope})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if a.PersonStatus != StatusLeft {
			out = append(out, a)
		}
	}
	return out, nil
}

// ContactsPage is one page of Contacts, by the unit held for then id: the
// holders after req.After, at most req.Limit, the cursor of the next page
// ("" on the last) and how many there are in all.
func (s *Service) ContactsPage(ctx context.Context, roleKey string, unitID int64, at time.Time, scope authz.Scope, req paging.Request) ([]Assignment, string, int, error) {
	if _, err := s.store.RoleByKey(ctx, roleKey); err != nil {
		return nil, "", 0, err
	}
	if scope.Empty() {
		return nil, "", 0, nil
	}
	f := AssignmentFilter{RoleKey: roleKey, UnitID: unitID, OnDay: Day(at), Scope: scope, NotLeft: true}
	total, err := s.store.CountAssignments(ctx, f)
	if err != nil {
		return nil, "", 0, err
	}
	f.After, f.Limit = req.After, req.Fetch()
	rows, err := s.store.Assignments(ctx, f)
	if err != nil {
		return nil, "", 0, err
	}
	rows, next := paging.Cut(rows, req, ContactCursor)
	return rows, next, total, nil
}

// Grants is what the sign-in layer asks about a person: the path of their
// own unit, every role they hold on at as an authz.Grant, and whether they
// are still active (false once they have left, and then no grants). Every
// active person implicitly holds the staff role for their own unit.
// Retired roles grant nothing. An unknown person is apperr NotFound.
func (s *Service) Grants(ctx context.Context, personID int64, at time.Time) (unitPath string, grants []authz.Grant, active bool, err error) {
	p, err := s.store.Person(ctx, personID)
	if err != nil {
		return "", nil, false, err
	}
	if p.Status == StatusLeft {
		return p.UnitPath, nil, false, nil
	}
	as, err := s.store.Assignments(ctx, AssignmentFilter{PersonID: personID, OnDay: Day(at), Scope: authz.Everywhere})
	if err != nil {
		return "", nil, false, err
	}
	grants = append(grants, authz.Grant{Role: authz.RoleStaff, UnitPath: p.UnitPath})
	for _, a := range as {
		if a.RoleRetired {
			continue
		}
		g := authz.Grant{Role: a.RoleKey, System: a.SystemRef, Privileged: a.Privileged}
		switch a.RoleScope {
		case ScopeOrganisation:
			// organisation-wide: no unit, no system
			g.System = ""
		case ScopeUnit:
			if a.UnitPath == "" {
				continue // never widen a unit role to the whole organisation
			}
			g.UnitPath = a.UnitPath
		case ScopeSystem:
			if a.SystemRef == "" {
				continue
			}
			g.UnitPath = a.UnitPath
		default:
			continue
		}
		if g.Role == authz.RoleStaff && g.UnitPath == p.UnitPath {
			continue // already implied
		}
		grants = append(grants, g)
	}
	return p.UnitPath, grants, true, nil
}
