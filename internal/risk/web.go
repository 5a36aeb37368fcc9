package risk

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

//go:embed templates/*.html templates/partials/*.html
var templateFiles embed.FS

type handlers struct {
	s   *Service
	kit *webui.Kit
}

// Module is the risk capability.
func Module(s *Service, kit *webui.Kit) capability.Module {
	h := &handlers{s: s, kit: kit}
	return capability.Module{
		Name: "risk",
		Pages: []httpx.Route{
			{Method: "GET", Path: "/risks", Perm: Read, Handler: h.list},
			{Method: "GET", Path: "/risks/export.xlsx", Perm: Read, Handler: h.export},
			{Method: "POST", Path: "/risks/import", Perm: Write, Handler: h.importFile},
			{Method: "GET", Path: "/risks/new", Perm: Write, Handler: h.newForm},
			{Method: "POST", Path: "/risks", Perm: Write, Handler: h.create},
			{Method: "GET", Path: "/risks/{id}", Perm: Read, Handler: h.show},
			{Method: "POST", Path: "/risks/{id}", Perm: Write, Handler: h.update},
			{Method: "POST", Path: "/risks/{id}/retire", Perm: Write, Handler: h.retire},
			{Method: "POST", Path: "/risks/{id}/accept", Perm: Write, Handler: h.accept},
			{Method: "GET", Path: "/risks/method", Perm: Admin, Handler: h.method},
			{Method: "POST", Path: "/risks/method", Perm: Admin, Handler: h.saveMethod},
			{Method: "GET", Path: "/risks/campaigns", Perm: Read, Handler: h.campaigns},
			{Method: "POST", Path: "/risks/campaigns", Perm: Admin, Handler: h.startCampaign},
			{Method: "GET", Path: "/risks/campaigns/{id}", Perm: Read, Handler: h.campaign},
			{Method: "POST", Path: "/risks/campaigns/{id}/units/{unit}/submit", Perm: Write, Handler: h.submitUnit},
		},
		API: []httpx.Route{
			{Method: "GET", Path: "/api/v1/risks", Perm: Read, Summary: "List the risks of the register you may read, the highest residual value first (then the value, then the id)", Handler: h.apiList,
				Params: []httpx.Param{
					{Name: "q", In: "query", Type: "string", Description: "code, title or subject contains"},
					{Name: "retired", In: "query", Type: "string", Description: "1: retired risks too"},
					httpx.PageAfter,
					httpx.PageLimit(APIPageSize)}},
			{Method: "POST", Path: "/api/v1/risks", Perm: Write, Summary: "Add a risk", Handler: h.apiCreate},
			{Method: "GET", Path: "/api/v1/risks/{id}", Perm: Read, Summary: "One risk with its history", Handler: h.apiGet},
			{Method: "GET", Path: "/api/v1/risk-method", Perm: Read, Summary: "The risk method in force", Handler: h.apiMethod},
			{Method: "GET", Path: "/api/v1/risk-campaigns", Perm: Read, Summary: "Risk assessment campaigns you take part in", Handler: h.apiCampaigns},
		},
		Nav: []webui.NavEntry{{Key: "risk", Href: "/risks", Label: "nav.risk", Order: 55, Perms: []authz.Permission{Read}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Partials: "templates/partials/*.html", Funcs: template.FuncMap{
			"riskLevel":     Name,
			"riskOver":      func(m Method, v int) bool { return m.Over(v) },
			"riskNeedsAcc":  func(m Method, r Risk) bool { return m.NeedsAcceptance(r) },
			"riskScale":     FormatScale,
			"riskBands":     FormatBands,
			"riskMeasures":  FormatMeasures,
			"riskTreatment": func(t string) string { return "risk.treatment." + t },
			"subjectURL": func(ref string) string {
				k, id, _ := strings.Cut(ref, ":")
				return "/register/" + k + "s/" + id
			},
		}},
		Jobs: []capability.Job{{Name: "risk", Interval: time.Minute, Run: s.runJobs}},
		Serve: func(ctx context.Context, mailer notify.Mailer) error {
			if mailer != nil {
				s.Mailer = mailer
			}
			return nil
		},
		Matrix: s.matrix,
	}
}

func (s *Service) runJobs(ctx context.Context, owner string, interval time.Duration, logf func(string, ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := s.Remind(ctx, owner, interval); err != nil {
				logf("risk reminders failed", "err", err)
			} else if n > 0 {
				logf("risk reminders sent", "notices", n)
			}
			if _, err := s.SyncAll(ctx); err != nil {
				logf("risk acceptance sync failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func me(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

func (h *handlers) render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	p := h.kit.Page(r, title, data)
	p.Nav = "risk"
	p.Flash = p.Done(r, "risk.done.")
	h.kit.Render(w, r, http.StatusOK, name, p)
}

type listData struct {
	Risks    []Risk
	Pager    webui.Pager
	Method   Method
	Query    string
	Retired  bool
	CanWrite bool
	CanAdmin bool
	Report   *ImportResult
}

func (h *handlers) list(w http.ResponseWriter, r *http.Request) {
	h.listPage(w, r, http.StatusOK, nil, nil)
}

func (h *handlers) importFile(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { h.listPage(w, r, apperr.HTTPStatus(err), nil, err) }
	if err := r.ParseMultipartForm(tabular.MaxFileSize); err != nil {
		fail(apperr.E(apperr.Invalid, "risk.err.form"))
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		fail(apperr.E(apperr.Invalid, "risk.err.form"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, tabular.MaxFileSize+1))
	if err != nil {
		fail(err)
		return
	}
	res, err := h.s.Import(r.Context(), me(r), fh.Filename, data)
	if err != nil {
		fail(err)
		return
	}
	res.Localize(i18n.FromRequest(r))
	status := http.StatusOK
	if !res.OK() {
		status = http.StatusUnprocessableEntity
	}
	h.listPage(w, r, status, &res, nil)
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, status int, rep *ImportResult, failure error) {
	q := r.URL.Query()
	pr, err := paging.FromQuery(q, PageSize)
	var res Page[Risk]
	if err == nil {
		res, err = h.s.ListPage(r.Context(), me(r), Filter{Query: q.Get("q"), Retired: q.Get("retired") == "1"}, pr)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	m, err := h.s.Method(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if r.Method != http.MethodGet {
		// After an import the list's links lead to the list, not the post.
		r = r.Clone(r.Context())
		r.URL.Path = "/risks"
	}
	p := h.kit.Page(r, "risk.title", listData{Risks: res.Rows, Pager: webui.NewPager(r, res.Next, "", len(res.Rows), res.Total), Method: m,
		Query: q.Get("q"), Retired: q.Get("retired") == "1", CanWrite: me(r).Can(Write), CanAdmin: me(r).Can(Admin), Report: rep})
	p.Nav = "risk"
	p.Flash = p.Done(r, "risk.done.")
	if failure != nil {
		p.Error = webui.Message(r, failure)
	}
	h.kit.Render(w, r, status, "risk_list", p)
}

type formData struct {
	Risk      Risk
	Method    Method
	Subject   string
	Units     []org.Unit
	Campaign  int64
	Treatment []string
	Kinds     []string
	Owner     string
}

func (h *handlers) units(ctx context.Context) []org.Unit {
	us, _ := h.s.org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
	return us
}

func (h *handlers) newForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m, err := h.s.Method(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	cid, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	kind := q.Get("kind")
	if kind == "" {
		kind = OnAsset
	}
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	h.render(w, r, "risk_new", "risk.new", formData{Risk: Risk{SubjectKind: kind, Method: m.Kind, UnitID: unit}, Method: m, Subject: q.Get("subject"),
		Units: h.units(r.Context()), Campaign: cid, Treatment: Treatments, Kinds: SubjectKinds})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func formInput(r *http.Request) Input {
	f := r.PostForm
	unit, _ := strconv.ParseInt(f.Get("unit_id"), 10, 64)
	cid, _ := strconv.ParseInt(f.Get("campaign_id"), 10, 64)
	return Input{Title: f.Get("title"), SubjectKind: f.Get("subject_kind"), Subject: f.Get("subject"), UnitID: unit,
		SystemCode: f.Get("system_code"), CampaignID: cid, ThreatText: f.Get("threat_text"), VulnText: f.Get("vulnerability_text"),
		Impact: atoi(f.Get("impact")), Threat: atoi(f.Get("threat")), Vulnerability: atoi(f.Get("vulnerability")),
		Likelihood: atoi(f.Get("likelihood")), RThreat: atoi(f.Get("residual_threat")), RVuln: atoi(f.Get("residual_vulnerability")),
		RLikelihood: atoi(f.Get("residual_likelihood")), Treatment: f.Get("treatment"), Measures: f.Get("measures"),
		Owner: f.Get("owner"), ReviewOn: f.Get("review_on"), Note: f.Get("note")}
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "risk.err.form"))
		return
	}
	in := formInput(r)
	x, err := h.s.Create(r.Context(), me(r), in)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			m, _ := h.s.Method(r.Context())
			p := h.kit.Page(r, "risk.new", formData{Risk: Risk{Title: in.Title, SubjectKind: in.SubjectKind, ThreatText: in.ThreatText,
				VulnText: in.VulnText, Threat: in.Threat, Vulnerability: in.Vulnerability, Likelihood: in.Likelihood, Impact: in.Impact,
				RThreat: in.RThreat, RVulnerability: in.RVuln, RLikelihood: in.RLikelihood, Treatment: in.Treatment, ReviewOn: in.ReviewOn,
				Note: in.Note, SystemCode: in.SystemCode, UnitID: in.UnitID}, Method: m, Subject: in.Subject, Units: h.units(r.Context()), Campaign: in.CampaignID,
				Treatment: Treatments, Kinds: SubjectKinds})
			p.Nav, p.Error = "risk", webui.Message(r, err)
			h.kit.Render(w, r, http.StatusBadRequest, "risk_new", p)
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/%d", x.ID), "created")
}

type showData struct {
	Risk      Risk
	History   []Change
	Method    Method
	CanWrite  bool
	Units     []org.Unit
	Treatment []string
	Kinds     []string
	Owner     string
}

func (h *handlers) show(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	x, hist, err := h.s.Get(r.Context(), me(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	m, err := h.s.Method(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	owner := ""
	if x.OwnerID != 0 {
		if who, err := h.s.org.Person(r.Context(), x.OwnerID); err == nil {
			owner = who.EmployeeNo
		}
	}
	h.render(w, r, "risk_show", "risk.title", showData{Risk: x, History: hist, Method: m, CanWrite: may(me(r), Write, x),
		Units: h.units(r.Context()), Treatment: Treatments, Kinds: SubjectKinds, Owner: owner})
}

func (h *handlers) update(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil {
		_, err = h.s.Update(r.Context(), me(r), id, formInput(r))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/%d", id), "saved")
}

func (h *handlers) retire(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil {
		_, err = h.s.Retire(r.Context(), me(r), id, r.PostForm.Get("action") != "reinstate", r.PostForm.Get("reason"))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/%d", id), "retired")
}

func (h *handlers) accept(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil {
		_, err = h.s.RequestAcceptance(r.Context(), me(r), id, r.PostForm.Get("reason"))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/%d", id), "requested")
}

type methodData struct {
	Method  Method
	Default Method
	Matrix  Method
}

func (h *handlers) method(w http.ResponseWriter, r *http.Request) {
	m, err := h.s.Method(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.render(w, r, "risk_method", "risk.method", methodData{Method: m, Default: DefaultMethod(), Matrix: MatrixMethod()})
}

func (h *handlers) saveMethod(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "risk.err.form"))
		return
	}
	f := r.PostForm
	var m Method
	switch f.Get("preset") {
	case MethodIPA:
		m = DefaultMethod()
	case MethodMatrix:
		m = MatrixMethod()
	default:
		m = Method{Kind: f.Get("kind"), Importance: f.Get("importance"), Threshold: atoi(f.Get("threshold"))}
		var ok bool
		bad := func() { h.kit.Fail(w, r, apperr.E(apperr.Invalid, "risk.err.scale_text")) }
		if m.Impact, ok = ParseScale(f.Get("impact")); !ok {
			bad()
			return
		}
		if m.Likelihood, ok = ParseScale(f.Get("likelihood")); !ok {
			bad()
			return
		}
		if m.Kind == MethodIPA {
			if m.Threat, ok = ParseScale(f.Get("threat")); !ok {
				bad()
				return
			}
			if m.Vulnerability, ok = ParseScale(f.Get("vulnerability")); !ok {
				bad()
				return
			}
			if m.Bands, ok = ParseBands(f.Get("bands")); !ok {
				bad()
				return
			}
		}
	}
	if err := h.s.SaveMethod(r.Context(), me(r), m); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, "/risks/method", "method")
}

type campaignsData struct {
	Campaigns []Campaign
	Units     []org.Unit
	CanAdmin  bool
	Today     string
}

func (h *handlers) campaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := h.s.Campaigns(r.Context(), me(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.render(w, r, "risk_campaigns", "risk.campaigns", campaignsData{Campaigns: cs, Units: h.units(r.Context()), CanAdmin: me(r).Can(Admin), Today: h.s.today()})
}

func (h *handlers) startCampaign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "risk.err.form"))
		return
	}
	in := CampaignInput{Name: r.PostForm.Get("name"), DueOn: r.PostForm.Get("due_on"), RemindDays: atoi(r.PostForm.Get("remind_days"))}
	if r.PostForm.Get("remind_days") == "" {
		in.RemindDays = 3
	}
	for _, v := range r.PostForm["unit"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Units = append(in.Units, id)
		}
	}
	c, err := h.s.StartCampaign(r.Context(), me(r), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/campaigns/%d", c.ID), "started")
}

func (h *handlers) campaign(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	pr, err := paging.FromQuery(q, CampaignUnits)
	var v CampaignView
	if err == nil {
		v, err = h.s.CampaignPage(r.Context(), me(r), id, unit, pr, i18n.FromRequest(r))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.render(w, r, "risk_campaign", "risk.campaigns", campaignData{CampaignView: v,
		Pager: webui.NewPager(r, v.Next, "units", len(v.Units), len(v.Campaign.Units))})
}

// campaignData is the campaign page: every unit in a table, a page of
// them (or the one asked for) in detail.
type campaignData struct {
	CampaignView
	Pager webui.Pager
}

func (h *handlers) submitUnit(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	var unit int64
	if err == nil {
		unit, err = httpx.PathID(r, "unit")
	}
	if err == nil {
		err = h.s.SubmitUnit(r.Context(), me(r), id, unit)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/risks/campaigns/%d?unit=%d#unit-%d", id, unit, unit), "submitted")
}

func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	t, err := h.s.ExportTable(r.Context(), me(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, t); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="risks.xlsx"`)
	w.Write(buf.Bytes())
}

// ---- API ----

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pr, err := paging.FromQuery(q, APIPageSize)
	var res Page[Risk]
	if err == nil {
		res, err = h.s.ListPage(r.Context(), me(r), Filter{Query: q.Get("q"), Retired: q.Get("retired") == "1"}, pr)
	}
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WritePage(w, r, res)
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in Input
	if err := httpx.ReadJSON(r, &in); err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	x, err := h.s.Create(r.Context(), me(r), in)
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, x)
}

func (h *handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	x, hist, err := h.s.Get(r.Context(), me(r), id)
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"risk": x, "history": hist})
}

func (h *handlers) apiMethod(w http.ResponseWriter, r *http.Request) {
	m, err := h.s.Method(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (h *handlers) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := h.s.Campaigns(r.Context(), me(r))
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	if cs == nil {
		cs = []Campaign{}
	}
	httpx.WriteJSON(w, http.StatusOK, cs)
}

// ---- authorization matrix ----

func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	mk := func(u capability.Unit) (Risk, Campaign, error) {
		x, err := s.Create(ctx, authz.System, Input{Title: "matrix", SubjectKind: OnOrg, UnitID: u.ID, Threat: 2, Vulnerability: 2,
			Impact: 2, Treatment: Reduce})
		if err != nil {
			return x, Campaign{}, err
		}
		c, err := s.StartCampaign(ctx, authz.System, CampaignInput{Name: "matrix " + u.Path, DueOn: s.today(), Units: []int64{u.ID}})
		return x, c, err
	}
	own, ownC, err := mk(f.UnitA1)
	if err != nil {
		return nil, err
	}
	foreign, forC, err := mk(f.UnitB)
	if err != nil {
		return nil, err
	}
	rk := func(format string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf(format, own.ID), fmt.Sprintf(format, foreign.ID))
	}
	cp := func(format string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf(format, ownC.ID), fmt.Sprintf(format, forC.ID))
	}
	return map[string]capability.Target{
		"GET /risks":                 capability.Fixed("/risks"),
		"GET /risks/export.xlsx":     capability.Fixed("/risks/export.xlsx"),
		"POST /risks/import":         capability.Fixed("/risks/import"),
		"GET /risks/new":             capability.Fixed("/risks/new"),
		"POST /risks":                capability.Fixed("/risks"),
		"GET /risks/{id}":            rk("/risks/%d"),
		"POST /risks/{id}":           rk("/risks/%d"),
		"POST /risks/{id}/retire":    rk("/risks/%d/retire?action=reinstate"),
		"POST /risks/{id}/accept":    rk("/risks/%d/accept"),
		"GET /risks/method":          capability.Fixed("/risks/method"),
		"POST /risks/method":         capability.Fixed("/risks/method"),
		"GET /risks/campaigns":       capability.Fixed("/risks/campaigns"),
		"POST /risks/campaigns":      capability.Fixed("/risks/campaigns"),
		"GET /risks/campaigns/{id}":  cp("/risks/campaigns/%d"),
		"GET /api/v1/risks":          capability.Fixed("/api/v1/risks"),
		"POST /api/v1/risks":         capability.Fixed("/api/v1/risks"),
		"GET /api/v1/risks/{id}":     rk("/api/v1/risks/%d"),
		"GET /api/v1/risk-method":    capability.Fixed("/api/v1/risk-method"),
		"GET /api/v1/risk-campaigns": capability.Fixed("/api/v1/risk-campaigns"),
		"POST /risks/campaigns/{id}/units/{unit}/submit": {Path: func(o bool) (string, string) {
			if o {
				return fmt.Sprintf("/risks/campaigns/%d/units/%d/submit", ownC.ID, f.UnitA1.ID), f.UnitA1.Path
			}
			return fmt.Sprintf("/risks/campaigns/%d/units/%d/submit", forC.ID, f.UnitB.ID), f.UnitB.Path
		}},
	}, nil
}
