package yearly

import (
	"net/http"

	"kitei/internal/api"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/webui"
)

// apiHandlers serve /api/v1/yearly/….
type apiHandlers struct {
	svc *Service
	kit *webui.Kit
}

func (a *apiHandlers) routes() []httpx.Route {
	fy := []httpx.Param{{Name: "fy", In: "path", Type: "integer", Required: true, Description: "fiscal year (April to March), e.g. 2025"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/yearly/{fy}/plan", Perm: PermRead, Summary: "The yearly security plan (対策推進計画) of a fiscal year with its measures", Params: fy, Response: "YearlyPlan", Handler: a.plan},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/plan", Perm: PermPlan, Summary: "Start the plan of a fiscal year as a draft", Params: fy, Body: "YearlyPlanInput", Response: "YearlyPlan", Handler: a.createPlan},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/plan/items", Perm: PermPlan, Summary: "Add a measure to a draft plan", Params: fy, Body: "YearlyPlanItem", Response: "YearlyPlanItem", Handler: a.addItem},
		{Method: "PUT", Path: "/api/v1/yearly/{fy}/plan/items/{id}", Perm: PermPlan, Summary: "Change a measure (after submission: status, progress and note only)", Params: fy, Body: "YearlyPlanItem", Handler: a.updateItem},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/plan/submit", Perm: PermPlan, Summary: "Submit the draft plan to the CISO", Params: fy, Handler: a.submit},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/plan/decide", Perm: PermDecide, Summary: "Approve or return the submitted plan (CISO)", Params: fy, Body: "YearlyDecideInput", Handler: a.decide},
		{Method: "GET", Path: "/api/v1/yearly/{fy}/report", Perm: PermRead, Summary: "The annual report of a fiscal year with the previous year's and the review decisions", Params: fy, Response: "YearlyAnnual", Handler: a.report},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/report", Perm: PermRead, Summary: "Generate (or regenerate) the annual report from the current data (yearly.plan or yearly.decide)", Params: fy, Response: "YearlyReport", Handler: a.generate},
		{Method: "POST", Path: "/api/v1/yearly/{fy}/decisions", Perm: PermDecide, Summary: "Record a review decision (見直し) on the report (CISO)", Params: fy, Body: "YearlyDecisionInput", Response: "YearlyDecision", Handler: a.addDecision},
	}
}

func (a *apiHandlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, a.kit.Logger)
}

func (a *apiHandlers) plan(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		var pl Plan
		if pl, err = a.svc.Plan(r.Context(), authz.From(r.Context()), fy); err == nil {
			httpx.WriteJSON(w, http.StatusOK, pl)
			return
		}
	}
	a.fail(w, r, err)
}

// PlanInput starts a plan.
type PlanInput struct {
	Note string `json:"note"`
}

func (a *apiHandlers) createPlan(w http.ResponseWriter, r *http.Request) {
	var in PlanInput
	fy, err := fiscalYear(r)
	if err == nil {
		err = httpx.ReadJSON(r, &in)
	}
	if err == nil {
		var pl Plan
		if pl, err = a.svc.CreatePlan(r.Context(), authz.From(r.Context()), fy, in.Note); err == nil {
			httpx.WriteJSON(w, http.StatusCreated, pl)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *apiHandlers) addItem(w http.ResponseWriter, r *http.Request) {
	var in PlanItem
	fy, err := fiscalYear(r)
	if err == nil {
		err = httpx.ReadJSON(r, &in)
	}
	if err == nil {
		var it PlanItem
		if it, err = a.svc.AddItem(r.Context(), authz.From(r.Context()), fy, in); err == nil {
			httpx.WriteJSON(w, http.StatusCreated, it)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *apiHandlers) updateItem(w http.ResponseWriter, r *http.Request) {
	var in PlanItem
	fy, err := fiscalYear(r)
	if err == nil {
		err = httpx.ReadJSON(r, &in)
	}
	if err == nil {
		in.ID, err = httpx.PathID(r, "id")
	}
	if err == nil {
		if err = a.svc.UpdateItem(r.Context(), authz.From(r.Context()), fy, in); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *apiHandlers) submit(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		if err = a.svc.Submit(r.Context(), authz.From(r.Context()), fy); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	a.fail(w, r, err)
}

// DecideInput approves (true) or returns (false) a plan.
type DecideInput struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

func (a *apiHandlers) decide(w http.ResponseWriter, r *http.Request) {
	var in DecideInput
	fy, err := fiscalYear(r)
	if err == nil {
		err = httpx.ReadJSON(r, &in)
	}
	if err == nil {
		if err = a.svc.Decide(r.Context(), authz.From(r.Context()), fy, in.Approve, in.Note); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *apiHandlers) report(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		var an Annual
		if an, err = a.svc.Report(r.Context(), authz.From(r.Context()), fy); err == nil {
			httpx.WriteJSON(w, http.StatusOK, an)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *apiHandlers) generate(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		var rep Report
		if rep, err = a.svc.Generate(r.Context(), authz.From(r.Context()), fy); err == nil {
			httpx.WriteJSON(w, http.StatusCreated, rep)
			return
		}
	}
	a.fail(w, r, err)
}

// DecisionInput records a review decision.
type DecisionInput struct {
	Kind string `json:"kind"` // rules, plan, other
	Text string `json:"text"`
}

func (a *apiHandlers) addDecision(w http.ResponseWriter, r *http.Request) {
	var in DecisionInput
	fy, err := fiscalYear(r)
	if err == nil {
		err = httpx.ReadJSON(r, &in)
	}
	if err == nil {
		var d Decision
		if d, err = a.svc.AddDecision(r.Context(), authz.From(r.Context()), fy, in.Kind, in.Text); err == nil {
			httpx.WriteJSON(w, http.StatusCreated, d)
			return
		}
	}
	a.fail(w, r, err)
}

func init() {
	api.RegisterSchema("YearlyPlan", Plan{})
	api.RegisterSchema("YearlyPlanInput", PlanInput{})
	api.RegisterSchema("YearlyPlanItem", PlanItem{})
	api.RegisterSchema("YearlyDecideInput", DecideInput{})
	api.RegisterSchema("YearlyAnnual", Annual{})
	api.RegisterSchema("YearlyReport", Report{})
	api.RegisterSchema("YearlyDecisionInput", DecisionInput{})
	api.RegisterSchema("YearlyDecision", Decision{})
}
