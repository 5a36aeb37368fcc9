package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
)

func init() {
	RegisterSchema("Unit", org.Unit{})
	RegisterSchema("UnitList", []org.Unit{})
	RegisterSchema("Person", org.Person{})
	RegisterSchema("PersonPage", PersonPage{})
	RegisterSchema("Role", org.Role{})
	RegisterSchema("RoleList", []org.Role{})
	RegisterSchema("Assignment", org.Assignment{})
	RegisterSchema("AssignmentHistory", AssignmentHistory{})
}

func (a *API) orgRoutes() []Route {
	if a.Org == nil {
		return nil
	}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	return []Route{
		{Method: "GET", Path: "/api/v1/units", Perm: authz.OrgRead, Summary: "Units in the caller's scope",
			Handler: a.listUnits, Response: "UnitList",
			Params: []Param{{Name: "retired", In: "query", Type: "boolean", Description: "include retired units"}}},
		{Method: "POST", Path: "/api/v1/units", Perm: authz.OrgWrite, Summary: "Create a unit (rights over its parent)",
			Handler: a.createUnit, Body: "Unit", Response: "Unit"},
		{Method: "GET", Path: "/api/v1/units/{id}", Perm: authz.OrgRead, Summary: "One unit", Handler: a.getUnit,
			Response: "Unit", Params: []Param{id}},
		{Method: "PUT", Path: "/api/v1/units/{id}", Perm: authz.OrgWrite, Summary: "Update or move a unit",
			Handler: a.updateUnit, Body: "Unit", Response: "Unit", Params: []Param{id}},
		{Method: "GET", Path: "/api/v1/people", Perm: authz.OrgRead, Summary: "People in the caller's scope, paged",
			Handler: a.listPeople, Response: "PersonPage",
			Params: []Param{{Name: "q", In: "query", Type: "string", Description: "part of the name, kana, employee number or e-mail"},
				{Name: "unit", In: "query", Type: "integer", Description: "unit id (with the units below it)"},
				{Name: "status", In: "query", Type: "string", Description: "active, leave or left"},
				{Name: "limit", In: "query", Type: "integer", Description: "at most 1000, default 100"},
				{Name: "offset", In: "query", Type: "integer"}}},
		{Method: "POST", Path: "/api/v1/people", Perm: authz.OrgWrite, Summary: "Create a person (rights over their unit)",
			Handler: a.createPerson, Body: "Person", Response: "Person"},
		{Method: "GET", Path: "/api/v1/people/{id}", Perm: authz.OrgRead, Summary: "One person", Handler: a.getPerson,
			Response: "Person", Params: []Param{id}},
		{Method: "PUT", Path: "/api/v1/people/{id}", Perm: authz.OrgWrite, Summary: "Update a person (status left records the day)",
			Handler: a.updatePerson, Body: "Person", Response: "Person", Params: []Param{id}},
		{Method: "GET", Path: "/api/v1/people/{id}/assignments", Perm: authz.OrgRead, Summary: "A person's appointments, current and past",
			Handler: a.personAssignments, Response: "AssignmentHistory", Params: []Param{id}},
		{Method: "POST", Path: "/api/v1/assignments", Perm: authz.OrgWrite, Summary: "Appoint a person to a role",
			Handler: a.appoint, Body: "Assignment", Response: "Assignment"},
		{Method: "POST", Path: "/api/v1/assignments/{id}/end", Perm: authz.OrgWrite, Summary: "End an appointment (today, or ?on=YYYY-MM-DD)",
			Handler: a.endAssignment, Response: "Assignment",
			Params: []Param{id, {Name: "on", In: "query", Type: "string", Description: "last day, YYYY-MM-DD"}}},
		{Method: "GET", Path: "/api/v1/roles", Perm: authz.OrgRead, Summary: "The role catalogue", Handler: a.listRoles, Response: "RoleList"},
	}
}

// PersonPage is one page of people and the total matching.
type PersonPage struct {
	Total  int          `json:"total"`
	People []org.Person `json:"people"`
}

// AssignmentHistory splits a person's appointments.
type AssignmentHistory struct {
	Current []org.Assignment `json:"current"`
	Past    []org.Assignment `json:"past"`
}

func decodeBody(r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "request body")
	}
	return nil
}

func (a *API) listUnits(w http.ResponseWriter, r *http.Request) {
	scope := authz.ScopeOf(authz.From(r.Context()), authz.OrgRead)
	units, err := a.Org.Units(r.Context(), org.UnitFilter{Scope: scope, IncludeRetired: r.URL.Query().Get("retired") == "true"})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if units == nil {
		units = []org.Unit{}
	}
	writeJSON(w, http.StatusOK, units)
}

// unitIn loads unit {id} and checks perm over it; a unit outside the
// caller's read scope is reported as not found.
func (a *API) unitIn(r *http.Request, perm authz.Permission) (org.Unit, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return org.Unit{}, err
	}
	u, err := a.Org.Unit(r.Context(), id)
	if err != nil {
		return u, err
	}
	p := authz.From(r.Context())
	if !p.CanIn(authz.OrgRead, u.Path) {
		return u, apperr.New(apperr.NotFound, "no unit %d", id)
	}
	return u, org.RequireIn(p, perm, u.Path)
}

func (a *API) getUnit(w http.ResponseWriter, r *http.Request) {
	u, err := a.unitIn(r, authz.OrgRead)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (a *API) parentPath(r *http.Request, parentID int64) (string, error) {
	if parentID == 0 {
		return "", nil
	}
	parent, err := a.Org.Unit(r.Context(), parentID)
	if err != nil {
		return "", err
	}
	return parent.Path, nil
}

func (a *API) createUnit(w http.ResponseWriter, r *http.Request) {
	var u org.Unit
	if err := decodeBody(r, &u); err != nil {
		a.fail(w, r, err)
		return
	}
	pp, err := a.parentPath(r, u.ParentID)
	if err == nil {
		err = org.RequireIn(authz.From(r.Context()), authz.OrgWrite, pp)
	}
	if err == nil {
		u, err = a.Org.CreateUnit(r.Context(), u)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (a *API) updateUnit(w http.ResponseWriter, r *http.Request) {
	cur, err := a.unitIn(r, authz.OrgWrite)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var u org.Unit
	if err := decodeBody(r, &u); err != nil {
		a.fail(w, r, err)
		return
	}
	u.ID = cur.ID
	if u.ParentID != cur.ParentID { // a move needs rights over the new parent too
		pp, err := a.parentPath(r, u.ParentID)
		if err == nil {
			err = org.RequireIn(authz.From(r.Context()), authz.OrgWrite, pp)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
	}
	if u, err = a.Org.UpdateUnit(r.Context(), u); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (a *API) listPeople(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := org.PersonFilter{Scope: authz.ScopeOf(authz.From(r.Context()), authz.OrgRead), Query: q.Get("q"), Status: q.Get("status"), Limit: 100}
	if v := q.Get("unit"); v != "" {
		f.UnitID, _ = strconv.ParseInt(v, 10, 64)
		f.Subtree = true
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			a.fail(w, r, apperr.New(apperr.Invalid, "limit must be between 1 and 1000"))
			return
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			a.fail(w, r, apperr.New(apperr.Invalid, "offset must be 0 or more"))
			return
		}
		f.Offset = n
	}
	people, total, err := a.Org.People(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if people == nil {
		people = []org.Person{}
	}
	writeJSON(w, http.StatusOK, PersonPage{Total: total, People: people})
}

// personIn loads person {id} and checks perm over their unit; a person
// outside the caller's read scope is reported as not found.
func (a *API) personIn(r *http.Request, perm authz.Permission) (org.Person, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return org.Person{}, err
	}
	p, err := a.Org.Person(r.Context(), id)
	if err != nil {
		return p, err
	}
	pr := authz.From(r.Context())
	if !pr.CanIn(authz.OrgRead, p.UnitPath) {
		return p, apperr.New(apperr.NotFound, "no person %d", id)
	}
	return p, org.RequireIn(pr, perm, p.UnitPath)
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) {
	p, err := a.personIn(r, authz.OrgRead)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) createPerson(w http.ResponseWriter, r *http.Request) {
	var p org.Person
	if err := decodeBody(r, &p); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.Org.Unit(r.Context(), p.UnitID)
	if err == nil {
		err = org.RequireIn(authz.From(r.Context()), authz.OrgWrite, u.Path)
	}
	if err == nil {
		p, err = a.Org.CreatePerson(r.Context(), p)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (a *API) updatePerson(w http.ResponseWriter, r *http.Request) {
	cur, err := a.personIn(r, authz.OrgWrite)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var p org.Person
	if err := decodeBody(r, &p); err != nil {
		a.fail(w, r, err)
		return
	}
	p.ID = cur.ID
	if p.UnitID != cur.UnitID { // a transfer needs rights over the new unit too
		u, err := a.Org.Unit(r.Context(), p.UnitID)
		if err == nil {
			err = org.RequireIn(authz.From(r.Context()), authz.OrgWrite, u.Path)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
	}
	if p, err = a.Org.UpdatePerson(r.Context(), p); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) personAssignments(w http.ResponseWriter, r *http.Request) {
	p, err := a.personIn(r, authz.OrgRead)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cur, past, err := a.Org.History(r.Context(), p.ID, time.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if cur == nil {
		cur = []org.Assignment{}
	}
	if past == nil {
		past = []org.Assignment{}
	}
	writeJSON(w, http.StatusOK, AssignmentHistory{Current: cur, Past: past})
}

func (a *API) appoint(w http.ResponseWriter, r *http.Request) {
	var as org.Assignment
	if err := decodeBody(r, &as); err != nil {
		a.fail(w, r, err)
		return
	}
	ctx := r.Context()
	p := authz.From(ctx)
	person, err := a.Org.Person(ctx, as.PersonID)
	if err == nil && !p.CanIn(authz.OrgRead, person.UnitPath) {
		err = apperr.New(apperr.NotFound, "no person %d", as.PersonID)
	}
	if err == nil {
		err = a.Org.AuthorizeAppoint(ctx, p, as)
	}
	if err == nil {
		as, err = a.Org.Appoint(ctx, as)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, as)
}

func (a *API) endAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ctx := r.Context()
	as, err := a.Org.Assignment(ctx, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p := authz.From(ctx)
	person, err := a.Org.Person(ctx, as.PersonID)
	if err == nil && !p.CanIn(authz.OrgRead, person.UnitPath) {
		err = apperr.New(apperr.NotFound, "no appointment %d", id)
	}
	if err == nil {
		err = a.Org.AuthorizeAppoint(ctx, p, as)
	}
	if err == nil {
		as, err = a.Org.EndAssignment(ctx, id, r.URL.Query().Get("on"))
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, as)
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := a.Org.Roles(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roles)
}
