package org

import (
	"context"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// Access rules shared by the web pages and the API: who may change which
// part of the organisation. Each returns apperr Forbidden with a message.

// RequireIn checks that p holds perm for every unit path given; "" stands
// for the whole organisation and needs an organisation-wide grant.
func RequireIn(p *authz.Principal, perm authz.Permission, paths ...string) error {
	for _, path := range paths {
		ok := false
		if path == "" {
			_, ok = p.Scopes(perm)
		} else {
			ok = p.CanIn(perm, path)
		}
		if !ok {
			return apperr.New(apperr.Forbidden, "この操作の権限がありません (you may not do this for that unit)")
		}
	}
	return nil
}

// AuthorizeAppoint checks that p may record appointment a: rights over the
// person's unit and the unit the role is held for (organisation-wide rights
// for an organisation-wide role), and account rights to hand out the
// administrator role.
func (s *Service) AuthorizeAppoint(ctx context.Context, p *authz.Principal, a Assignment) error {
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
	if err := RequireIn(p, authz.OrgWrite, paths...); err != nil {
		return err
	}
	if role.Key == authz.RoleAdministrator && !p.Can(authz.UserAdmin) {
		return apperr.New(apperr.Forbidden, "管理者の任命にはアカウント管理の権限が必要です (appointing an administrator needs user.admin)")
	}
	return nil
}
