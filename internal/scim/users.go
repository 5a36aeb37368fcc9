package scim

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"

	"kitei/internal/apperr"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/org"
)

type users struct{ s *Service }

// userAttrs are the attributes kitei keeps; nil pointers: not given.
type userAttrs struct {
	login, name, email, employeeNo, unitCode *string
	active                                   *bool
}

func strp(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func boolp(v any) *bool {
	switch b := v.(type) {
	case bool:
		return &b
	case string: // some directories send "True"/"False"
		if x, err := strconv.ParseBool(strings.ToLower(b)); err == nil {
			return &x
		}
	}
	return nil
}

// read takes the attributes of a SCIM User (a whole one or a PATCH value).
func (a *userAttrs) read(m map[string]any) {
	for k, v := range m {
		switch strings.ToLower(k) {
		case "username":
			a.login = strp(v)
		case "displayname":
			a.name = strp(v)
		case "name":
			if n, ok := v.(map[string]any); ok && a.name == nil {
				a.name = strp(n["formatted"])
			}
		case "name.formatted":
			if a.name == nil {
				a.name = strp(v)
			}
		case "emails":
			a.email = primaryEmail(v)
		case "active":
			a.active = boolp(v)
		case strings.ToLower(enterprise):
			if e, ok := v.(map[string]any); ok {
				a.read(e)
			}
		case "employeenumber", strings.ToLower(enterprise + ":employeeNumber"):
			a.employeeNo = strp(v)
		case "department", strings.ToLower(enterprise + ":department"):
			a.unitCode = strp(v)
		}
	}
}

func primaryEmail(v any) *string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	var first *string
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if p, _ := m["primary"].(bool); p {
			return strp(m["value"])
		}
		if first == nil {
			first = strp(m["value"])
		}
	}
	return first
}

func (u users) resource(p org.Person, acc auth.User) scim.Resource {
	attrs := scim.ResourceAttributes{
		"userName":    acc.Login,
		"displayName": p.Name,
		"name":        map[string]any{"formatted": p.Name},
		"active":      p.Status != org.StatusLeft && !acc.Disabled(),
		enterprise:    map[string]any{"employeeNumber": p.EmployeeNo, "department": p.UnitCode},
	}
	if p.Email != "" {
		attrs["emails"] = []any{map[string]any{"value": p.Email, "primary": true, "type": "work"}}
	}
	return scim.Resource{ID: strconv.FormatInt(p.ID, 10), ExternalID: optional.String{}, Attributes: attrs}
}

func (u users) load(r *http.Request, id string) (org.Person, auth.User, error) {
	pid, err := parseID(id)
	if err != nil {
		return org.Person{}, auth.User{}, err
	}
	p, err := u.s.Org.Person(r.Context(), pid)
	if err != nil {
		return p, auth.User{}, scimError(err, id)
	}
	acc, err := u.s.Auth.UserByPerson(r.Context(), pid)
	if err != nil {
		return p, acc, scimError(err, id)
	}
	return p, acc, nil
}

func (u users) Create(r *http.Request, attributes scim.ResourceAttributes) (scim.Resource, error) {
	ctx := r.Context()
	var a userAttrs
	a.read(attributes)
	if a.login == nil || a.employeeNo == nil || a.unitCode == nil {
		return scim.Resource{}, scimerr.ScimErrorBadRequest("userName, employeeNumber and department (the kitei unit code) are required")
	}
	unit, err := u.s.Org.UnitByCode(ctx, *a.unitCode)
	if err != nil {
		return scim.Resource{}, scimerr.ScimErrorBadRequest("department " + *a.unitCode + " is not a kitei unit code")
	}
	p := org.Person{EmployeeNo: *a.employeeNo, UnitID: unit.ID, Status: org.StatusActive, JoinedOn: org.Day(u.s.now())}
	if a.name != nil {
		p.Name = *a.name
	}
	if p.Name == "" {
		p.Name = *a.login
	}
	if a.email != nil {
		p.Email = *a.email
	}
	if existing, err := u.s.Org.PersonByEmployeeNo(ctx, p.EmployeeNo); err == nil {
		if _, err := u.s.Auth.UserByPerson(ctx, existing.ID); err == nil {
			return scim.Resource{}, scimerr.ScimError{ScimType: scimerr.ScimTypeUniqueness, Status: http.StatusConflict,
				Detail: "a person with employee number " + p.EmployeeNo + " and an account exists"}
		}
		p.ID = existing.ID // in the directory already (an import): give them their account
		if p, err = u.s.Org.UpdatePerson(ctx, authz.System, p); err != nil {
			return scim.Resource{}, scimError(err, "")
		}
	} else if p, err = u.s.Org.CreatePerson(ctx, authz.System, p); err != nil {
		return scim.Resource{}, scimError(err, "")
	}
	acc, _, err := u.s.Auth.CreateUser(ctx, auth.NewUser{Login: *a.login, PersonID: p.ID, Name: p.Name})
	if err != nil {
		return scim.Resource{}, scimError(err, "")
	}
	if a.active != nil && !*a.active {
		if p, acc, err = u.s.deactivate(r, p, acc); err != nil {
			return scim.Resource{}, err
		}
	}
	p, _ = u.s.Org.Person(ctx, p.ID)
	return u.resource(p, acc), nil
}

func (u users) Get(r *http.Request, id string) (scim.Resource, error) {
	p, acc, err := u.load(r, id)
	if err != nil {
		return scim.Resource{}, err
	}
	return u.resource(p, acc), nil
}

func (u users) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	ctx := r.Context()
	people, _, err := u.s.Org.People(ctx, org.PersonFilter{Scope: authz.Everywhere})
	if err != nil {
		return scim.Page{}, err
	}
	var all []scim.Resource
	for _, p := range people {
		acc, err := u.s.Auth.UserByPerson(ctx, p.ID)
		if apperr.Is(err, apperr.NotFound) {
			continue // people without an account are not SCIM users
		}
		if err != nil {
			return scim.Page{}, err
		}
		res := u.resource(p, acc)
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
	page := scim.Page{TotalResults: len(all), Resources: []scim.Resource{}}
	start := max(params.StartIndex, 1) - 1
	for i := start; i < len(all) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, all[i])
	}
	return page, nil
}

func (u users) Replace(r *http.Request, id string, attributes scim.ResourceAttributes) (scim.Resource, error) {
	var a userAttrs
	a.read(attributes)
	if a.active == nil {
		t := true // PUT replaces: an absent active means the default, true
		a.active = &t
	}
	return u.apply(r, id, a)
}

func (u users) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	var a userAttrs
	for _, op := range ops {
		if strings.EqualFold(op.Op, scim.PatchOperationRemove) {
			continue // kitei keeps what a person is; nothing to remove
		}
		if op.Path == nil {
			if m, ok := op.Value.(map[string]any); ok {
				a.read(m)
			}
			continue
		}
		name := op.Path.AttributePath.AttributeName
		if op.Path.AttributePath.SubAttribute != nil {
			name += "." + *op.Path.AttributePath.SubAttribute
		}
		if op.Path.AttributePath.URIPrefix != nil && strings.EqualFold(*op.Path.AttributePath.URIPrefix, enterprise) {
			name = enterprise + ":" + name
		}
		a.read(map[string]any{name: op.Value})
	}
	return u.apply(r, id, a)
}

// apply changes the person and account of id as a says.
func (u users) apply(r *http.Request, id string, a userAttrs) (scim.Resource, error) {
	ctx := r.Context()
	p, acc, err := u.load(r, id)
	if err != nil {
		return scim.Resource{}, err
	}
	changed := false
	if a.name != nil && *a.name != p.Name && *a.name != "" {
		p.Name, changed = *a.name, true
	}
	if a.email != nil && *a.email != p.Email {
		p.Email, changed = *a.email, true
	}
	if a.employeeNo != nil && *a.employeeNo != p.EmployeeNo {
		return scim.Resource{}, scimerr.ScimError{ScimType: scimerr.ScimTypeMutability, Status: http.StatusBadRequest,
			Detail: "the employee number of a person does not change"}
	}
	if a.unitCode != nil && *a.unitCode != p.UnitCode {
		unit, err := u.s.Org.UnitByCode(ctx, *a.unitCode)
		if err != nil {
			return scim.Resource{}, scimerr.ScimErrorBadRequest("department " + *a.unitCode + " is not a kitei unit code")
		}
		p.UnitID, changed = unit.ID, true
	}
	rejoin := a.active != nil && *a.active && p.Status == org.StatusLeft
	if rejoin {
		p.Status, p.LeftOn, changed = org.StatusActive, "", true
	}
	if changed {
		if p, err = u.s.Org.UpdatePerson(ctx, authz.System, p); err != nil {
			return scim.Resource{}, scimError(err, id)
		}
	}
	if rejoin || (a.active != nil && *a.active && acc.Disabled() && acc.DisabledReason == "left") {
		if err := u.s.Auth.Enable(ctx, acc.ID); err != nil {
			return scim.Resource{}, err
		}
	}
	if a.active != nil && !*a.active {
		if p, acc, err = u.s.deactivate(r, p, acc); err != nil {
			return scim.Resource{}, err
		}
	}
	return u.Get(r, id)
}

// Delete deactivates: kitei never deletes people or accounts.
func (u users) Delete(r *http.Request, id string) error {
	p, acc, err := u.load(r, id)
	if err != nil {
		return err
	}
	_, _, err = u.s.deactivate(r, p, acc)
	return err
}

// deactivate records that the person left today and disables their
// account, ending its sessions and API tokens in the same transaction.
func (s *Service) deactivate(r *http.Request, p org.Person, acc auth.User) (org.Person, auth.User, error) {
	ctx := r.Context()
	var err error
	if p.Status != org.StatusLeft {
		p.Status, p.LeftOn = org.StatusLeft, org.Day(s.now())
		if p, err = s.Org.UpdatePerson(ctx, authz.System, p); err != nil {
			return p, acc, scimError(err, "")
		}
	}
	if !acc.Disabled() {
		if err := s.Auth.Disable(ctx, acc.ID, "left"); err != nil {
			return p, acc, err
		}
	}
	acc, err = s.Auth.User(ctx, acc.ID)
	return p, acc, err
}
