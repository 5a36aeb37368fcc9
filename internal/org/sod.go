package org

import (
	"context"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// Separation of duties (seed 001 Art. 16): the applicant of a request never
// approves it, and an auditee never audits its own unit. When the approver
// would be the applicant, the request goes to the approver's superior:
// the holder of the next role in Service.Superiors for the unit above.

// ResolveApprover finds who approves a request by applicantID that needs
// roleKey for unitID on at. It looks for an active holder of roleKey for
// the unit, walking up the unit tree while a unit has none (for an
// organisation-wide role, any holder). A holder other than the applicant
// approves (escalated false). When the only holders are the applicant, or
// nobody holds the role, it escalates along Superiors from the unit above
// and returns the first holder who is not the applicant (escalated true).
// When nobody but the applicant can approve it returns apperr Conflict.
func (s *Service) ResolveApprover(ctx context.Context, applicantID int64, roleKey string, unitID int64, at time.Time) (approver Person, escalated bool, err error) {
	day := Day(at)
	units, err := s.store.Units(ctx, UnitFilter{Scope: authz.Everywhere, IncludeRetired: true})
	if err != nil {
		return Person{}, false, err
	}
	byID := make(map[int64]Unit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}
	start, ok := byID[unitID]
	if !ok && unitID != 0 {
		return Person{}, false, apperr.E(apperr.NotFound, "org.err.unit_id", unitID)
	}
	role := roleKey
	seen := map[string]bool{}
	var tried []string
	for hop := 0; role != "" && !seen[role]; hop++ {
		seen[role] = true
		tried = append(tried, role)
		r, err := s.store.RoleByKey(ctx, role)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) && hop > 0 {
				break // the chain names a role the catalogue lacks
			}
			return Person{}, false, err
		}
		holders, found, err := s.holders(ctx, r, start, byID, day)
		if err != nil {
			return Person{}, false, err
		}
		for _, h := range holders {
			if h.PersonID != applicantID {
				p, err := s.store.Person(ctx, h.PersonID)
				return p, hop > 0, err
			}
		}
		// Escalate: the superior role, from the unit above the one where
		// the role was looked for (or found).
		if found.ID != 0 {
			if parent, ok := byID[found.ParentID]; ok {
				start = parent
			} else {
				start = found
			}
		}
		role = s.Superiors[role]
	}
	return Person{}, false, apperr.E(apperr.Conflict, "org.err.nobody_other_than_applicant_approve", strings.Join(tried, " → "))
}

// holders returns the active holders of r on day: for a unit role, those of
// the nearest unit from start upwards that has any, and that unit; for
// other roles, every holder.
func (s *Service) holders(ctx context.Context, r Role, start Unit, byID map[int64]Unit, day string) ([]Assignment, Unit, error) {
	if r.Scope != ScopeUnit || start.ID == 0 {
		as, err := s.store.Assignments(ctx, AssignmentFilter{RoleKey: r.Key, OnDay: day, ActivePeople: true, Scope: authz.Everywhere})
		return as, start, err
	}
	u := start
	for depth := 0; depth < 64; depth++ {
		as, err := s.store.Assignments(ctx, AssignmentFilter{RoleKey: r.Key, UnitID: u.ID, OnDay: day, ActivePeople: true, Scope: authz.Everywhere})
		if err != nil {
			return nil, u, err
		}
		if len(as) > 0 {
			return as, u, nil
		}
		parent, ok := byID[u.ParentID]
		if !ok {
			break
		}
		u = parent
	}
	return nil, start, nil
}

// CheckAuditor refuses (apperr Forbidden) an audit of auditeeUnitID by
// auditorID on at when the auditor belongs to that unit or a unit below
// it, or holds a unit role (other than staff) for it, for a unit above it
// or for a unit inside it: nobody audits their own unit.
func (s *Service) CheckAuditor(ctx context.Context, auditorID, auditeeUnitID int64, at time.Time) error {
	auditor, err := s.store.Person(ctx, auditorID)
	if err != nil {
		return err
	}
	unit, err := s.store.Unit(ctx, auditeeUnitID)
	if err != nil {
		return err
	}
	if strings.HasPrefix(auditor.UnitPath, unit.Path) {
		return apperr.E(apperr.Forbidden, "org.err.belongs_audited_unit_unit_below", auditor.Name, unit.Name)
	}
	as, err := s.store.Assignments(ctx, AssignmentFilter{PersonID: auditorID, OnDay: Day(at), Scope: authz.Everywhere})
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.RoleScope != ScopeUnit || a.UnitPath == "" || a.RoleKey == authz.RoleStaff {
			continue
		}
		// Responsible for the audited unit (a role held for it or a unit
		// above it) or for a unit inside it.
		if strings.HasPrefix(a.UnitPath, unit.Path) || strings.HasPrefix(unit.Path, a.UnitPath) {
			return apperr.E(apperr.Forbidden, "org.err.which_covers_audited_unit_cannot", auditor.Name, a.RoleName, a.UnitName)
		}
	}
	return nil
}
