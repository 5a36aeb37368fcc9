package org

import (
	"context"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// Access rules of the service: who may change which part of the
// organisation. Each returns apperr Forbidden with a message key.

// authorizeAppoint checks that p may record appointment a: rights over the
// person's unit and the unit the role is held for (organisation-wide rights
// for an organisation-wide role), and account rights to hand out the
// administrator role.
func (s *Service) authorizeAppoint(ctx context.Context, p *authz.Principal, a Assignment) error {
	person, err := s.Person(ctx, a.PersonID)
	if err != nil {
		return err
	}
	role, err := s.Role(ctx, a.RoleKey)
	if err != nil {
		return err
	}
	paths := []string{person.UnitPath}
	switch {
	case role.Scope == ScopeOrganisation:
		paths = append(paths, "")
	case a.UnitID != 0:
		u, err := s.Unit(ctx, a.UnitID)
		if err != nil {
			return err
		}
		paths = append(paths, u.Path)
	}
	if err := authz.RequireIn(p, authz.OrgWrite, paths...); err != nil {
		return err
	}
	if role.Key == authz.RoleAdministrator && !p.Can(authz.UserAdmin) {
		return apperr.E(apperr.Forbidden, "org.err.admin_appoint")
	}
	return nil
}
