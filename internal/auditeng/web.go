package auditeng

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/tabular"
	"kitei/internal/tracker"
	"kitei/internal/webui"
)

//go:embed templates
var templateFiles embed.FS

type handlers struct {
	svc *Service
	kit *webui.Kit
}

func principal(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return n
}

type indexData struct {
	Plans       []Plan
	Engagements []Engagement
	Pager       webui.Pager
	CanPlan     bool
	CanApprove  bool
	Catalogs    []catalog.Catalog
	Units       []org.Unit
	Campaigns   []selfcheck.Campaign
	Year        int
}

func (h *handlers) index(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	d := indexData{CanPlan: h.svc.requirePlan(p) == nil, CanApprove: h.svc.requireApprove(p) == nil, Year: fiscalYear(h.svc.Now())}
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	if err == nil {
		d.Plans, err = h.svc.Plans(r.Context(), p)
	}
	if err == nil {
		var es Page[Engagement]
		if es, err = h.svc.EngagementsPage(r.Context(), p, pr); err == nil {
			d.Engagements, d.Pager = es.Rows, webui.NewPager(r, es.Next, "engagements", len(es.Rows), es.Total)
		}
	}
	if err == nil && d.CanApprove {
		d.Catalogs, d.Units, err = h.svc.choices(r)
		if h.svc.selfcheck != nil {
			d.Campaigns, _ = h.svc.selfcheck.Campaigns(r.Context())
		}
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := h.kit.Page(r, "auditeng.title.index", d)
	pg.Nav, pg.Flash = "auditeng", pg.Done(r, "auditeng.done.")
	h.kit.Render(w, r, http.StatusOK, "auditeng_index", pg)
}

func (s *Service) choices(r *http.Request) ([]catalog.Catalog, []org.Unit, error) {
	cs, err := s.catalogs.List(r.Context())
	if err != nil {
		return nil, nil, err
	}
	us, err := s.org.Units(r.Context(), org.UnitFilter{Scope: authz.Everywhere})
	return cs, us, err
}

func (h *handlers) createPlan(w http.ResponseWriter, r *http.Request) {
	pl, err := h.svc.CreatePlan(r.Context(), principal(r), int(formInt(r, "fiscal_year")), r.FormValue("title"), r.FormValue("note"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/audits/plans/%d", pl.ID), "plan_created")
}

type planData struct {
	View       PlanView
	CanPlan    bool
	CanApprove bool
	Catalogs   []catalog.Catalog
	Units      []org.Unit
	Campaigns  []selfcheck.Campaign
}

func (h *handlers) plan(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := principal(r)
	v, err := h.svc.Plan(r.Context(), p, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d := planData{View: v, CanPlan: h.svc.requirePlan(p) == nil, CanApprove: h.svc.requireApprove(p) == nil}
	if d.CanPlan && v.Plan.Status == PlanDraft {
		if d.Catalogs, d.Units, err = h.svc.choices(r); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if h.svc.selfcheck != nil {
			d.Campaigns, _ = h.svc.selfcheck.Campaigns(r.Context())
		}
	}
	pg := h.kit.Page(r, "auditeng.title.plan", d)
	pg.Title = v.Plan.Title
	pg.Nav, pg.Flash = "auditeng", pg.Done(r, "auditeng.done.")
	h.kit.Render(w, r, http.StatusOK, "auditeng_plan", pg)
}

// engagementForm reads an engagement from a form.
func engagementForm(r *http.Request) Engagement {
	return Engagement{Title: r.FormValue("title"), Kind: r.FormValue("kind"), UnitID: formInt(r, "unit"), SystemRef: r.FormValue("system_ref"),
		CatalogID: formInt(r, "catalog"), Scope: strings.Fields(strings.NewReplacer(",", " ", "、", " ", "　", " ").Replace(r.FormValue("scope"))),
		StartsOn: r.FormValue("starts_on"), EndsOn: r.FormValue("ends_on"), Objective: r.FormValue("objective"),
		SelfcheckID: formInt(r, "selfcheck"), ParentCatalogID: formInt(r, "parent_catalog")}
}

func (h *handlers) addEngagement(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	e, err := h.svc.AddEngagement(r.Context(), principal(r), id, engagementForm(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/audits/engagements/%d", e.ID), "engagement_created")
}

func (h *handlers) planStep(flash string, fn func(h *handlers, r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err == nil {
			err = fn(h, r, id)
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		webui.SeeOther(w, r, fmt.Sprintf("/audits/plans/%d", id), flash)
	}
}

func (h *handlers) adhoc(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.OrderAdHoc(r.Context(), principal(r), engagementForm(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/audits/engagements/%d", e.ID), "adhoc")
}

type engagementData struct {
	*View
	PageItems     []Item       // the checklist's page shown
	Pager         webui.Pager  // the checklist's pager
	After         string       // this page's cursor (the forms come back to it)
	FindingsPager webui.Pager  // the findings' pager (?findings_after=)
	FindingsAfter string       // the findings page's cursor (the remediation links come back to it)
	Return        string       // "?after=…&findings_after=…": this page's positions, for the remediation links
	People        []org.Person // who may be made an auditor: ?who= finds them
	Who           string
	Units         []org.Unit
	Results       []Result
	Severities    []Severity
}

// People offered in a choice: at most this many.
const choices = 200

func (h *handlers) engagement(w http.ResponseWriter, r *http.Request) {
	h.renderEngagement(w, r, "auditeng_engagement")
}

func (h *handlers) report(w http.ResponseWriter, r *http.Request) {
	h.renderEngagement(w, r, "auditeng_report")
}

// renderEngagement renders the engagement page (its checklist PageSize
// requirements a page, in document order; the cursor names the last
// requirement shown and its place) or the whole report.
func (h *handlers) renderEngagement(w http.ResponseWriter, r *http.Request, page string) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	var pr, fpr paging.Request
	var v *View
	if page == "auditeng_engagement" {
		pr, err = paging.FromQuery(q, PageSize)
		if err == nil {
			fpr.Limit = PageSize
			fpr.After, err = paging.Parse(q.Get(findingsAfter))
		}
		if err == nil {
			v, err = h.svc.EngagementPage(r.Context(), principal(r), id, fpr)
		}
	} else {
		v, err = h.svc.Engagement(r.Context(), principal(r), id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d := engagementData{View: v, Results: Results, Severities: Severities, PageItems: v.Items}
	if page == "auditeng_engagement" {
		d.PageItems, d.Pager, d.After = checklistPage(r, v.Items, pr)
		d.FindingsPager, d.FindingsAfter = webui.ParamPager(r.URL, findingsAfter, v.FindingsNext, "findings", len(v.Findings), v.FindingsTotal), fpr.After.String()
		ret := url.Values{}
		for k, c := range map[string]string{"after": d.After, findingsAfter: d.FindingsAfter} {
			if c != "" {
				ret.Set(k, c)
			}
		}
		if len(ret) > 0 {
			d.Return = "?" + ret.Encode()
		}
		ctx := r.Context()
		if v.Access.Plan {
			d.Who = strings.TrimSpace(q.Get("who"))
			d.People, _, _ = h.svc.org.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: d.Who, NotLeft: true, Limit: choices})
		}
		if v.Access.Approve {
			d.Units, _ = h.svc.org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
		}
	}
	pg := h.kit.Page(r, "auditeng.title.engagement", d)
	pg.Title = v.Engagement.Title
	pg.Nav, pg.Flash = "auditeng", pg.Done(r, "auditeng.done.")
	h.kit.Render(w, r, http.StatusOK, page, pg)
}

// checklistPage is the page pr of the checklist: the requirements after
// the one the cursor names (its ref; its place when the ref is gone).
func checklistPage(r *http.Request, items []Item, pr paging.Request) ([]Item, webui.Pager, string) {
	start := 0
	if !pr.After.IsZero() {
		start = min(int(pr.After.ID), len(items))
		for i, it := range items {
			if it.Ref == pr.After.Key {
				start = i + 1
				break
			}
		}
	}
	place := make(map[string]int64, len(items))
	for i, it := range items {
		place[it.Ref] = int64(i + 1)
	}
	rows, next := paging.Cut(items[start:], pr, func(it Item) paging.Cursor { return paging.Cursor{Key: it.Ref, ID: place[it.Ref]} })
	return rows, webui.NewPager(r, next, "checklist", len(rows), len(items)), pr.After.String()
}

// findingsAfter is the engagement page's parameter that carries the cursor
// of its findings' page, beside the checklist's after.
const findingsAfter = "findings_after"

// back is the engagement page a post comes back to: the checklist's page
// and the findings' page the form was on (their cursors in the form's
// after and findings_after), or the first.
func back(r *http.Request, id int64) string {
	target := fmt.Sprintf("/audits/engagements/%d", id)
	q := url.Values{}
	for _, k := range []string{"after", findingsAfter} {
		if c, err := paging.Parse(r.FormValue(k)); err == nil && !c.IsZero() {
			q.Set(k, c.String())
		}
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	return target
}

// step runs a change on the engagement in the path and redirects to it.
func (h *handlers) step(flash, anchor string, fn func(h *handlers, r *http.Request, p *authz.Principal, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err == nil {
			err = fn(h, r, principal(r), id)
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		webui.SeeOther(w, r, back(r, id)+anchor, flash)
	}
}

func (h *handlers) evidence(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := principal(r)
	if _, _, err := h.svc.conduct(r.Context(), p, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	u, err := tracker.ReadUpload(w, r, "file", h.svc.MaxFile)
	if err == nil {
		_, err = h.svc.AttachEvidence(r.Context(), p, id, r.FormValue("ref"), u)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, back(r, id), "evidence")
}

func (h *handlers) file(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f, data, err := h.svc.Evidence(r.Context(), principal(r), id, fid)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	tracker.ServeFile(w, f, data)
}

// remediationData is the page that files one remediation action for a
// finding: the form's fields (kept when it is shown again after an owner
// search or a refusal) and the owner picker.
type remediationData struct {
	Engagement Engagement
	Finding    Finding
	Owner      org.OwnerPick
	Form       map[string]string
	Back       string // the engagement page the form came from
}

// remediationFields are the fields of the remediation form; after and
// findings_after are the engagement page's positions it returns to.
var remediationFields = []string{"title", "description", "owner", "owner_q", "due_on", "after", findingsAfter}

// finding reads the engagement and finding ids of the path.
func finding(r *http.Request) (id, fid int64, err error) {
	if id, err = httpx.PathID(r, "id"); err == nil {
		fid, err = httpx.PathID(r, "finding")
	}
	return id, fid, err
}

// remediationForm is a finding's remediation form; its owner search
// submits the form here (GET, the fields kept) and comes back with the
// people found.
func (h *handlers) remediationForm(w http.ResponseWriter, r *http.Request) {
	id, fid, err := finding(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderRemediation(w, r, id, fid, http.StatusOK, nil, r.URL.Query().Get)
}

// renderRemediation renders the remediation form with status, the fields
// get reads and refused (not nil) as the page's error. The owner picker
// offers the people of the unit the action is for (and below), or those
// the search finds; never the whole staff.
func (h *handlers) renderRemediation(w http.ResponseWriter, r *http.Request, id, fid int64, status int, refused error, get func(string) string) {
	e, f, unit, err := h.svc.RemediationTarget(r.Context(), principal(r), id, fid)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d := remediationData{Engagement: e, Finding: f, Form: map[string]string{}, Back: back(r, id) + "#findings"}
	for _, k := range remediationFields {
		d.Form[k] = get(k)
	}
	chosen, _ := strconv.ParseInt(d.Form["owner"], 10, 64)
	if d.Owner, err = org.PickOwner(r.Context(), h.svc.org, d.Form["owner_q"], unit, chosen); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := h.kit.Page(r, "auditeng.title.remediation", d)
	pg.Nav = "auditeng"
	if refused != nil {
		pg.Error = webui.Message(r, refused)
	}
	h.kit.Render(w, r, status, "auditeng_remediation", pg)
}

// remediate files the remediation action and returns to the engagement
// page (the checklist's and findings' pages the form came from). An owner
// search that names nobody or several people, or another refusal of the
// form, shows the form again with the matches, and nothing is filed.
func (h *handlers) remediate(w http.ResponseWriter, r *http.Request) {
	id, fid, err := finding(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	owner, err := org.OwnerFromForm(r.Context(), h.svc.org, r.FormValue("owner"), r.FormValue("owner_q"))
	if err == nil {
		_, err = h.svc.Remediate(r.Context(), principal(r), id, fid, tracker.Action{Title: r.FormValue("title"),
			Description: r.FormValue("description"), OwnerID: owner, DueOn: r.FormValue("due_on"), UnitID: formInt(r, "unit")})
	}
	if apperr.Is(err, apperr.Invalid) {
		h.renderRemediation(w, r, id, fid, http.StatusUnprocessableEntity, err, r.FormValue)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, back(r, id)+"#findings", "remediation")
}

func (h *handlers) exportEngagement(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v, err := h.svc.Engagement(r.Context(), principal(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.xlsx(w, r, fmt.Sprintf("audit-%d.xlsx", id), EngagementTables(i18n.FromRequest(r), v)...)
}

func (h *handlers) exportPlan(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v, err := h.svc.Plan(r.Context(), principal(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.xlsx(w, r, fmt.Sprintf("audit-plan-%d.xlsx", v.Plan.FiscalYear), PlanTable(i18n.FromRequest(r), v))
}

func (h *handlers) xlsx(w http.ResponseWriter, r *http.Request, name string, ts ...tabular.Table) {
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, ts...); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

func (h *handlers) oscalEngagement(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	v, err := h.svc.Engagement(r.Context(), principal(r), id)
	if err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	var buf bytes.Buffer
	if err := WriteEngagementAR(&buf, v, h.svc.now()); err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	writeJSONFile(w, fmt.Sprintf("audit-%d-assessment-results.json", id), buf.Bytes())
}

func (h *handlers) oscalSelfcheck(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	var buf bytes.Buffer
	if err := h.svc.WriteSelfcheckAR(r.Context(), principal(r), &buf, id); err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	writeJSONFile(w, fmt.Sprintf("selfcheck-%d-assessment-results.json", id), buf.Bytes())
}

func writeJSONFile(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// ---- API ----

func (h *handlers) apiErr(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, h.kit.Logger)
}

func (h *handlers) apiPlans(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Plans(r.Context(), principal(r))
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	if ps == nil {
		ps = []Plan{}
	}
	httpx.WriteJSON(w, http.StatusOK, ps)
}

// PlanInput is the body of POST /api/v1/audits/plans.
type PlanInput struct {
	FiscalYear int    `json:"fiscal_year"`
	Title      string `json:"title"`
	Note       string `json:"note"`
}

func (h *handlers) apiCreatePlan(w http.ResponseWriter, r *http.Request) {
	var in PlanInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.apiErr(w, r, err)
		return
	}
	pl, err := h.svc.CreatePlan(r.Context(), principal(r), in.FiscalYear, in.Title, in.Note)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, pl)
}

func (h *handlers) apiEngagements(w http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), APIPageSize)
	var es Page[Engagement]
	if err == nil {
		es, err = h.svc.EngagementsPage(r.Context(), principal(r), pr)
	}
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WritePage(w, r, es)
}

// EngagementJSON is an engagement with its working papers and the first
// APIPageSize findings: findings_total counts them all, findings_next is
// the cursor of the rest on …/findings?after= ("" when all are here).
type EngagementJSON struct {
	Engagement    Engagement    `json:"engagement"`
	Papers        []Paper       `json:"papers"`
	Findings      []Finding     `json:"findings"`
	FindingsTotal int           `json:"findings_total"`
	FindingsNext  string        `json:"findings_next,omitempty"`
	Instructions  []Instruction `json:"instructions"`
	Unanswered    int           `json:"unanswered"`
}

// apiFindings is one page of an engagement's findings, by id, with their
// remediation actions; Link and X-Next-Cursor name the next page.
func (h *handlers) apiFindings(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	var pr paging.Request
	if err == nil {
		pr, err = paging.FromQuery(r.URL.Query(), APIPageSize)
	}
	var fs Page[Finding]
	if err == nil {
		fs, err = h.svc.FindingsPage(r.Context(), principal(r), id, pr)
	}
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WritePage(w, r, fs)
}

func (h *handlers) apiEngagement(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	v, err := h.svc.EngagementPage(r.Context(), principal(r), id, paging.Request{Limit: APIPageSize})
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	out := EngagementJSON{Engagement: v.Engagement, Findings: v.Findings, FindingsTotal: v.FindingsTotal, FindingsNext: v.FindingsNext,
		Instructions: v.Instructions, Unanswered: v.Unanswered, Papers: []Paper{}}
	for _, it := range v.Items {
		if it.Paper != nil {
			out.Papers = append(out.Papers, *it.Paper)
		}
	}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	if out.Instructions == nil {
		out.Instructions = []Instruction{}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// AuditorInput is the body of POST …/auditors.
type AuditorInput struct {
	PersonID    int64  `json:"person_id"`
	Outside     bool   `json:"outside"`
	AccessUntil string `json:"access_until"`
}

func (h *handlers) apiAuditor(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	var in AuditorInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.apiErr(w, r, err)
		return
	}
	if err := h.svc.AssignAuditor(r.Context(), principal(r), id, in.PersonID, in.Outside, in.AccessUntil); err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]bool{"assigned": true})
}

// PaperInput is the body of POST …/papers.
type PaperInput struct {
	Ref         string `json:"ref"`
	Result      Result `json:"result"`
	Observation string `json:"observation"`
}

func (h *handlers) apiPaper(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	if _, _, err := h.svc.conduct(r.Context(), principal(r), id); err != nil {
		h.apiErr(w, r, err)
		return
	}
	var in PaperInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.apiErr(w, r, err)
		return
	}
	p, err := h.svc.SavePaper(r.Context(), principal(r), id, in.Ref, in.Result, in.Observation)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *handlers) apiFinding(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	if _, _, err := h.svc.conduct(r.Context(), principal(r), id); err != nil {
		h.apiErr(w, r, err)
		return
	}
	var in Finding
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.apiErr(w, r, err)
		return
	}
	f, err := h.svc.AddFinding(r.Context(), principal(r), id, in)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, f)
}

var _ = apperr.Invalid
