package scim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"

	"kitei/internal/authz"
	"kitei/internal/org"
)

type groups struct{ s *Service }

func (g groups) resource(r *http.Request, role org.Role) (scim.Resource, error) {
	holders, err := g.s.Org.Contacts(r.Context(), role.Key, 0, g.s.now(), authz.Everywhere)
	if err != nil {
		return scim.Resource{}, scimError(err, role.Key)
	}
	members := []any{}
	seen := map[int64]bool{}
	for _, a := range holders {
		if seen[a.PersonID] {
			continue
		}
		seen[a.PersonID] = true
		members = append(members, map[string]any{"value": strconv.FormatInt(a.PersonID, 10), "type": "User"})
	}
	return scim.Resource{ID: role.Key, Attributes: scim.ResourceAttributes{"displayName": role.Name, "members": members}}, nil
}

func (g groups) Get(r *http.Request, id string) (scim.Resource, error) {
	role, err := g.s.Org.Role(r.Context(), id)
	if err != nil {
		return scim.Resource{}, scimError(err, id)
	}
	return g.resource(r, role)
}

func (g groups) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	roles, err := g.s.Org.Roles(r.Context())
	if err != nil {
		return scim.Page{}, err
	}
	page := scim.Page{Resources: []scim.Resource{}}
	var all []scim.Resource
	for _, role := range roles {
		if role.Retired || role.Scope == org.ScopeSystem {
			continue
		}
		res, err := g.resource(r, role)
		if err != nil {
			return page, err
		}
		if params.FilterValidator != nil {
			full := map[string]any{"id": res.ID}
			for k, v := range res.Attributes {
				full[k] = v
			}
			if params.FilterValidator.PassesFilter(full) != nil {
				continue
			}
		}
		all = append(all, res)
	}
	page.TotalResults = len(all)
	for i := max(params.StartIndex, 1) - 1; i < len(all) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, all[i])
	}
	return page, nil
}

var errRolesFixed = scimerr.ScimError{Status: http.StatusBadRequest, ScimType: scimerr.ScimTypeMutability,
	Detail: "kitei's roles come from its rulebooks: a directory may change their members, not create or remove them"}

func (g groups) Create(*http.Request, scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, errRolesFixed
}

func (g groups) Delete(*http.Request, string) error { return errRolesFixed }

// Replace sets the members to exactly those given.
func (g groups) Replace(r *http.Request, id string, attributes scim.ResourceAttributes) (scim.Resource, error) {
	cur, err := g.Get(r, id)
	if err != nil {
		return cur, err
	}
	want := memberIDs(attributes["members"])
	have := memberIDs(cur.Attributes["members"])
	for p := range have {
		if !want[p] {
			if err := g.remove(r, id, p); err != nil {
				return cur, err
			}
		}
	}
	for p := range want {
		if !have[p] {
			if err := g.add(r, id, p); err != nil {
				return cur, err
			}
		}
	}
	return g.Get(r, id)
}

// Patch adds and removes members.
func (g groups) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	if _, err := g.Get(r, id); err != nil {
		return scim.Resource{}, err
	}
	for _, op := range ops {
		path := ""
		if op.Path != nil {
			path = strings.ToLower(op.Path.AttributePath.AttributeName)
		}
		switch strings.ToLower(op.Op) {
		case scim.PatchOperationAdd, scim.PatchOperationReplace:
			v := op.Value
			if m, ok := v.(map[string]any); ok && path == "" {
				v = m["members"]
			} else if path != "members" {
				continue // displayName is kitei's own
			}
			for p := range memberIDs(v) {
				if err := g.add(r, id, p); err != nil {
					return scim.Resource{}, err
				}
			}
		case scim.PatchOperationRemove:
			if path != "members" {
				continue
			}
			ids := memberIDs(op.Value)
			if op.Path.ValueExpression != nil { // members[value eq "12"]
				if s := fmt.Sprint(op.Path.ValueExpression); strings.Contains(s, "\"") {
					if v := strings.Split(s, "\""); len(v) >= 2 {
						if n, err := strconv.ParseInt(v[1], 10, 64); err == nil {
							ids[n] = true
						}
					}
				}
			}
			for p := range ids {
				if err := g.remove(r, id, p); err != nil {
					return scim.Resource{}, err
				}
			}
		}
	}
	return g.Get(r, id)
}

func memberIDs(v any) map[int64]bool {
	out := map[int64]bool{}
	list, _ := v.([]any)
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if s, ok := m["value"].(string); ok {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out
}

// add appoints the person from today: an organisation role everywhere, a
// unit role in the person's own unit.
func (g groups) add(r *http.Request, roleKey string, personID int64) error {
	ctx := r.Context()
	p, err := g.s.Org.Person(ctx, personID)
	if err != nil {
		return scimError(err, strconv.FormatInt(personID, 10))
	}
	role, err := g.s.Org.Role(ctx, roleKey)
	if err != nil {
		return scimError(err, roleKey)
	}
	a := org.Assignment{PersonID: p.ID, RoleKey: roleKey, StartsOn: org.Day(g.s.now()), Note: "SCIM"}
	if role.Scope == org.ScopeUnit {
		a.UnitID = p.UnitID
	}
	_, err = g.s.Org.Appoint(ctx, authz.System, a)
	return scimError(err, roleKey)
}

// remove ends the person's appointments to the role today.
func (g groups) remove(r *http.Request, roleKey string, personID int64) error {
	ctx := r.Context()
	cur, _, err := g.s.Org.History(ctx, personID, g.s.now())
	if err != nil {
		return scimError(err, strconv.FormatInt(personID, 10))
	}
	for _, a := range cur {
		if a.RoleKey == roleKey {
			if _, err := g.s.Org.EndAssignment(ctx, authz.System, a.ID, org.Day(g.s.now())); err != nil {
				return scimError(err, roleKey)
			}
		}
	}
	return nil
}
