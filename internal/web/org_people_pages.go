package web

import (
	"bytes"
	"errors"
	"io"
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

type orgPeopleData struct {
	Query    string
	UnitID   int64
	Status   string
	Total    int
	People   []org.Person
	Units    []org.Unit
	CanWrite bool
	Form     org.Person
	Pager    webui.Pager
}

func (s *Server) orgPeople(w http.ResponseWriter, r *http.Request) {
	s.renderOrgPeople(w, r, http.StatusOK, "", org.Person{})
}

// renderOrgPeople shows one page of people, peoplePerPage at a time by
// employee number; ?after= names the last person of the previous page.
func (s *Server) renderOrgPeople(w http.ResponseWriter, r *http.Request, status int, errMsg string, form org.Person) {
	ctx := r.Context()
	q := r.URL.Query()
	d := orgPeopleData{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Form: form}
	if len([]rune(d.Query)) > 100 {
		s.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	switch d.Status {
	case "", org.StatusActive, org.StatusLeave, org.StatusLeft:
	default:
		d.Status = ""
	}
	d.UnitID, _ = strconv.ParseInt(q.Get("unit"), 10, 64)
	req, err := paging.FromQuery(q, peoplePerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scope := s.orgScope(r, authz.OrgRead)
	if d.Units, err = s.Org.Units(ctx, org.UnitFilter{Scope: scope}); err != nil {
		s.failErr(w, r, err)
		return
	}
	d.People, d.Total, err = s.Org.People(ctx, org.PersonFilter{Scope: scope, Query: d.Query, UnitID: d.UnitID, Subtree: d.UnitID != 0,
		Status: d.Status, After: req.After, Limit: req.Fetch()})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var next string
	d.People, next = paging.Cut(d.People, req, org.PersonCursor)
	d.Pager = webui.NewPager(r, next, "people", len(d.People), d.Total)
	d.CanWrite = s.Org.MayWriteSomewhere(authz.From(r.Context()))
	p := s.newPage(r, "org.people.title", d)
	p.Nav = "org"
	p.Error = errMsg
	s.flash(r, p)
	s.render(w, r, status, "org_people", p)
}

func personFromForm(r *http.Request) org.Person {
	return org.Person{
		EmployeeNo: r.FormValue("employee_no"), Name: r.FormValue("name"), NameKana: r.FormValue("name_kana"),
		Email: r.FormValue("email"), UnitID: formID(r, "unit"), Status: r.FormValue("status"),
		JoinedOn: r.FormValue("joined_on"), TransferredOn: r.FormValue("transferred_on"),
	}
}

func (s *Server) orgPersonCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := personFromForm(r)
	created, err := s.Org.CreatePerson(ctx, authz.From(ctx), p)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgPeople(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.people.title", nil), err), p)
		return
	}
	http.Redirect(w, r, "/org/people/"+strconv.FormatInt(created.ID, 10)+"?done=created", http.StatusSeeOther)
}

type orgPersonData struct {
	Person   org.Person
	Current  []org.Assignment
	Past     []org.Assignment
	Units    []org.Unit
	Roles    []org.Role
	CanWrite bool
	Today    string
}

func (s *Server) orgPerson(w http.ResponseWriter, r *http.Request) {
	s.renderOrgPerson(w, r, http.StatusOK, "")
}

func (s *Server) renderOrgPerson(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	person, err := s.Org.ViewPerson(ctx, authz.From(ctx), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	now := time.Now()
	d := orgPersonData{Person: person, Today: org.Day(now), CanWrite: s.Org.MayWrite(authz.From(ctx), person.UnitPath)}
	if d.Current, d.Past, err = s.Org.History(ctx, id, now); err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.CanWrite {
		if d.Units, err = s.Org.Units(ctx, org.UnitFilter{Scope: s.orgScope(r, authz.OrgWrite)}); err != nil {
			s.failErr(w, r, err)
			return
		}
		roles, err := s.Org.Roles(ctx)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		for _, ro := range roles {
			if !ro.Retired {
				d.Roles = append(d.Roles, ro)
			}
		}
	}
	p := s.newPage(r, "org.person.title", d)
	p.Title = person.Name
	p.Nav = "org"
	p.Error = errMsg
	s.flash(r, p)
	s.render(w, r, status, "org_person", p)
}

func (s *Server) orgPersonUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	old, err := s.Org.ViewPerson(ctx, authz.From(ctx), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := personFromForm(r)
	p.ID, p.EmployeeNo = id, old.EmployeeNo
	_, err = s.Org.UpdatePerson(ctx, authz.From(ctx), p)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgPerson(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.person.title", nil), err))
		return
	}
	http.Redirect(w, r, "/org/people/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
}

func (s *Server) orgAppoint(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	a := org.Assignment{PersonID: id, RoleKey: r.FormValue("role"), UnitID: formID(r, "unit"), SystemRef: r.FormValue("system_ref"),
		StartsOn: r.FormValue("starts_on"), EndsOn: r.FormValue("ends_on"), Note: r.FormValue("note")}
	_, err = s.Org.Appoint(ctx, authz.From(ctx), a)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgPerson(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.person.title", nil), err))
		return
	}
	http.Redirect(w, r, "/org/people/"+strconv.FormatInt(id, 10)+"?done=appointed", http.StatusSeeOther)
}

func (s *Server) orgAssignmentEnd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	a, err := s.Org.EndAssignment(ctx, authz.From(ctx), id, r.FormValue("ends_on"))
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		r.SetPathValue("id", strconv.FormatInt(a.PersonID, 10))
		s.renderOrgPerson(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.person.title", nil), err))
		return
	}
	http.Redirect(w, r, "/org/people/"+strconv.FormatInt(a.PersonID, 10)+"?done=ended", http.StatusSeeOther)
}

// ---- roles and contacts ----

type orgRolesData struct {
	Roles    []org.Role
	CanWrite bool
	Form     org.Role
}

func (s *Server) orgRoles(w http.ResponseWriter, r *http.Request) {
	s.renderOrgRoles(w, r, http.StatusOK, "", org.Role{Scope: org.ScopeUnit})
}

func (s *Server) renderOrgRoles(w http.ResponseWriter, r *http.Request, status int, errMsg string, form org.Role) {
	roles, err := s.Org.Roles(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "org.roles.title", orgRolesData{Roles: roles, CanWrite: s.Org.MayWrite(authz.From(r.Context()), ""), Form: form})
	p.Nav = "org"
	p.Error = errMsg
	s.flash(r, p)
	s.render(w, r, status, "org_roles", p)
}

func (s *Server) orgRoleCreate(w http.ResponseWriter, r *http.Request) {
	ro := org.Role{Key: r.FormValue("key"), Name: r.FormValue("name"), NameEn: r.FormValue("name_en"),
		Scope: r.FormValue("scope"), Privileged: r.FormValue("privileged") != ""}
	_, err := s.Org.AddRole(r.Context(), authz.From(r.Context()), ro)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgRoles(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.roles.title", nil), err), ro)
		return
	}
	http.Redirect(w, r, "/org/roles?done=created", http.StatusSeeOther)
}

func (s *Server) orgRoleUpdate(w http.ResponseWriter, r *http.Request) {
	actor := authz.From(r.Context())
	key := r.PathValue("key")
	var err error
	done := "saved"
	switch r.FormValue("action") {
	case "retire":
		_, err = s.Org.RetireRole(r.Context(), actor, key, true)
		done = "retired"
	case "restore":
		_, err = s.Org.RetireRole(r.Context(), actor, key, false)
	default:
		_, err = s.Org.RenameRole(r.Context(), actor, key, r.FormValue("name"), r.FormValue("name_en"))
	}
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.renderOrgRoles(w, r, statusOf(err), s.errText(r, s.newPage(r, "org.roles.title", nil), err), org.Role{Scope: org.ScopeUnit})
		return
	}
	http.Redirect(w, r, "/org/roles?done="+done, http.StatusSeeOther)
}

type orgContactsData struct {
	Role     org.Role
	UnitID   int64
	Units    []org.Unit
	Contacts []org.Assignment
	Pager    webui.Pager
	Today    string
}

// contactsPerPage is how many holders a role's contact list shows at a time.
const contactsPerPage = 100

func (s *Server) orgContacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	role, err := s.Org.Role(ctx, r.PathValue("key"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scope := s.orgScope(r, authz.OrgRead)
	d := orgContactsData{Role: role, Today: org.Day(time.Now())}
	d.UnitID, _ = strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	if d.Units, err = s.Org.Units(ctx, org.UnitFilter{Scope: scope}); err != nil {
		s.failErr(w, r, err)
		return
	}
	req, err := paging.FromQuery(r.URL.Query(), contactsPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var next string
	var total int
	if d.Contacts, next, total, err = s.Org.ContactsPage(ctx, role.Key, d.UnitID, time.Now(), scope, req); err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Pager = webui.NewPager(r, next, "contacts", len(d.Contacts), total)
	p := s.newPage(r, "org.contacts.title", d)
	p.Title = p.T("org.contacts.title") + " — " + role.Name
	p.Nav = "org"
	s.render(w, r, http.StatusOK, "org_contacts", p)
}

// ---- import and export ----

type orgImportData struct {
	Report *org.ImportReport
	Files  []string
}

func (s *Server) orgImportPage(w http.ResponseWriter, r *http.Request) {
	if !s.Org.MayWrite(authz.From(r.Context()), "") {
		s.failErr(w, r, apperr.E(apperr.Forbidden, "error.forbidden.unit"))
		return
	}
	p := s.newPage(r, "org.import.title", orgImportData{})
	p.Nav = "org"
	s.render(w, r, http.StatusOK, "org_import", p)
}

func (s *Server) orgImport(w http.ResponseWriter, r *http.Request) {
	if !s.Org.MayWrite(authz.From(r.Context()), "") { // before reading the upload
		s.failErr(w, r, apperr.E(apperr.Forbidden, "error.forbidden.unit"))
		return
	}
	d := orgImportData{}
	p := s.newPage(r, "org.import.title", &d)
	p.Nav = "org"
	fail := func(err error) {
		p.Error = p.T("org.import.failed", s.errText(r, p, err))
		s.render(w, r, statusOf(err), "org_import", p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, org.MaxImportSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(apperr.E(apperr.TooLarge, "org.err.file_too_large_limit_mb", org.MaxImportSize>>20))
			return
		}
		fail(apperr.E(apperr.Invalid, "org.err.choose_file_import"))
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		fail(apperr.E(apperr.Invalid, "org.err.choose_file_import"))
		return
	}
	var tables []org.Table
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			fail(apperr.WrapE(apperr.Invalid, err, "org.err.read_upload"))
			return
		}
		data, err := io.ReadAll(io.LimitReader(f, org.MaxImportSize+1))
		f.Close()
		if err != nil {
			fail(apperr.WrapE(apperr.Invalid, err, "org.err.read_upload"))
			return
		}
		ts, err := org.ReadFile(fh.Filename, data, r.FormValue("format"))
		if err != nil {
			fail(err)
			return
		}
		tables = append(tables, ts...)
		d.Files = append(d.Files, fh.Filename)
	}
	rep, err := s.Org.Import(r.Context(), authz.From(r.Context()), tables)
	if s.refused(w, r, err) {
		return
	}
	rep.Localize(p.Lang)
	d.Report = &rep
	if err != nil {
		fail(err)
		return
	}
	p.Flash = p.T("org.import.done")
	s.render(w, r, http.StatusOK, "org_import", p)
}

func (s *Server) orgExport(w http.ResponseWriter, r *http.Request) {
	tables, err := s.Org.ExportTables(r.Context(), authz.From(r.Context()))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := org.WriteXLSX(&buf, tables); err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="kitei-org-`+org.Day(time.Now())+`.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// withOrg answers 404 when the server runs without the organisation
// capability (tests of other pages).
func (s *Server) withOrg(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Org == nil {
			s.fail(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		h(w, r)
	}
}

// unitBranch carries the page into the recursive unit tree template.
type unitBranch struct {
	Page *page
	Unit *unitNode
}

// orgFuncs are the template functions of the organisation pages.
var orgFuncs = map[string]any{
	"branchOf": func(p *page, n *unitNode) unitBranch { return unitBranch{Page: p, Unit: n} },
	"indent":   func(depth int) string { return strings.Repeat("\u3000", max(depth, 0)) },
	"statuses": func() []string { return []string{org.StatusActive, org.StatusLeave, org.StatusLeft} },
	"scopes":   func() []string { return []string{org.ScopeOrganisation, org.ScopeUnit, org.ScopeSystem} },
}
