package api

import (
	"net/http"
	"net/url"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/paging"
)

func init() {
	RegisterSchema("RequestTypeList", []approval.Type{})
	RegisterSchema("RequestList", []approval.Request{})
	RegisterSchema("RequestDetail", RequestDetail{})
	RegisterSchema("Request", approval.Request{})
	RegisterSchema("RequestFiling", RequestFiling{})
	RegisterSchema("Decision", approval.Decision{})
	RegisterSchema("RequestNote", RequestNote{})
	RegisterSchema("OverdueList", []approval.Overdue{})
	RegisterSchema("RequestReport", approval.Report{})
	RegisterSchema("NoticeList", []approval.Notice{})
}

// RequestFiling is the body that files a request.
type RequestFiling struct {
	approval.Input
	Submit bool `json:"submit"` // submit at once (otherwise a draft is kept)
}

// RequestNote carries the text of a withdrawal note or an end report.
type RequestNote struct {
	Text string `json:"text"`
}

// RequestDetail is a request with its history.
type RequestDetail struct {
	Request approval.Request `json:"request"`
	History []approval.Event `json:"history"`
}

func (a *API) approvalRoutes() []Route {
	if a.Approval == nil {
		return nil
	}
	listParams := []Param{
		{Name: "view", In: "query", Type: "string", Description: "mine (default), waiting (for my decision) or ledger; newest first"},
		{Name: "type", In: "query", Type: "string", Description: "request type key (ledger)"},
		{Name: "status", In: "query", Type: "string", Description: "status (ledger)"},
		{Name: "from", In: "query", Type: "string", Description: "ledger: the request's period ends on or after this day (YYYY-MM-DD; no period: the day it was filed)"},
		{Name: "to", In: "query", Type: "string", Description: "ledger: the request's period starts on or before this day (YYYY-MM-DD)"},
	}
	listParams = append(listParams, httpx.PageParams(approval.APIPageSize)...)
	reportParams := []Param{
		{Name: "from", In: "query", Type: "string", Description: "filed on or after (YYYY-MM-DD)"},
		{Name: "to", In: "query", Type: "string", Description: "filed on or before (YYYY-MM-DD)"},
	}
	id := []Param{{Name: "id", In: "path", Type: "integer", Required: true}}
	return []Route{
		{Method: "GET", Path: "/api/v1/request-types", Perm: authz.RequestFile, Summary: "Request types: fields, deciding role, outcome per level",
			Handler: a.requestTypes, Response: "RequestTypeList"},
		{Method: "GET", Path: "/api/v1/requests", Perm: authz.RequestFile, Summary: "My requests, my decision queue or a ledger",
			Handler: a.requestList, Params: listParams, Response: "RequestList"},
		{Method: "POST", Path: "/api/v1/requests", Perm: authz.RequestFile, Summary: "File a request (a draft, or submitted at once)",
			Handler: a.requestFile, Body: "RequestFiling", Response: "Request"},
		{Method: "GET", Path: "/api/v1/requests/overdue", Perm: authz.RequestFile, Summary: "Overdue requests in my scope (deciders, security office)",
			Handler: a.requestOverdue, Params: httpx.PageParams(approval.APIPageSize), Response: "OverdueList"},
		{Method: "GET", Path: "/api/v1/requests/report", Perm: authz.RequestReport, Summary: "Report to the chief and the CISO",
			Handler: a.requestReport, Params: reportParams, Response: "RequestReport"},
		{Method: "GET", Path: "/api/v1/requests/{id}", Perm: authz.RequestFile, Summary: "A request and its history",
			Handler: a.requestGet, Params: id, Response: "RequestDetail"},
		{Method: "POST", Path: "/api/v1/requests/{id}/submit", Perm: authz.RequestFile, Summary: "Submit a draft or returned request",
			Handler: a.requestSubmit, Params: id, Response: "Request"},
		{Method: "POST", Path: "/api/v1/requests/{id}/withdraw", Perm: authz.RequestFile, Summary: "Withdraw a request before its decision",
			Handler: a.requestWithdraw, Params: id, Body: "RequestNote", Response: "Request"},
		{Method: "POST", Path: "/api/v1/requests/{id}/end", Perm: authz.RequestFile, Summary: "Report the end of a request in force",
			Handler: a.requestEnd, Params: id, Body: "RequestNote", Response: "Request"},
		{Method: "POST", Path: "/api/v1/requests/{id}/decide", Perm: authz.RequestDecide, Summary: "Approve (with conditions), return or reject",
			Handler: a.requestDecide, Params: id, Body: "Decision", Response: "Request"},
		{Method: "GET", Path: "/api/v1/inbox", Perm: authz.RequestFile, Summary: "My in-app notices",
			Handler: a.inbox, Params: httpx.PageParams(approval.APIPageSize), Response: "NoticeList"},
		{Method: "POST", Path: "/api/v1/inbox/read", Perm: authz.RequestFile, Summary: "Mark all my notices read; answers the inbox's first page",
			Handler: a.inboxRead, Response: "NoticeList"},
		{Method: "POST", Path: "/api/v1/inbox/{id}/read", Perm: authz.RequestFile, Summary: "Mark one of my notices read; answers the inbox's first page",
			Handler: a.inboxRead, Params: id, Response: "NoticeList"},
	}
}

func (a *API) requestTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := a.Approval.Types(r.Context(), r.URL.Query().Get("all") != "")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ts)
}

func (a *API) requestList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := authz.From(ctx)
	q := r.URL.Query()
	pr, err := paging.FromQuery(q, approval.APIPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var res approval.Page[approval.Request]
	switch q.Get("view") {
	case "", "mine":
		res, err = a.Approval.MinePage(ctx, p, pr)
	case "waiting":
		res, err = a.Approval.WaitingPage(ctx, p, pr)
	case "ledger":
		f := approval.Filter{TypeKey: q.Get("type"), PeriodFrom: q.Get("from"), PeriodTo: q.Get("to")}
		if st := q.Get("status"); st != "" {
			f.Statuses = []approval.Status{approval.Status(st)}
		}
		res, err = a.Approval.LedgerPage(ctx, p, f, pr)
	default:
		err = apperr.E(apperr.BadRequest, "approval.err.view_mine_waiting_ledger")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, res)
}

func (a *API) requestFile(w http.ResponseWriter, r *http.Request) {
	var body RequestFiling
	if err := readJSON(r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	req, err := a.Approval.File(r.Context(), authz.From(r.Context()), body.Input, body.Submit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

func (a *API) requestGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req, hist, err := a.Approval.Get(r.Context(), authz.From(r.Context()), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RequestDetail{Request: req, History: hist})
}

// requestAct runs one action on the request in the path.
func (a *API) requestAct(w http.ResponseWriter, r *http.Request, body any, fn func(p *authz.Principal, id int64) (approval.Request, error)) {
	id, err := pathID(r, "id")
	if err == nil {
		// Who may see the request is settled before the body is read, so
		// a stranger learns nothing from a malformed body's error.
		_, _, err = a.Approval.Get(r.Context(), authz.From(r.Context()), id)
	}
	if err == nil && body != nil {
		err = readJSON(r, body)
	}
	var req approval.Request
	if err == nil {
		req, err = fn(authz.From(r.Context()), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (a *API) requestSubmit(w http.ResponseWriter, r *http.Request) {
	a.requestAct(w, r, nil, func(p *authz.Principal, id int64) (approval.Request, error) {
		return a.Approval.Submit(r.Context(), p, id)
	})
}

func (a *API) requestWithdraw(w http.ResponseWriter, r *http.Request) {
	var n RequestNote
	a.requestAct(w, r, &n, func(p *authz.Principal, id int64) (approval.Request, error) {
		return a.Approval.Withdraw(r.Context(), p, id, n.Text)
	})
}

func (a *API) requestEnd(w http.ResponseWriter, r *http.Request) {
	var n RequestNote
	a.requestAct(w, r, &n, func(p *authz.Principal, id int64) (approval.Request, error) {
		return a.Approval.ReportEnd(r.Context(), p, id, n.Text)
	})
}

func (a *API) requestDecide(w http.ResponseWriter, r *http.Request) {
	var d approval.Decision
	a.requestAct(w, r, &d, func(p *authz.Principal, id int64) (approval.Request, error) {
		return a.Approval.Decide(r.Context(), p, id, d)
	})
}

func (a *API) requestOverdue(w http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), approval.APIPageSize)
	var res approval.Page[approval.Overdue]
	if err == nil {
		res, err = a.Approval.OverduePage(r.Context(), authz.From(r.Context()), pr)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, res)
}

func (a *API) requestReport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.Approval.Report(r.Context(), authz.From(r.Context()), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (a *API) inbox(w http.ResponseWriter, r *http.Request) {
	a.inboxPage(w, r, r)
}

// inboxPage answers the page of the signed-in person's inbox that list
// (a GET of the inbox) asks for, newest first.
func (a *API) inboxPage(w http.ResponseWriter, r, list *http.Request) {
	pr, err := paging.FromQuery(list.URL.Query(), approval.APIPageSize)
	var res approval.Page[approval.Notice]
	if err == nil {
		res, err = a.Approval.InboxPage(r.Context(), authz.From(r.Context()).PersonID, pr)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, list, res)
}

// inboxRead marks the notice in the path (or, without one, every notice)
// of the signed-in person read and answers their inbox.
func (a *API) inboxRead(w http.ResponseWriter, r *http.Request) {
	var id int64
	var err error
	if r.PathValue("id") != "" {
		id, err = pathID(r, "id")
	}
	if err == nil {
		err = a.Approval.MarkRead(r.Context(), authz.From(r.Context()).PersonID, id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The answer is the inbox's first page (?limit= kept); its next link
	// is the inbox's.
	list := r.Clone(r.Context())
	list.URL.Path, list.URL.RawQuery = "/api/v1/inbox", url.Values{"limit": r.URL.Query()["limit"]}.Encode()
	a.inboxPage(w, r, list)
}
