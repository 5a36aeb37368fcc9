package api

import (
	"net/http"
	"strconv"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/org"
	"kitei/internal/paging"
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
				httpx.PageLimit(peoplePageSize), httpx.PageAfter,
				{Name: "offset", In: "query", Type: "integer", Description: "deprecated (slow on deep pages): skip this many people; use after instead; not with after"}}},
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

// PersonPage is one page of people and the total matching. Next is the
// cursor of the following page (pass it as ?after=), absent on the last.
type PersonPage struct {
	Total  int          `json:"total"`
	People []org.Person `json:"people"`
	Next   string       `json:"next,omitempty"`
}

// peoplePageSize is how many people /api/v1/people returns by default.
const peoplePageSize = 100

// AssignmentHistory splits a person's appointments.
type AssignmentHistory struct {
	Current []org.Assignment `json:"current"`
	Past    []org.Assignment `json:"past"`
}

func decodeBody(r *http.Request, v any) error { return readJSON(r, v) }

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

func (a *API) getUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var u org.Unit
		if u, err = a.Org.ViewUnit(r.Context(), authz.From(r.Context()), id); err == nil {
			writeJSON(w, http.StatusOK, u)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) createUnit(w http.ResponseWriter, r *http.Request) {
	var u org.Unit
	if err := decodeBody(r, &u); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.Org.CreateUnit(r.Context(), authz.From(r.Context()), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (a *API) updateUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var u org.Unit
	if err := decodeBody(r, &u); err != nil {
		a.fail(w, r, err)
		return
	}
	u.ID = id
	if u, err = a.Org.UpdateUnit(r.Context(), authz.From(r.Context()), u); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (a *API) listPeople(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, err := paging.FromQuery(q, peoplePageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := org.PersonFilter{Scope: authz.ScopeOf(authz.From(r.Context()), authz.OrgRead), Query: q.Get("q"), Status: q.Get("status"),
		After: req.After, Limit: req.Fetch()}
	if v := q.Get("unit"); v != "" {
		f.UnitID, _ = strconv.ParseInt(v, 10, 64)
		f.Subtree = true
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			a.fail(w, r, apperr.E(apperr.BadRequest, "org.err.offset_more"))
			return
		}
		if !req.After.IsZero() {
			a.fail(w, r, apperr.E(apperr.BadRequest, "org.err.offset_with_after"))
			return
		}
		f.Offset = n
	}
	people, total, err := a.Org.People(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var next string
	if f.Offset == 0 {
		people, next = paging.Cut(people, req, org.PersonCursor)
	} else if len(people) > req.Limit {
		people = people[:req.Limit] // an old caller counting offsets: no cursor
	}
	if people == nil {
		people = []org.Person{}
	}
	paging.SetHeaders(w, r, next)
	writeJSON(w, http.StatusOK, PersonPage{Total: total, People: people, Next: next})
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var p org.Person
		if p, err = a.Org.ViewPerson(r.Context(), authz.From(r.Context()), id); err == nil {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) createPerson(w http.ResponseWriter, r *http.Request) {
	var p org.Person
	if err := decodeBody(r, &p); err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := a.Org.CreatePerson(r.Context(), authz.From(r.Context()), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (a *API) updatePerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var p org.Person
	if err := decodeBody(r, &p); err != nil {
		a.fail(w, r, err)
		return
	}
	p.ID = id
	if p, err = a.Org.UpdatePerson(r.Context(), authz.From(r.Context()), p); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) personAssignments(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := a.Org.ViewPerson(r.Context(), authz.From(r.Context()), id)
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
	as, err := a.Org.Appoint(r.Context(), authz.From(r.Context()), as)
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
	as, err := a.Org.EndAssignment(r.Context(), authz.From(r.Context()), id, r.URL.Query().Get("on"))
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
