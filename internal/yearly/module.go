package yearly

import (
	"context"
	"fmt"
	"html/template"
	"net/http"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/webui"
)

// itemArgs carries the page, the plan data and one item into the item
// form fields template.
type itemArgs struct {
	Page   *webui.Page
	Areas  []string
	People []Person
	Item   PlanItem
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"yearlyPrev": func(fy int) int { return fy - 1 },
		"yearlyItemArgs": func(p *webui.Page, d planData, it PlanItem) itemArgs {
			return itemArgs{Page: p, Areas: d.Areas, People: d.People, Item: it}
		},
		"yearlyStatuses": func() []string { return []string{ItemPlanned, ItemInProgress, ItemDone} },
	}
}

// Module is the yearly cycle as a capability: the plan and report pages,
// the API, the date-style preference and the matrix fixtures. people
// lists the owners the plan form offers.
func Module(svc *Service, kit *webui.Kit, people func(r *http.Request) ([]Person, error)) capability.Module {
	pg := &pages{svc: svc, kit: kit, people: people}
	api := &apiHandlers{svc: svc, kit: kit}
	return capability.Module{
		Name: "yearly",
		Pages: []httpx.Route{
			{Method: "GET", Path: "/yearly", Perm: PermRead, Handler: pg.index},
			{Method: "GET", Path: "/yearly/{fy}", Perm: PermRead, Handler: pg.plan},
			{Method: "POST", Path: "/yearly/{fy}", Perm: PermPlan, Handler: pg.createPlan},
			{Method: "POST", Path: "/yearly/{fy}/items", Perm: PermPlan, Handler: pg.addItem},
			{Method: "POST", Path: "/yearly/{fy}/items/{id}", Perm: PermPlan, Handler: pg.updateItem},
			{Method: "POST", Path: "/yearly/{fy}/items/{id}/remove", Perm: PermPlan, Handler: pg.removeItem},
			{Method: "POST", Path: "/yearly/{fy}/submit", Perm: PermPlan, Handler: pg.submit},
			{Method: "POST", Path: "/yearly/{fy}/decide", Perm: PermDecide, Handler: pg.decide},
			{Method: "GET", Path: "/yearly/{fy}/report", Perm: PermRead, Handler: pg.report},
			{Method: "POST", Path: "/yearly/{fy}/report", Perm: PermRead, Handler: pg.generate},
			{Method: "GET", Path: "/yearly/{fy}/report.pdf", Perm: PermRead, Handler: pg.reportPDF},
			{Method: "GET", Path: "/yearly/{fy}/report.xlsx", Perm: PermRead, Handler: pg.reportXLSX},
			{Method: "POST", Path: "/yearly/{fy}/decisions", Perm: PermDecide, Handler: pg.addDecision},
			{Method: "POST", Path: "/account/prefs", Perm: authz.Authenticated, Handler: pg.setDateStyle},
		},
		API:       api.routes(),
		Nav:       []webui.NavEntry{{Key: "yearly", Href: "/yearly", Label: "nav.yearly", Order: 85, Perms: []authz.Permission{PermRead}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Funcs: funcs()},
		Matrix:    svc.matrix,
	}
}

// matrix makes a plan with one item for the current fiscal year and a
// report, and points every guarded route at them. Generating a report
// needs yearly.plan or yearly.decide, which every holder of yearly.read
// but the deputy CISO and the chief auditor has: the Want rule says so.
func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	// Last year's plan is approved: changing or removing its item is
	// refused with a conflict for every holder, so each gets past the guard
	// without changing what the next case sees.
	fy := s.CurrentFiscalYear()
	if _, err := s.CreatePlan(ctx, authz.System, fy-1, "matrix"); err != nil {
		return nil, err
	}
	it, err := s.AddItem(ctx, authz.System, fy-1, PlanItem{Title: "教育", Area: "education"})
	if err != nil {
		return nil, err
	}
	if err := s.Submit(ctx, authz.System, fy-1); err != nil {
		return nil, err
	}
	if err := s.Decide(ctx, authz.System, fy-1, true, ""); err != nil {
		return nil, err
	}
	if _, err := s.CreatePlan(ctx, authz.System, fy, "matrix"); err != nil {
		return nil, err
	}
	if _, err := s.AddItem(ctx, authz.System, fy, PlanItem{Title: "自己点検", Area: "selfcheck"}); err != nil {
		return nil, err
	}
	if _, err := s.Generate(ctx, authz.System, fy); err != nil {
		return nil, err
	}
	last := fmt.Sprintf("/yearly/%d", fy-1)
	lastAPI := fmt.Sprintf("/api/v1/yearly/%d", fy-1)
	y := fmt.Sprintf("/yearly/%d", fy)
	api := fmt.Sprintf("/api/v1/yearly/%d", fy)
	canMake := func(p *authz.Principal, _ bool) bool { return p.Can(PermPlan) || p.Can(PermDecide) }
	gen := capability.Fixed(y + "/report")
	gen.Want = canMake
	apiGen := capability.Fixed(api + "/report")
	apiGen.Want = canMake
	return map[string]capability.Target{
		"GET /yearly":                             capability.Fixed("/yearly"),
		"GET /yearly/{fy}":                        capability.Fixed(y),
		"POST /yearly/{fy}":                       capability.Fixed(y),
		"POST /yearly/{fy}/items":                 capability.Fixed(y + "/items"),
		"POST /yearly/{fy}/items/{id}":            capability.Fixed(fmt.Sprintf("%s/items/%d", last, it.ID)),
		"POST /yearly/{fy}/items/{id}/remove":     capability.Fixed(fmt.Sprintf("%s/items/%d/remove", last, it.ID)),
		"POST /yearly/{fy}/submit":                capability.Fixed(y + "/submit"),
		"POST /yearly/{fy}/decide":                capability.Fixed(y + "/decide"),
		"GET /yearly/{fy}/report":                 capability.Fixed(y + "/report"),
		"POST /yearly/{fy}/report":                gen,
		"GET /yearly/{fy}/report.pdf":             capability.Fixed(y + "/report.pdf"),
		"GET /yearly/{fy}/report.xlsx":            capability.Fixed(y + "/report.xlsx"),
		"POST /yearly/{fy}/decisions":             capability.Fixed(y + "/decisions"),
		"GET /api/v1/yearly/{fy}/plan":            capability.Fixed(api + "/plan"),
		"POST /api/v1/yearly/{fy}/plan":           capability.Fixed(api + "/plan"),
		"POST /api/v1/yearly/{fy}/plan/items":     capability.Fixed(api + "/plan/items"),
		"PUT /api/v1/yearly/{fy}/plan/items/{id}": capability.Fixed(fmt.Sprintf("%s/plan/items/%d", lastAPI, it.ID)),
		"POST /api/v1/yearly/{fy}/plan/submit":    capability.Fixed(api + "/plan/submit"),
		"POST /api/v1/yearly/{fy}/plan/decide":    capability.Fixed(api + "/plan/decide"),
		"GET /api/v1/yearly/{fy}/report":          capability.Fixed(api + "/report"),
		"POST /api/v1/yearly/{fy}/report":         apiGen,
		"POST /api/v1/yearly/{fy}/decisions":      capability.Fixed(api + "/decisions"),
	}, nil
}
