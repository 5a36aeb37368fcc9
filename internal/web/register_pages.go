package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/register"
)

// Register pages: information assets, the 情報システム台帳 and cloud
// services / outsourcing. Every read goes through the registry with the
// signed-in principal, which filters in the store (機密性3 assets appear
// only to their named people and 決定者); every change is checked there
// against register.write for the unit it touches.

// registerRoutes are added to the route table when the capability is wired.
func (s *Server) registerRoutes() []route {
	if s.Register == nil {
		return nil
	}
	return []route{
		{"GET /register", authz.RegisterRead, s.regHome},
		{"GET /register/assets", authz.RegisterRead, s.regAssets},
		{"POST /register/assets", authz.RegisterWrite, s.regAssetCreate},
		{"GET /register/assets/{id}", authz.RegisterRead, s.regAsset},
		{"POST /register/assets/{id}", authz.RegisterWrite, s.regAssetUpdate},
		{"POST /register/assets/{id}/copy", authz.RegisterWrite, s.regAssetCopy},
		{"POST /register/assets/{id}/reclassify", authz.RegisterWrite, s.regAssetReclassify},
		{"POST /register/assets/{id}/retire", authz.RegisterWrite, s.regAssetRetire},
		{"GET /register/systems", authz.RegisterRead, s.regSystems},
		{"POST /register/systems", authz.RegisterWrite, s.regSystemCreate},
		{"GET /register/systems/{id}", authz.RegisterRead, s.regSystem},
		{"POST /register/systems/{id}", authz.RegisterWrite, s.regSystemUpdate},
		{"GET /register/services", authz.RegisterRead, s.regServices},
		{"POST /register/services", authz.RegisterWrite, s.regServiceCreate},
		{"GET /register/services/{id}", authz.RegisterRead, s.regService},
		{"POST /register/services/{id}", authz.RegisterWrite, s.regServiceUpdate},
		{"GET /register/export/{kind}", authz.RegisterRead, s.regExport},
		{"GET /register/scheme", authz.RegisterAdmin, s.regSchemePage},
		{"POST /register/scheme", authz.RegisterAdmin, s.regSchemeSave},
		{"GET /register/import", authz.RegisterAdmin, s.regImportPage},
		{"POST /register/import", authz.RegisterAdmin, s.regImport},
	}
}

func who(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

// regCommon is what every register page shows around its content.
type regCommon struct {
	Scheme   register.Scheme
	Units    []org.Unit // units the principal may register records in
	CanWrite bool
	CanAdmin bool
	Stages   []string
	Form     url.Values // the submitted form, kept on errors
	Error    string
}

func (s *Server) regCommon(r *http.Request) (regCommon, error) {
	ctx := r.Context()
	p := authz.From(ctx)
	c := regCommon{CanWrite: p.Can(authz.RegisterWrite), CanAdmin: p.Can(authz.RegisterAdmin), Stages: register.Stages, Form: url.Values{}}
	var err error
	if c.Scheme, err = s.Register.Scheme(ctx); err != nil {
		return c, err
	}
	if c.CanWrite {
		c.Units, err = s.Org.Units(ctx, org.UnitFilter{Scope: authz.ScopeOf(p, authz.RegisterWrite)})
	}
	return c, err
}

func (s *Server) regHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/register/assets", http.StatusSeeOther)
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.FormValue(name)))
	return n
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == '\n' || r == '\r' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// personIDs resolves employee numbers written in a form field.
func (s *Server) personIDs(r *http.Request, field string) ([]int64, error) {
	var ids []int64
	for _, no := range strings.FieldsFunc(r.FormValue(field), func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '　' || r == '\n' || r == '\r' }) {
		p, err := s.Org.PersonByEmployeeNo(r.Context(), no)
		if err != nil {
			return nil, apperr.E(apperr.Invalid, "register.err.person_employee_number", no)
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

func (s *Server) personID(r *http.Request, field string) (int64, error) {
	ids, err := s.personIDs(r, field)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

func sortParams(r *http.Request) (string, bool) {
	return r.URL.Query().Get("sort"), r.URL.Query().Get("desc") == "1"
}

// ---- assets ----

type regAssetsData struct {
	regCommon
	Assets []register.Asset
	Query  url.Values
}

func (s *Server) regAssets(w http.ResponseWriter, r *http.Request) {
	s.regAssetsRender(w, r, http.StatusOK, nil)
}

func (s *Server) regAssetsRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx := r.Context()
	c, err := s.regCommon(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	q := r.URL.Query()
	sort, desc := sortParams(r)
	f := register.AssetFilter{Query: q.Get("q"), Kind: q.Get("kind"), MinC: formInt(&http.Request{Form: q}, "min_c"),
		Restriction: q.Get("restriction"), Sort: sort, Desc: desc, Retired: q.Get("retired") == "1"}
	f.UnitID, _ = strconv.ParseInt(q.Get("unit"), 10, 64)
	d := &regAssetsData{regCommon: c, Query: q}
	if d.Assets, err = s.Register.Assets(ctx, who(r), f); err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "reg.assets.title", d)
	p.Nav = "register"
	if formErr != nil {
		_ = r.ParseForm()
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_assets", p)
}

// assetForm reads the description fields of an asset form.
func (s *Server) assetForm(r *http.Request) (register.Asset, error) {
	a := register.Asset{Code: r.FormValue("code"), Name: r.FormValue("name"), Kind: r.FormValue("kind"),
		UnitID: formID(r, "unit"), Location: r.FormValue("location"), Retention: r.FormValue("retention"),
		UsersScope: r.FormValue("users_scope"), Likelihood: formInt(r, "likelihood"), Note: r.FormValue("note"),
		Paper: r.FormValue("paper") == "1", DecidedOn: r.FormValue("decided_on")}
	var err error
	a.Named, err = s.personIDs(r, "named")
	return a, err
}

func restrictionsForm(r *http.Request) []string {
	out := append([]string(nil), r.Form["restriction"]...)
	return append(out, splitList(r.FormValue("restriction_other"))...)
}

func (s *Server) regAssetCreate(w http.ResponseWriter, r *http.Request) {
	a, err := s.assetForm(r)
	if err == nil {
		a.C, a.I, a.A = formInt(r, "c"), formInt(r, "i"), formInt(r, "a")
		a.Restrictions = restrictionsForm(r)
		a, err = s.Register.CreateAsset(r.Context(), who(r), a)
	}
	if err != nil {
		s.regAssetsRender(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, "/register/assets/"+strconv.FormatInt(a.ID, 10)+"?done=created", http.StatusSeeOther)
}

type regAssetData struct {
	regCommon
	Asset      register.Asset
	Copies     []register.Asset
	History    []register.Change
	Reclassify bool
	Editable   bool
	Importance int
	Risk       int
	Done       string
	Requests   []approval.Request
}

func (s *Server) regAsset(w http.ResponseWriter, r *http.Request) {
	s.regAssetRender(w, r, http.StatusOK, nil)
}

func (s *Server) regAssetRender(w http.ResponseWriter, r *http.Request, status int, formErr error) {
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
	d := &regAssetData{regCommon: c, Done: r.URL.Query().Get("done")}
	if d.Asset, err = s.Register.Asset(ctx, who(r), id); err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.History, err = s.Register.History(ctx, who(r), register.KindAssets, id); err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Copies, _ = s.Register.Assets(ctx, who(r), register.AssetFilter{SourceID: id})
	d.Requests = s.regRequests(r, register.RefAsset, id)
	d.Reclassify = s.Register.MayReclassify(ctx, who(r), d.Asset)
	d.Editable = s.Register.MayEdit(who(r), d.Asset)
	d.Importance = c.Scheme.Importance(d.Asset.C, d.Asset.I, d.Asset.A)
	d.Risk = c.Scheme.RiskValue(d.Asset.C, d.Asset.I, d.Asset.A, d.Asset.Likelihood)
	p := s.newPage(r, "reg.asset.title", d)
	p.Title = d.Asset.Name
	p.Nav = "register"
	if formErr != nil {
		d.Form = r.PostForm
		p.Error = s.errText(r, p, formErr)
	}
	s.render(w, r, status, "register_asset", p)
}

func (s *Server) regAssetUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	a, err := s.assetForm(r)
	if err == nil {
		a.ID = id
		_, err = s.Register.UpdateAsset(r.Context(), who(r), a)
	}
	s.regAfter(w, r, err, "/register/assets/", id, "updated", s.regAssetRender)
}

func (s *Server) regAssetCopy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	c := register.Asset{Code: r.FormValue("code"), Name: r.FormValue("name"), UnitID: formID(r, "unit"), Location: r.FormValue("location")}
	if c, err = s.Register.Copy(r.Context(), who(r), id, c); err != nil {
		s.regAfter(w, r, err, "/register/assets/", id, "", s.regAssetRender)
		return
	}
	http.Redirect(w, r, "/register/assets/"+strconv.FormatInt(c.ID, 10)+"?done=copied", http.StatusSeeOther)
}

func (s *Server) regAssetReclassify(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	_ = r.ParseForm()
	_, err = s.Register.Reclassify(r.Context(), who(r), id, register.Reclassification{C: formInt(r, "c"), I: formInt(r, "i"),
		A: formInt(r, "a"), Restrictions: restrictionsForm(r), Reason: r.FormValue("reason")})
	s.regAfter(w, r, err, "/register/assets/", id, "reclassified", s.regAssetRender)
}

// regAssetRetire retires an asset (action=retire) or puts it back in use
// (action=reinstate), with an optional reason kept in its history.
func (s *Server) regAssetRetire(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	_ = r.ParseForm()
	retire := r.FormValue("action") != "reinstate"
	_, err = s.Register.RetireAsset(r.Context(), who(r), id, retire, r.FormValue("reason"))
	done := "retired"
	if !retire {
		done = "reinstated"
	}
	s.regAfter(w, r, err, "/register/assets/", id, done, s.regAssetRender)
}

// regRequests lists the approval requests (例外措置, 持出し, クラウド利用 …)
// that point at a register entry and that the reader may see; none when
// the approval engine is not wired or the reader may not file requests.
func (s *Server) regRequests(r *http.Request, kind string, id int64) []approval.Request {
	p := authz.From(r.Context())
	if s.Approval == nil || !p.Can(authz.RequestFile) {
		return nil
	}
	rs, err := s.Approval.ForTarget(r.Context(), p, register.RefOf(kind, id))
	if err != nil {
		s.Logger.Warn("requests about a register entry", "ref", register.RefOf(kind, id), "err", err)
		return nil
	}
	return rs
}

// regAfter redirects to the record after a change, or shows the record
// again with the error; a record the principal may not see stays a 404.
func (s *Server) regAfter(w http.ResponseWriter, r *http.Request, err error, base string, id int64, done string,
	again func(http.ResponseWriter, *http.Request, int, error)) {
	if err == nil {
		http.Redirect(w, r, base+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
		return
	}
	if apperr.Is(err, apperr.NotFound) {
		s.failErr(w, r, err)
		return
	}
	again(w, r, statusOf(err), err)
}

// ---- systems ----

type regSystemsData struct {
	regCommon
	Systems  []register.System
	Services []register.Service
	Query    url.Values
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
	if d.Systems, err = s.Register.Systems(ctx, who(r), f); err != nil {
		s.failErr(w, r, err)
		return
	}
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
	if d.Services, err = s.Register.Services(ctx, who(r), f); err != nil {
		s.failErr(w, r, err)
		return
	}
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

// ---- export, import, scheme ----

func (s *Server) regExport(w http.ResponseWriter, r *http.Request) {
	kind, ok := register.ParseKind(r.PathValue("kind"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	t, err := s.Register.Export(r.Context(), who(r), kind)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.csv"`)
		register.WriteCSV(w, t)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.xlsx"`)
	register.WriteXLSX(w, t)
}

type regImportData struct {
	Kinds  []string
	Kind   string
	Report *register.ImportReport
}

func (s *Server) regImportPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "reg.import.title", &regImportData{Kinds: register.Kinds, Kind: r.URL.Query().Get("kind")})
	p.Nav = "register"
	s.render(w, r, http.StatusOK, "register_import", p)
}

func (s *Server) regImport(w http.ResponseWriter, r *http.Request) {
	d := &regImportData{Kinds: register.Kinds}
	p := s.newPage(r, "reg.import.title", d)
	p.Nav = "register"
	fail := func(err error) {
		p.Error = s.errText(r, p, err)
		s.render(w, r, statusOf(err), "register_import", p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, register.MaxImportSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(apperr.E(apperr.TooLarge, "register.err.file_too_large_limit_mb", register.MaxImportSize>>20))
			return
		}
		fail(apperr.E(apperr.Invalid, "register.err.choose_register_file"))
		return
	}
	kind, ok := register.ParseKind(r.FormValue("kind"))
	files := r.MultipartForm.File["file"]
	if !ok || len(files) != 1 {
		fail(apperr.E(apperr.Invalid, "register.err.choose_register_one_file"))
		return
	}
	d.Kind = kind
	f, err := files[0].Open()
	if err != nil {
		fail(apperr.WrapE(apperr.Invalid, err, "register.err.read_upload"))
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, register.MaxImportSize+1))
	f.Close()
	if err != nil {
		fail(apperr.WrapE(apperr.Invalid, err, "register.err.read_upload"))
		return
	}
	t, err := register.ReadFile(kind, files[0].Filename, data)
	if err != nil {
		fail(err)
		return
	}
	rep, err := s.Register.Import(r.Context(), who(r), t)
	rep.Localize(p.Lang)
	d.Report = &rep
	if err != nil {
		fail(err)
		return
	}
	s.render(w, r, http.StatusOK, "register_import", p)
}

type regSchemeData struct {
	Scheme register.Scheme
	Done   bool
}

func (s *Server) regSchemePage(w http.ResponseWriter, r *http.Request) {
	sc, err := s.Register.Scheme(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "reg.scheme.title", &regSchemeData{Scheme: sc, Done: r.URL.Query().Get("done") != ""})
	p.Nav = "register"
	s.render(w, r, http.StatusOK, "register_scheme", p)
}

// regSchemeSave takes the level names and descriptions, the axis
// descriptions, the restrictions (one "key name" per line) and the risk
// settings; level values stay as they are.
func (s *Server) regSchemeSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, err := s.Register.Scheme(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	_ = r.ParseForm()
	for i := range sc.Axes {
		ax := &sc.Axes[i]
		if v, ok := r.PostForm["axis_"+ax.Key+"_name"]; ok {
			ax.Name = strings.TrimSpace(v[0])
		}
		if v, ok := r.PostForm["axis_"+ax.Key+"_desc"]; ok {
			ax.Description = strings.TrimSpace(v[0])
		}
		for j := range ax.Levels {
			l := &ax.Levels[j]
			key := "level_" + ax.Key + "_" + strconv.Itoa(l.Value)
			if v, ok := r.PostForm[key+"_name"]; ok {
				l.Name = strings.TrimSpace(v[0])
			}
			if v, ok := r.PostForm[key+"_desc"]; ok {
				l.Description = strings.TrimSpace(v[0])
			}
		}
	}
	if v, ok := r.PostForm["restrictions"]; ok {
		sc.Restrictions = nil
		for _, line := range splitList(v[0]) {
			k, name, _ := strings.Cut(line, " ")
			sc.Restrictions = append(sc.Restrictions, register.Restriction{Key: strings.TrimSpace(k), Name: strings.TrimSpace(name)})
		}
	}
	if v := r.PostFormValue("importance"); v != "" {
		sc.Risk.Importance = v
	}
	if v := r.PostFormValue("threshold"); v != "" {
		sc.Risk.Threshold, _ = strconv.Atoi(v)
	}
	if err := s.Register.SaveScheme(ctx, sc); err != nil {
		p := s.newPage(r, "reg.scheme.title", &regSchemeData{Scheme: sc})
		p.Nav = "register"
		p.Error = s.errText(r, p, err)
		s.render(w, r, statusOf(err), "register_scheme", p)
		return
	}
	http.Redirect(w, r, "/register/scheme?done=1", http.StatusSeeOther)
}

// regFuncs are the template functions of the register pages.
var regFuncs = map[string]any{
	"stageName": register.StageName,
	"exitName":  register.ExitName,
	"hasStr": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"joinList": func(list []string) string { return strings.Join(list, "\n") },
	"sortURL": func(q url.Values, base, key string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		desc := v.Get("sort") == key && v.Get("desc") != "1"
		v.Set("sort", key)
		v.Del("desc")
		if desc {
			v.Set("desc", "1")
		}
		return base + "?" + v.Encode()
	},
	"empNos": func(ps []register.PersonRef) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.EmployeeNo)
		}
		return strings.Join(out, " ")
	},
	"reqText": func(rs []register.Requirement) string {
		var out []string
		for _, q := range rs {
			out = append(out, q.String())
		}
		return strings.Join(out, "\n")
	},
	"subText": func(ss []register.Subcontract) string {
		var out []string
		for _, x := range ss {
			out = append(out, strings.TrimRight(x.Name+"|"+x.ApprovedOn+"|"+x.ApprovedBy, "|"))
		}
		return strings.Join(out, "\n")
	},
	"restrText": func(sc register.Scheme) string {
		var out []string
		for _, x := range sc.Restrictions {
			out = append(out, x.Key+" "+x.Name)
		}
		return strings.Join(out, "\n")
	},
	"lvl": func(sc register.Scheme, axis string, v int) string { return sc.LevelName(axis, v) },
}
