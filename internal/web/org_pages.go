package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/webui"
)

// Organisation pages. Every list is filtered by the scopes in which the
// signed-in principal holds org.read, and every change is checked against
// org.write for the unit it touches; without a principal nothing is shown.

const peoplePerPage = 50

func (s *Server) orgScope(r *http.Request, perm authz.Permission) authz.Scope {
	return authz.ScopeOf(authz.From(r.Context()), perm)
}

// refused answers the error page when err is a refusal (forbidden, or
// not found because the record is outside the reader's scope) and reports
// whether it did; other errors are shown on the form.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.NotFound) {
		s.failErr(w, r, err)
		return true
	}
	return false
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.E(apperr.NotFound, "org.err.such_record")
	}
	return id, nil
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return id
}

// errText is the message shown for a failed change; internal errors are
// logged and shown generically.
func (s *Server) errText(r *http.Request, p *page, err error) string {
	if statusOf(err) == http.StatusInternalServerError {
		s.Logger.Error("org", "path", r.URL.Path, "err", err)
		return p.T("error.internal")
	}
	return err.Error()
}

// ---- units ----

type unitNode struct {
	org.Unit
	Children []*unitNode
}

func unitTree(units []org.Unit) []*unitNode {
	byID := map[int64]*unitNode{}
	var roots []*unitNode
	for _, u := range units { // ordered by path: parents first
		n := &unitNode{Unit: u}
		byID[u.ID] = n
		if p := byID[u.ParentID]; p != nil {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

type orgUnitsData struct {
	Roots    []*unitNode
	Units    []org.Unit // for the parent choice
	CanWrite bool
	Retired  bool
	Form     org.Unit
}

func (s *Server) orgUnits(w http.ResponseWriter, r *http.Request) {
	s.renderOrgUnits(w, r, http.StatusOK, "", org.Unit{})
}

func (s *Server) renderOrgUnits(w http.ResponseWriter, r *http.Request, status int, errMsg string, form org.Unit) {
	retired := r.URL.Query().Has("retired")
	units, err := s.Org.Units(r.Context(), org.UnitFilter{Scope: s.orgScope(r, authz.OrgRead), IncludeRetired: retired})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := orgUnitsData{Roots: unitTree(units), Units: units, Retired: retired, Form: form}
	d.CanWrite = s.Org.MayWriteSomewhere(authz.From(r.Context()))
	p := s.newPage(r, "org.units.title", d)
	p.Nav = "org"
	p.Error = errMsg
	s.flash(r, p)
	s.render(w, r, status, "org_units", p)
}

// flash shows the message of a redirect after a change.
func (s *Server) flash(r *http.Request, p *page) {
	if v := r.URL.Query().Get("done"); v != "" && len(v) < 40 && !strings.ContainsAny(v, " %") {
		p.Flash = p.T("org.done." + v)
	}
}

func unitFromForm(r *http.Request) org.Unit {
	return org.Unit{
		Code: r.FormValue("code"), Name: r.FormValue("name"), NameEn: r.FormValue("name_en"),
		Kind: r.FormValue("kind"), ParentID: formID(r, "parent"),
	}
}

func (s *Server) orgUnitCreate(w http.ResponseWriter, r *http.Request) {
	u := unitFromForm(r)
	created, err := s.Org.CreateUnit(r.Context(), authz.From(r.Context()), u)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgUnits(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.units.title", nil), err), u)
		return
	}
	http.Redirect(w, r, "/org/units/"+strconv.FormatInt(created.ID, 10)+"?done=created", http.StatusSeeOther)
}

type orgUnitData struct {
	Unit     org.Unit
	Parent   org.Unit
	Children []org.Unit
	Officers []org.Assignment
	People   []org.Person
	Total    int
	Pager    webui.Pager
	Units    []org.Unit // parent choices
	CanWrite bool
}

// unitPeoplePerPage is how many of its people a unit's page lists at a time.
const unitPeoplePerPage = 100

func (s *Server) orgUnit(w http.ResponseWriter, r *http.Request) {
	s.renderOrgUnit(w, r, http.StatusOK, "")
}

func (s *Server) renderOrgUnit(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	u, err := s.Org.ViewUnit(ctx, authz.From(ctx), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := orgUnitData{Unit: u, CanWrite: s.Org.MayWrite(authz.From(ctx), u.Path)}
	if u.ParentID != 0 {
		d.Parent, _ = s.Org.Unit(ctx, u.ParentID)
	}
	sub, err := s.Org.Units(ctx, org.UnitFilter{Scope: authz.Scope{Paths: []string{u.Path}}, IncludeRetired: true})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	for _, c := range sub {
		if c.ParentID == u.ID {
			d.Children = append(d.Children, c)
		}
	}
	if d.Officers, err = s.Org.Officers(ctx, u.ID, time.Now()); err != nil {
		s.failErr(w, r, err)
		return
	}
	req, err := paging.FromQuery(r.URL.Query(), unitPeoplePerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.People, d.Total, err = s.Org.People(ctx, org.PersonFilter{Scope: authz.Everywhere, UnitID: u.ID, After: req.After, Limit: req.Fetch()}); err != nil {
		s.failErr(w, r, err)
		return
	}
	var next string
	d.People, next = paging.Cut(d.People, req, org.PersonCursor)
	d.Pager = webui.NewPager(r, next, "people", len(d.People), d.Total)
	if d.CanWrite {
		all, err := s.Org.Units(ctx, org.UnitFilter{Scope: s.orgScope(r, authz.OrgWrite)})
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		for _, x := range all {
			if !strings.HasPrefix(x.Path, u.Path) {
				d.Units = append(d.Units, x)
			}
		}
	}
	p := s.newPage(r, "org.unit.title", d)
	p.Title = u.Name
	p.Nav = "org"
	p.Error = errMsg
	s.flash(r, p)
	s.render(w, r, status, "org_unit", p)
}

func (s *Server) orgUnitUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	u := unitFromForm(r)
	u.ID = id
	_, err = s.Org.UpdateUnit(ctx, authz.From(ctx), u)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgUnit(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.unit.title", nil), err))
		return
	}
	http.Redirect(w, r, "/org/units/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
}

func (s *Server) orgUnitRetire(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	err = s.Org.RetireUnit(ctx, authz.From(ctx), id)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgUnit(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.unit.title", nil), err))
		return
	}
	http.Redirect(w, r, "/org/units/"+strconv.FormatInt(id, 10)+"?done=retired", http.StatusSeeOther)
}
