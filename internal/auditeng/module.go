package auditeng

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

// fiscalYear is the Japanese fiscal year (April to March) of t.
func fiscalYear(t time.Time) int {
	t = t.In(jst)
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// Module is the audit capability's module.
func Module(svc *Service, kit *webui.Kit) capability.Module {
	h := &handlers{svc: svc, kit: kit}
	planStep := func(fn func(s *Service, r *http.Request, p *authz.Principal, id int64) error) func(h *handlers, r *http.Request, id int64) error {
		return func(h *handlers, r *http.Request, id int64) error { return fn(h.svc, r, principal(r), id) }
	}
	return capability.Module{
		Name:     "auditeng",
		Overview: svc.Overview(),
		Pages: []httpx.Route{
			{Method: "GET", Path: "/audits", Perm: PermView, Handler: h.index},
			{Method: "POST", Path: "/audits/plans", Perm: PermPlan, Handler: h.createPlan},
			{Method: "POST", Path: "/audits/adhoc", Perm: PermApprove, Handler: h.adhoc},
			{Method: "GET", Path: "/audits/plans/{id}", Perm: PermRead, Handler: h.plan},
			{Method: "GET", Path: "/audits/plans/{id}/export.xlsx", Perm: PermRead, Handler: h.exportPlan},
			{Method: "POST", Path: "/audits/plans/{id}/engagements", Perm: PermPlan, Handler: h.addEngagement},
			{Method: "POST", Path: "/audits/plans/{id}/submit", Perm: PermPlan, Handler: h.planStep("plan_submitted", planStep(func(s *Service, r *http.Request, p *authz.Principal, id int64) error {
				_, err := s.SubmitPlan(r.Context(), p, id)
				return err
			}))},
			{Method: "POST", Path: "/audits/plans/{id}/approve", Perm: PermApprove, Handler: h.planStep("plan_approved", planStep(func(s *Service, r *http.Request, p *authz.Principal, id int64) error {
				_, err := s.ApprovePlan(r.Context(), p, id)
				return err
			}))},
			{Method: "GET", Path: "/audits/engagements/{id}", Perm: PermView, Handler: h.engagement},
			{Method: "GET", Path: "/audits/engagements/{id}/report", Perm: PermView, Handler: h.report},
			{Method: "GET", Path: "/audits/engagements/{id}/export.xlsx", Perm: PermView, Handler: h.exportEngagement},
			{Method: "GET", Path: "/audits/engagements/{id}/oscal.json", Perm: PermView, Handler: h.oscalEngagement},
			{Method: "GET", Path: "/audits/engagements/{id}/evidence/{file}", Perm: PermView, Handler: h.file},
			{Method: "POST", Path: "/audits/engagements/{id}/auditors", Perm: PermPlan, Handler: h.step("auditor", "", func(h *handlers, r *http.Request, p *authz.Principal, id int64) error {
				return h.svc.AssignAuditor(r.Context(), p, id, formInt(r, "person"), r.FormValue("outside") != "", r.FormValue("access_until"))
			})},
			{Method: "POST", Path: "/audits/engagements/{id}/papers", Perm: PermConduct, Handler: h.step("paper", "", func(h *handlers, r *http.Request, p *authz.Principal, id int64) error {
				_, err := h.svc.SavePaper(r.Context(), p, id, r.FormValue("ref"), Result(r.FormValue("result")), r.FormValue("observation"))
				return err
			})},
			{Method: "POST", Path: "/audits/engagements/{id}/evidence", Perm: PermConduct, Handler: h.evidence},
			{Method: "POST", Path: "/audits/engagements/{id}/findings", Perm: PermConduct, Handler: h.step("finding", "", func(h *handlers, r *http.Request, p *authz.Principal, id int64) error {
				_, err := h.svc.AddFinding(r.Context(), p, id, Finding{Ref: r.FormValue("ref"), Severity: Severity(r.FormValue("severity")),
					Description: r.FormValue("description"), Recommendation: r.FormValue("recommendation")})
				return err
			})},
			{Method: "POST", Path: "/audits/engagements/{id}/report", Perm: PermConduct, Handler: h.step("reported", "", func(h *handlers, r *http.Request, p *authz.Principal, id int64) error {
				_, err := h.svc.SubmitReport(r.Context(), p, id, r.FormValue("summary"))
				return err
			})},
			{Method: "POST", Path: "/audits/engagements/{id}/instructions", Perm: PermApprove, Handler: h.step("instructed", "", func(h *handlers, r *http.Request, p *authz.Principal, id int64) error {
				if err := r.ParseForm(); err != nil {
					return err
				}
				var others []int64
				for _, v := range r.Form["unit"] {
					var n int64
					fmt.Sscan(v, &n)
					others = append(others, n)
				}
				_, err := h.svc.Instruct(r.Context(), p, id, r.FormValue("text"), others)
				return err
			})},
			{Method: "GET", Path: "/audits/engagements/{id}/findings/{finding}/actions/new", Perm: PermRespond, Handler: h.remediationForm},
			{Method: "POST", Path: "/audits/engagements/{id}/findings/{finding}/actions", Perm: PermRespond, Handler: h.remediate},
			{Method: "GET", Path: "/audits/selfcheck/{id}/oscal.json", Perm: authz.SelfcheckAdmin, Handler: h.oscalSelfcheck},
		},
		API: []httpx.Route{
			{Method: "GET", Path: "/api/v1/audits/plans", Perm: PermRead, Handler: h.apiPlans, Response: "AuditPlans", Summary: "Audit plans by fiscal year"},
			{Method: "POST", Path: "/api/v1/audits/plans", Perm: PermPlan, Handler: h.apiCreatePlan, Body: "AuditPlanInput", Response: "AuditPlan", Summary: "Start the audit plan of a fiscal year (監査責任者)"},
			{Method: "GET", Path: "/api/v1/audits/engagements", Perm: PermView, Handler: h.apiEngagements, Response: "AuditEngagements", Summary: "Engagements one may see (auditors: their own; officers: reported audits of their units), by start date",
				Params: []httpx.Param{
					httpx.PageAfter,
					httpx.PageLimit(APIPageSize)}},
			{Method: "GET", Path: "/api/v1/audits/engagements/{id}", Perm: PermView, Handler: h.apiEngagement, Response: "AuditEngagement", Summary: "An engagement with working papers, its first 100 findings (findings_total, findings_next: the rest on …/findings) and instructions"},
			{Method: "POST", Path: "/api/v1/audits/engagements/{id}/auditors", Perm: PermPlan, Handler: h.apiAuditor, Body: "AuditAuditorInput", Summary: "Assign an auditor (refused, with the reason, for the audited unit's people)"},
			{Method: "POST", Path: "/api/v1/audits/engagements/{id}/papers", Perm: PermConduct, Handler: h.apiPaper, Body: "AuditPaperInput", Response: "AuditPaper", Summary: "Record a working paper on a requirement"},
			{Method: "GET", Path: "/api/v1/audits/engagements/{id}/findings", Perm: PermView, Handler: h.apiFindings, Response: "AuditFindings", Summary: "An engagement's findings with their remediation actions, in the order recorded",
				Params: []httpx.Param{
					{Name: "after", In: "query", Type: "string", Description: "cursor of the next page (X-Next-Cursor or the Link rel=\"next\" URL of the page before, or findings_next of the engagement); absent: the first page"},
					httpx.PageLimit(APIPageSize)}},
			{Method: "POST", Path: "/api/v1/audits/engagements/{id}/findings", Perm: PermConduct, Handler: h.apiFinding, Body: "AuditFinding", Response: "AuditFinding", Summary: "Record a finding"},
			{Method: "GET", Path: "/api/v1/audits/engagements/{id}/oscal", Perm: PermView, Handler: h.oscalEngagement, Summary: "The engagement's results as OSCAL assessment-results"},
		},
		Nav:       []webui.NavEntry{{Key: "auditeng", Href: "/audits", Label: "nav.auditeng", Order: 56, Perms: []authz.Permission{PermView}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Partials: "templates/partials/*.html", Funcs: funcs},
		Serve: func(_ context.Context, m notify.Mailer) error {
			if m != nil {
				svc.Mailer = m
			}
			return nil
		},
		Matrix: func(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
			return svc.matrix(ctx, f)
		},
	}
}

// EngagementTables are the sheets of an engagement's export: working
// papers, findings and remediation status.
func EngagementTables(lang i18n.Lang, v *View) []tabular.Table {
	t := func(k string) string { return i18n.T(lang, k) }
	papers := tabular.Table{Name: t("auditeng.sheet.papers"), Header: []string{t("auditeng.col.ref"), t("auditeng.col.section"),
		t("auditeng.col.requirement"), t("auditeng.col.result"), t("auditeng.col.observation"), t("auditeng.col.auditor"), t("auditeng.col.evidence")},
		Widths: []float64{14, 10, 60, 12, 40, 16, 30}}
	for _, it := range v.Items {
		row := []any{it.Ref, it.Section, it.Text, "", "", "", ""}
		if it.Paper != nil {
			row[3], row[4], row[5] = t("auditeng.result."+string(it.Paper.Result)), it.Paper.Observation, it.Paper.AuditorName
			var names string
			for i, f := range it.Paper.Evidence {
				if i > 0 {
					names += " "
				}
				names += f.Name
			}
			row[6] = names
		}
		papers.Rows = append(papers.Rows, row)
	}
	findings := tabular.Table{Name: t("auditeng.sheet.findings"), Header: []string{"No.", t("auditeng.col.ref"), t("auditeng.col.severity"),
		t("auditeng.col.description"), t("auditeng.col.recommendation"), t("auditeng.col.state")}, Widths: []float64{6, 14, 10, 50, 40, 14}}
	var acts []trackerAction
	for _, f := range v.Findings {
		findings.Rows = append(findings.Rows, []any{f.ID, f.Ref, t("auditeng.severity." + string(f.Severity)), f.Description,
			f.Recommendation, t("auditeng.state." + f.State())})
		acts = append(acts, f.Actions...)
	}
	return []tabular.Table{papers, findings, trackerTable(lang, acts)}
}

// PlanTable is the plan's sheet.
func PlanTable(lang i18n.Lang, v PlanView) tabular.Table {
	t := func(k string) string { return i18n.T(lang, k) }
	out := tabular.Table{Name: t("auditeng.sheet.plan"), Header: []string{t("auditeng.col.title"), t("auditeng.col.unit"), t("auditeng.col.catalog"),
		t("auditeng.col.scope"), t("auditeng.col.starts"), t("auditeng.col.ends"), t("auditeng.col.auditors"), t("auditeng.col.status")},
		Widths: []float64{30, 20, 20, 20, 12, 12, 30, 12}}
	for _, e := range v.Engagements {
		var names string
		for i, a := range e.Auditors {
			if i > 0 {
				names += "、"
			}
			names += a.Name
		}
		starts, _ := time.Parse(DateLayout, e.StartsOn)
		ends, _ := time.Parse(DateLayout, e.EndsOn)
		out.Rows = append(out.Rows, []any{e.Title, e.UnitName, e.CatalogName, joinScope(e.Scope), starts, ends, names, t("auditeng.status." + string(e.Status))})
	}
	return out
}

func joinScope(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
