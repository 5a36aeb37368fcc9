package auditeng

import (
	"context"
	"fmt"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/selfcheck"
	"kitei/internal/tracker"
)

// matrix builds an approved plan with two reported and instructed
// engagements: "own" audits the principals' unit A1 (auditor: person B),
// "foreign" audits unit B (auditor: person A1, who is every matrix
// principal). Each has working papers, a finding and an evidence file.
func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	sys := authz.System
	c, err := s.catalogs.Get(ctx, f.CatalogID)
	if err != nil {
		return nil, err
	}
	nodes, err := s.catalogs.Nodes(ctx, c.Latest.ID)
	if err != nil || len(nodes) == 0 {
		return nil, fmt.Errorf("matrix catalog: %v", err)
	}
	var scope []string
	for _, n := range nodes {
		if n.Parent == "" {
			scope = append(scope, n.Ref)
		}
	}
	plan, err := s.CreatePlan(ctx, sys, 2099, "", "")
	if err != nil {
		return nil, err
	}
	mk := func(unit, auditor int64) (Engagement, tracker.File, error) {
		e, err := s.AddEngagement(ctx, sys, plan.ID, Engagement{Title: "監査", UnitID: unit, CatalogID: f.CatalogID, Scope: scope,
			StartsOn: "2099-06-01", EndsOn: "2099-06-30"})
		if err != nil {
			return e, tracker.File{}, err
		}
		return e, tracker.File{}, s.AssignAuditor(ctx, sys, e.ID, auditor, false, "")
	}
	own, _, err := mk(f.UnitA1.ID, f.PersonB)
	if err != nil {
		return nil, err
	}
	foreign, _, err := mk(f.UnitB.ID, f.PersonA1)
	if err != nil {
		return nil, err
	}
	if _, err := s.SubmitPlan(ctx, sys, plan.ID); err != nil {
		return nil, err
	}
	if _, err := s.ApprovePlan(ctx, sys, plan.ID); err != nil {
		return nil, err
	}
	files := map[int64]tracker.File{}
	findings := map[int64]int64{}
	for _, e := range []Engagement{own, foreign} {
		items, err := s.Checklist(ctx, e)
		if err != nil || len(items) == 0 {
			return nil, fmt.Errorf("matrix checklist: %v (%d items)", err, len(items))
		}
		for _, it := range items {
			if _, err := s.SavePaper(ctx, sys, e.ID, it.Ref, Nonconform, "規程が未整備"); err != nil {
				return nil, err
			}
		}
		file, err := s.AttachEvidence(ctx, sys, e.ID, items[0].Ref, tracker.Upload{Name: "調書.txt", Declared: "text/plain", Data: []byte("証跡")})
		if err != nil {
			return nil, err
		}
		files[e.ID] = file
		fd, err := s.AddFinding(ctx, sys, e.ID, Finding{Ref: items[0].Ref, Severity: Major, Description: "未整備", Recommendation: "整備する"})
		if err != nil {
			return nil, err
		}
		findings[e.ID] = fd.ID
		if _, err := s.SubmitReport(ctx, sys, e.ID, "改善が必要"); err != nil {
			return nil, err
		}
		if _, err := s.Instruct(ctx, sys, e.ID, "改善すること", nil); err != nil {
			return nil, err
		}
	}
	var campaignID int64
	if s.selfcheck != nil {
		cp, err := s.selfcheck.CreateCampaign(ctx, selfcheck.Campaign{Name: "matrix", FiscalYear: 2099, OpensOn: "2099-04-01", ClosesOn: "2099-04-30"})
		if err != nil {
			return nil, err
		}
		campaignID = cp.ID
	}

	eng := func(format string, extra ...func(e Engagement) any) func(bool) (string, string) {
		return func(o bool) (string, string) {
			e, unit := own, f.UnitA1.Path
			if !o {
				e, unit = foreign, f.UnitB.Path
			}
			args := []any{e.ID}
			for _, x := range extra {
				args = append(args, x(e))
			}
			return fmt.Sprintf(format, args...), unit
		}
	}
	file := func(e Engagement) any { return files[e.ID].ID }
	finding := func(e Engagement) any { return findings[e.ID] }
	// Readers: organisation-wide readers both; the auditor (person A1) the
	// foreign engagement they audit; the officers of A1 their unit's.
	view := func(p *authz.Principal, o bool) bool {
		return p.Can(PermView) && (p.Scope(PermRead).All || (!o && p.Can(PermConduct)) || (o && p.CanIn(PermRespond, f.UnitA1.Path)))
	}
	conduct := func(p *authz.Principal, o bool) bool {
		return p.Can(PermConduct) && (p.Scope(PermPlan).All || !o)
	}
	plans := func(p *authz.Principal, _ bool) bool { return p.Scope(PermPlan).All }
	approves := func(p *authz.Principal, _ bool) bool { return p.Scope(PermApprove).All }
	respond := func(p *authz.Principal, o bool) bool { return o && p.CanIn(PermRespond, f.UnitA1.Path) }
	t := func(path func(bool) (string, string), want func(*authz.Principal, bool) bool) capability.Target {
		return capability.Target{Path: path, Want: want}
	}
	planPath := func(format string) string { return fmt.Sprintf(format, plan.ID) }
	return map[string]capability.Target{
		"GET /audits":                                                 capability.Fixed("/audits"),
		"POST /audits/plans":                                          capability.Fixed("/audits/plans"),
		"POST /audits/adhoc":                                          capability.Fixed("/audits/adhoc"),
		"GET /audits/plans/{id}":                                      capability.Fixed(planPath("/audits/plans/%d")),
		"GET /audits/plans/{id}/export.xlsx":                          capability.Fixed(planPath("/audits/plans/%d/export.xlsx")),
		"POST /audits/plans/{id}/engagements":                         capability.Fixed(planPath("/audits/plans/%d/engagements")),
		"POST /audits/plans/{id}/submit":                              capability.Fixed(planPath("/audits/plans/%d/submit")),
		"POST /audits/plans/{id}/approve":                             capability.Fixed(planPath("/audits/plans/%d/approve")),
		"GET /audits/engagements/{id}":                                t(eng("/audits/engagements/%d"), view),
		"GET /audits/engagements/{id}/report":                         t(eng("/audits/engagements/%d/report"), view),
		"GET /audits/engagements/{id}/export.xlsx":                    t(eng("/audits/engagements/%d/export.xlsx"), view),
		"GET /audits/engagements/{id}/oscal.json":                     t(eng("/audits/engagements/%d/oscal.json"), view),
		"GET /audits/engagements/{id}/evidence/{file}":                t(eng("/audits/engagements/%d/evidence/%d", file), view),
		"POST /audits/engagements/{id}/auditors":                      t(eng("/audits/engagements/%d/auditors"), plans),
		"POST /audits/engagements/{id}/papers":                        t(eng("/audits/engagements/%d/papers"), conduct),
		"POST /audits/engagements/{id}/evidence":                      t(eng("/audits/engagements/%d/evidence"), conduct),
		"POST /audits/engagements/{id}/findings":                      t(eng("/audits/engagements/%d/findings"), conduct),
		"POST /audits/engagements/{id}/report":                        t(eng("/audits/engagements/%d/report"), conduct),
		"POST /audits/engagements/{id}/instructions":                  t(eng("/audits/engagements/%d/instructions"), approves),
		"GET /audits/engagements/{id}/findings/{finding}/actions/new": t(eng("/audits/engagements/%d/findings/%d/actions/new", finding), respond),
		"POST /audits/engagements/{id}/findings/{finding}/actions":    t(eng("/audits/engagements/%d/findings/%d/actions", finding), respond),
		"GET /audits/selfcheck/{id}/oscal.json":                       capability.Fixed(fmt.Sprintf("/audits/selfcheck/%d/oscal.json", campaignID)),
		"GET /api/v1/audits/plans":                                    capability.Fixed("/api/v1/audits/plans"),
		"POST /api/v1/audits/plans":                                   capability.Fixed("/api/v1/audits/plans"),
		"GET /api/v1/audits/engagements":                              capability.Fixed("/api/v1/audits/engagements"),
		"GET /api/v1/audits/engagements/{id}":                         t(eng("/api/v1/audits/engagements/%d"), view),
		"POST /api/v1/audits/engagements/{id}/auditors":               t(eng("/api/v1/audits/engagements/%d/auditors"), plans),
		"POST /api/v1/audits/engagements/{id}/papers":                 t(eng("/api/v1/audits/engagements/%d/papers"), conduct),
		"GET /api/v1/audits/engagements/{id}/findings":                t(eng("/api/v1/audits/engagements/%d/findings"), view),
		"POST /api/v1/audits/engagements/{id}/findings":               t(eng("/api/v1/audits/engagements/%d/findings"), conduct),
		"GET /api/v1/audits/engagements/{id}/oscal":                   t(eng("/api/v1/audits/engagements/%d/oscal"), view),
	}, nil
}
