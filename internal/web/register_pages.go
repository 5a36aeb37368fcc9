package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
	"kitei/internal/webui"
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
	Pager  webui.Pager
}

// regPerPage is how many records a register list shows at a time.
const regPerPage = 50

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
	req, err := paging.FromQuery(q, regPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg, err := s.Register.AssetPage(ctx, who(r), f, req)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Assets, d.Pager = pg.Rows, webui.NewPager(r, pg.Next, "list", len(pg.Rows), pg.Total)
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
