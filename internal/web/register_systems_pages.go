package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/paging"
	"kitei/internal/register"
	"kitei/internal/webui"
)

type regSystemsData struct {
	regCommon
	Systems  []register.System
	Services []register.Service
	Query    url.Values
	Pager    webui.Pager
}

func (s *Server) regSystems(w http.ResponseWriter, r *http.Request) {
	s.regSystemsRender(w, r, http.StatusOK, nil)
}

func (s *Server) regSystemsRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx := r.Context()
	c, err := s.regCommon(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	q := r.URL.Query()
	sort, desc := sortParams(r)
	f := register.SystemFilter{Query: q.Get("q"), Stage: q.Get("stage"), Service: q.Get("service"), Sort: sort, Desc: desc,
		Retired: q.Get("retired") == "1"}
	f.UnitID, _ = strconv.ParseInt(q.Get("unit"), 10, 64)
	d := &regSystemsData{regCommon: c, Query: q}
	req, err := paging.FromQuery(q, regPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg, err := s.Register.SystemPage(ctx, who(r), f, req)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Systems, d.Pager = pg.Rows, webui.NewPager(r, pg.Next, "list", len(pg.Rows), pg.Total)
	if d.Services, err = s.Register.Services(ctx, authz.System, register.ServiceFilter{}); err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "reg.systems.title", d)
	p.Nav = "register"
	if formErr != nil {
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_systems", p)
}

func (s *Server) systemForm(r *http.Request) (register.System, error) {
	_ = r.ParseForm()
	y := register.System{Code: r.FormValue("code"), Name: r.FormValue("name"), Purpose: r.FormValue("purpose"),
		UnitID: formID(r, "unit"), Stage: r.FormValue("stage"), C: formInt(r, "c"), I: formInt(r, "i"), A: formInt(r, "a"),
		Components: splitList(r.FormValue("components")), Connections: splitList(r.FormValue("connections")),
		Services: r.Form["service"], Note: r.FormValue("note"), Retired: r.FormValue("retired") == "1"}
	for _, q := range splitList(r.FormValue("requirements")) {
		cat, ref, ok := strings.Cut(q, ":")
		id, err := strconv.ParseInt(strings.TrimSpace(cat), 10, 64)
		if !ok || err != nil {
			return y, apperr.E(apperr.Invalid, "register.err.write_requirement_as_catalog_id", q)
		}
		y.Requirements = append(y.Requirements, register.Requirement{CatalogID: id, Ref: strings.TrimSpace(ref)})
	}
	var err error
	y.ISSOID, err = s.personID(r, "isso")
	return y, err
}

func (s *Server) regSystemCreate(w http.ResponseWriter, r *http.Request) {
	y, err := s.systemForm(r)
	if err == nil {
		y, err = s.Register.CreateSystem(r.Context(), who(r), y)
	}
	if err != nil {
		s.regSystemsRender(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, "/register/systems/"+strconv.FormatInt(y.ID, 10)+"?done=created", http.StatusSeeOther)
}

type regSystemData struct {
	regCommon
	System   register.System
	Services []register.Service
	History  []register.Change
	Done     string
	Requests []approval.Request
}

// Uses reports whether the system uses the service code.
func (d *regSystemData) Uses(code string) bool {
	for _, c := range d.System.Services {
		if c == code {
			return true
		}
	}
	return false
}

func (s *Server) regSystem(w http.ResponseWriter, r *http.Request) {
	s.regSystemRender(w, r, http.StatusOK, nil)
}

func (s *Server) regSystemRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	c, err := s.regCommon(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := &regSystemData{regCommon: c, Done: r.URL.Query().Get("done")}
	if d.System, err = s.Register.System(ctx, who(r), id); err == nil {
		d.History, err = s.Register.History(ctx, who(r), register.KindSystems, id)
	}
	if err == nil {
		d.Services, err = s.Register.Services(ctx, authz.System, register.ServiceFilter{Retired: true})
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Requests = s.regRequests(r, register.RefSystem, id)
	p := s.newPage(r, "reg.system.title", d)
	p.Title = d.System.Name
	p.Nav = "register"
	if formErr != nil {
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_system", p)
}

func (s *Server) regSystemUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	y, err := s.systemForm(r)
	if err == nil {
		y.ID = id
		_, err = s.Register.UpdateSystem(r.Context(), who(r), y)
	}
	s.regAfter(w, r, err, "/register/systems/", id, "updated", s.regSystemRender)
}

// ---- services ----

type regServicesData struct {
	regCommon
	Services []register.Service
	Query    url.Values
	Pager    webui.Pager
}

func (s *Server) regServices(w http.ResponseWriter, r *http.Request) {
	s.regServicesRender(w, r, http.StatusOK, nil)
}

func (s *Server) regServicesRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx := r.Context()
	c, err := s.regCommon(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	q := r.URL.Query()
	sort, desc := sortParams(r)
	f := register.ServiceFilter{Query: q.Get("q"), Kind: q.Get("kind"), ISMAP: q.Get("ismap"), Sort: sort, Desc: desc,
		Retired: q.Get("retired") == "1"}
	f.UnitID, _ = strconv.ParseInt(q.Get("unit"), 10, 64)
	d := &regServicesData{regCommon: c, Query: q}
	req, err := paging.FromQuery(q, regPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg, err := s.Register.ServicePage(ctx, who(r), f, req)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Services, d.Pager = pg.Rows, webui.NewPager(r, pg.Next, "list", len(pg.Rows), pg.Total)
	p := s.newPage(r, "reg.services.title", d)
	p.Nav = "register"
	if formErr != nil {
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_services", p)
}

func (s *Server) serviceForm(r *http.Request) (register.Service, error) {
	_ = r.ParseForm()
	v := register.Service{Code: r.FormValue("code"), Name: r.FormValue("name"), Kind: r.FormValue("kind"),
		Provider: r.FormValue("provider"), UnitID: formID(r, "unit"), ISMAP: r.FormValue("ismap") == "1",
		ISMAPNo: r.FormValue("ismap_no"), DataLocation: r.FormValue("data_location"), ContractFrom: r.FormValue("contract_from"),
		ContractTo: r.FormValue("contract_to"), C: formInt(r, "c"), Note: r.FormValue("note"), Retired: r.FormValue("retired") == "1"}
	for _, k := range r.Form["exit"] {
		v.Exit = append(v.Exit, register.ExitItem{Key: k, Done: true})
	}
	for _, line := range splitList(r.FormValue("subcontracting")) {
		parts := strings.Split(line, "|")
		sc := register.Subcontract{Name: parts[0]}
		if len(parts) > 1 {
			sc.ApprovedOn = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			sc.ApprovedBy = strings.TrimSpace(parts[2])
		}
		v.Subcontracting = append(v.Subcontracting, sc)
	}
	var err error
	v.ManagerID, err = s.personID(r, "manager")
	return v, err
}

func (s *Server) regServiceCreate(w http.ResponseWriter, r *http.Request) {
	v, err := s.serviceForm(r)
	if err == nil {
		v, err = s.Register.CreateService(r.Context(), who(r), v)
	}
	if err != nil {
		s.regServicesRender(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, "/register/services/"+strconv.FormatInt(v.ID, 10)+"?done=created", http.StatusSeeOther)
}

type regServiceData struct {
	regCommon
	Service  register.Service
	Systems  []register.System
	History  []register.Change
	Steps    []string
	Done     string
	Requests []approval.Request
}

func (s *Server) regService(w http.ResponseWriter, r *http.Request) {
	s.regServiceRender(w, r, http.StatusOK, nil)
}

func (s *Server) regServiceRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	c, err := s.regCommon(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := &regServiceData{regCommon: c, Steps: register.ExitSteps, Done: r.URL.Query().Get("done")}
	if d.Service, err = s.Register.Service(ctx, who(r), id); err == nil {
		d.History, err = s.Register.History(ctx, who(r), register.KindServices, id)
	}
	if err == nil {
		d.Systems, err = s.Register.Systems(ctx, who(r), register.SystemFilter{Service: d.Service.Code})
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Requests = s.regRequests(r, register.RefService, id)
	p := s.newPage(r, "reg.service.title", d)
	p.Title = d.Service.Name
	p.Nav = "register"
	if formErr != nil {
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_service", p)
}

func (s *Server) regServiceUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	v, err := s.serviceForm(r)
	if err == nil {
		v.ID = id
		_, err = s.Register.UpdateService(r.Context(), who(r), v)
	}
	s.regAfter(w, r, err, "/register/services/", id, "updated", s.regServiceRender)
}
