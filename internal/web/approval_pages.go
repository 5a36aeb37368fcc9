package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
	"kitei/internal/webui"
)

// approvalRoutes are the request (申請・届出) pages and the inbox; added to
// the route table when the capability is wired. Every route is guarded by
// its permission, then the service checks who the request belongs to
// (applicant, assigned decider, deciders of the unit, security office).
func (s *Server) approvalRoutes() []route {
	if s.Approval == nil {
		return nil
	}
	return []route{
		{"GET /requests", authz.RequestFile, s.reqIndex},
		{"GET /requests/new", authz.RequestFile, s.reqNew},
		{"POST /requests", authz.RequestFile, s.reqCreate},
		{"GET /requests/{id}", authz.RequestFile, s.reqShow},
		{"GET /requests/{id}/edit", authz.RequestFile, s.reqEdit},
		{"POST /requests/{id}", authz.RequestFile, s.reqUpdate},
		{"POST /requests/{id}/submit", authz.RequestFile, s.reqSubmit},
		{"POST /requests/{id}/withdraw", authz.RequestFile, s.reqWithdraw},
		{"POST /requests/{id}/end", authz.RequestFile, s.reqEnd},
		{"POST /requests/{id}/decide", authz.RequestDecide, s.reqDecide},
		{"GET /requests/ledger", authz.RequestFile, s.reqLedger},
		{"GET /requests/ledger.xlsx", authz.RequestFile, s.reqLedgerXLSX},
		{"GET /requests/overdue", authz.RequestFile, s.reqOverdue},
		{"GET /requests/report", authz.RequestReport, s.reqReport},
		{"GET /requests/report.xlsx", authz.RequestReport, s.reqReportXLSX},
		{"GET /request-types", authz.RequestAdmin, s.reqTypes},
		{"POST /request-types/{key}", authz.RequestAdmin, s.reqTypeSave},
		{"GET /inbox", authz.Authenticated, s.inbox},
		{"POST /inbox/read", authz.Authenticated, s.inboxRead},
	}
}

func reqID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.E(apperr.NotFound, "approval.err.such_request")
	}
	return id, nil
}

func reqFlash(pg *page, r *http.Request) string {
	if f := r.URL.Query().Get("done"); f != "" {
		return pg.T("req.done." + f)
	}
	return ""
}

// reqTable is one page of a list of requests, the page it is shown on and
// the list's pager.
type reqTable struct {
	P     *page
	Rows  []approval.Request
	Pager webui.Pager
}

type reqIndexData struct {
	Types   []approval.Type
	List    string // "waiting" or "mine": that list alone, paged; "": both lists' first pages
	Mine    reqTable
	Waiting reqTable
	Ledger  bool
	Report  bool
	Admin   bool
}

// reqIndex is the requests page: the request types, the requests waiting
// for the reader's decision and the reader's own, PageSize of each. Their
// next links lead to ?list=waiting or ?list=mine, which shows that list
// alone, paged with ?after=.
func (s *Server) reqIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := authz.From(ctx)
	q := r.URL.Query()
	d := &reqIndexData{List: q.Get("list"), Report: p.Can(authz.RequestReport), Admin: p.Can(authz.RequestAdmin),
		Ledger: p.Can(authz.RequestDecide) || p.Can(authz.RequestReport)}
	if d.List != "" && d.List != "mine" && d.List != "waiting" {
		s.failErr(w, r, apperr.E(apperr.BadRequest, "approval.err.view_mine_waiting_ledger"))
		return
	}
	pr, err := paging.FromQuery(q, approval.PageSize)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	first := paging.Request{Limit: pr.Limit}
	var mine, waiting approval.Page[approval.Request]
	if d.Types, err = s.Approval.Types(ctx, false); err == nil && d.List != "mine" {
		if d.List == "" {
			waiting, err = s.Approval.WaitingPage(ctx, p, first)
		} else {
			waiting, err = s.Approval.WaitingPage(ctx, p, pr)
		}
	}
	if err == nil && d.List != "waiting" {
		if d.List == "" {
			mine, err = s.Approval.MinePage(ctx, p, first)
		} else {
			mine, err = s.Approval.MinePage(ctx, p, pr)
		}
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Waiting.Rows, d.Mine.Rows = waiting.Rows, mine.Rows
	d.Waiting.Pager = webui.NewPager(listRequest(r, d.List, "waiting"), waiting.Next, "waiting", len(waiting.Rows), waiting.Total)
	d.Mine.Pager = webui.NewPager(listRequest(r, d.List, "mine"), mine.Next, "mine", len(mine.Rows), mine.Total)
	pg := s.newPage(r, "req.title", d)
	d.Mine.P, d.Waiting.P = pg, pg
	pg.Nav = "requests"
	pg.Flash = reqFlash(pg, r)
	s.render(w, r, http.StatusOK, "approval_index", pg)
}

// listRequest is r as the pager of the list named list sees it: r itself
// when r shows that list alone, otherwise r asking for it (its first page).
func listRequest(r *http.Request, shown, list string) *http.Request {
	if shown == list {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = url.Values{"list": {list}}.Encode()
	return r2
}

// reqFormData drives the form generated from a type's fields.
type reqFormData struct {
	Type     approval.Type
	Request  *approval.Request // nil for a new request
	Values   map[string]string
	Catalogs []catalog.Catalog
	Query    string
	Hits     []catalog.Hit
	Me       string
	Emerg    bool
}

func (s *Server) reqForm(w http.ResponseWriter, r *http.Request, status int, d *reqFormData, errMsg string) {
	ctx := r.Context()
	if _, ok := d.Type.Field(approval.KindRule); ok && s.Catalogs != nil {
		d.Catalogs, _ = s.Catalogs.List(ctx)
		if d.Query = strings.TrimSpace(r.URL.Query().Get("q")); d.Query != "" {
			cid, _ := strconv.ParseInt(d.Values["catalog_id"], 10, 64)
			if res, err := s.Catalogs.Search(ctx, catalog.SearchQuery{Text: d.Query, CatalogID: cid, Limit: 20}); err == nil {
				d.Hits = res.Hits
			}
		}
	}
	if p := authz.From(ctx); p != nil {
		d.Me = p.Name
	}
	pg := s.newPage(r, "req.new.title", d)
	pg.Title = d.Type.Name
	pg.Nav = "requests"
	pg.Error = errMsg
	s.render(w, r, status, "approval_form", pg)
}

func (s *Server) reqNew(w http.ResponseWriter, r *http.Request) {
	t, err := s.Approval.Type(r.Context(), r.URL.Query().Get("type"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	// The rule picker reloads this page with the catalog, the clause and
	// the other values typed so far in the query string.
	vals := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "type" && k != "q" && len(v) > 0 {
			vals[k] = v[0]
		}
	}
	s.reqForm(w, r, http.StatusOK, &reqFormData{Type: t, Values: vals, Emerg: vals["emergency"] != ""}, "")
}

// input reads the form of type t.
func reqInput(r *http.Request, t approval.Type) approval.Input {
	in := approval.Input{TypeKey: t.Key, Values: map[string]string{}, Emergency: r.FormValue("emergency") != ""}
	keys := []string{"title", "level", "starts_on", "ends_on", "catalog_id", "node_ref", "target_ref"}
	for _, f := range t.Fields {
		keys = append(keys, f.Key)
	}
	for _, k := range keys {
		if v := r.FormValue(k); v != "" {
			in.Values[k] = v
		}
	}
	return in
}

func (s *Server) reqCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := s.Approval.Type(ctx, r.FormValue("type"))
	if err != nil {
		s.failErr(w, r, apperr.E(apperr.Invalid, "approval.err.choose_request_type"))
		return
	}
	in := reqInput(r, t)
	req, err := s.Approval.File(ctx, authz.From(ctx), in, r.FormValue("submit") != "")
	if err != nil {
		// Nothing was stored (filing with submit is one transaction): the
		// form comes back with what was typed and why it was refused.
		status := map[apperr.Code]int{apperr.Invalid: http.StatusBadRequest, apperr.Conflict: http.StatusConflict}[apperr.CodeOf(err)]
		if status != 0 {
			s.reqForm(w, r, status, &reqFormData{Type: t, Values: in.Values, Emerg: in.Emergency}, err.Error())
			return
		}
		s.failErr(w, r, err)
		return
	}
	done := "saved"
	if req.Status != approval.Draft {
		done = "submitted"
	}
	http.Redirect(w, r, fmt.Sprintf("/requests/%d?done=%s", req.ID, done), http.StatusSeeOther)
}

type reqShowData struct {
	Request   approval.Request
	Type      approval.Type
	History   []approval.Event
	Target    *register.Target // the register entry it points at, when visible
	Applicant bool
	Decider   bool
	CanEdit   bool
	CanSubmit bool
	CanWithdr bool
	CanEnd    bool
	Fields    []approval.Field
}

// reqTarget is the register entry a request points at, when the registers
// are wired and the reader may see it (nil: show the reference as text).
func (s *Server) reqTarget(r *http.Request, ref string) *register.Target {
	if ref == "" || s.Register == nil {
		return nil
	}
	// The engine's resolver also knows media, devices and risks.
	var res approval.Targets = s.Register
	if s.Approval != nil && s.Approval.Targets != nil {
		res = s.Approval.Targets
	}
	t, err := res.ResolveRef(r.Context(), who(r), ref)
	if err != nil || t.Ref != ref {
		return nil
	}
	return &t
}

func (s *Server) reqShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := reqID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := authz.From(ctx)
	req, hist, err := s.Approval.Get(ctx, p, id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	t, err := s.Approval.Type(ctx, req.TypeKey)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := &reqShowData{Request: req, Type: t, History: hist, Target: s.reqTarget(r, req.TargetRef), Applicant: p.PersonID == req.ApplicantID,
		Decider: p.PersonID == req.DeciderID && req.Status == approval.Submitted && p.Can(authz.RequestDecide)}
	if d.Applicant {
		d.CanEdit = approval.Allowed(approval.ActEdit, req.Status)
		d.CanSubmit = approval.Allowed(approval.ActSubmit, req.Status)
		d.CanWithdr = approval.Allowed(approval.ActWithdraw, req.Status)
		d.CanEnd = approval.Allowed(approval.ActEnd, req.Status) && req.EndsOn != ""
	}
	for _, f := range t.Fields {
		switch f.Type {
		case approval.KindText, approval.KindTextarea, approval.KindDate, approval.KindSelect:
			d.Fields = append(d.Fields, f)
		}
	}
	pg := s.newPage(r, "req.show.title", d)
	pg.Title = fmt.Sprintf("%s #%d", t.Name, req.ID)
	pg.Nav = "requests"
	pg.Flash = reqFlash(pg, r)
	s.render(w, r, http.StatusOK, "approval_show", pg)
}

func (s *Server) reqEdit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := reqID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := authz.From(ctx)
	req, _, err := s.Approval.Get(ctx, p, id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if req.ApplicantID != p.PersonID {
		s.failErr(w, r, apperr.E(apperr.Forbidden, "approval.err.applicant_edits_request"))
		return
	}
	t, err := s.Approval.Type(ctx, req.TypeKey)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	vals := req.Values()
	for k, v := range r.URL.Query() { // the rule picker's choice
		if (k == "catalog_id" || k == "node_ref") && len(v) > 0 {
			vals[k] = v[0]
		}
	}
	s.reqForm(w, r, http.StatusOK, &reqFormData{Type: t, Request: &req, Values: vals, Emerg: req.Emergency}, r.URL.Query().Get("err"))
}

func (s *Server) reqUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := reqID(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := authz.From(ctx)
	req, _, err := s.Approval.Get(ctx, p, id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	t, err := s.Approval.Type(ctx, req.TypeKey)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	in := reqInput(r, t)
	if _, err := s.Approval.Update(ctx, p, id, in); err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			s.reqForm(w, r, http.StatusBadRequest, &reqFormData{Type: t, Request: &req, Values: in.Values, Emerg: in.Emergency}, err.Error())
			return
		}
		s.failErr(w, r, err)
		return
	}
	if r.FormValue("submit") != "" {
		s.reqSubmit(w, r)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/requests/%d?done=saved", id), http.StatusSeeOther)
}

// reqAct runs one action of the request page and comes back to it.
func (s *Server) reqAct(w http.ResponseWriter, r *http.Request, done string, fn func(id int64) error) {
	id, err := reqID(r)
	if err == nil {
		err = fn(id)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/requests/%d?done=%s", id, done), http.StatusSeeOther)
}

func (s *Server) reqSubmit(w http.ResponseWriter, r *http.Request) {
	s.reqAct(w, r, "submitted", func(id int64) error {
		_, err := s.Approval.Submit(r.Context(), authz.From(r.Context()), id)
		return err
	})
}

func (s *Server) reqWithdraw(w http.ResponseWriter, r *http.Request) {
	s.reqAct(w, r, "withdrawn", func(id int64) error {
		_, err := s.Approval.Withdraw(r.Context(), authz.From(r.Context()), id, r.FormValue("note"))
		return err
	})
}

func (s *Server) reqEnd(w http.ResponseWriter, r *http.Request) {
	s.reqAct(w, r, "ended", func(id int64) error {
		_, err := s.Approval.ReportEnd(r.Context(), authz.From(r.Context()), id, r.FormValue("report"))
		return err
	})
}

func (s *Server) reqDecide(w http.ResponseWriter, r *http.Request) {
	s.reqAct(w, r, "decided", func(id int64) error {
		_, err := s.Approval.Decide(r.Context(), authz.From(r.Context()), id, approval.Decision{
			Action: r.FormValue("action"), Conditions: r.FormValue("conditions"), Note: r.FormValue("note")})
		return err
	})
}

// ---- ledgers and reports ----

type reqLedgerData struct {
	Types    []approval.Type
	Statuses []approval.Status
	Units    any
	F        url.Values
	Table    reqTable
	Total    int
	Query    string // the filters, for the spreadsheet link (not paged)
	Report   bool
}

// ledgerFilter reads the ledger filters of the query string.
func (s *Server) ledgerFilter(r *http.Request) (approval.Filter, error) {
	q := r.URL.Query()
	f := approval.Filter{TypeKey: q.Get("type"), PeriodFrom: q.Get("from"), PeriodTo: q.Get("to")}
	if st := q.Get("status"); st != "" {
		f.Statuses = []approval.Status{approval.Status(st)}
	}
	if u, _ := strconv.ParseInt(q.Get("unit"), 10, 64); u > 0 && s.Org != nil {
		unit, err := s.Org.Unit(r.Context(), u)
		if err != nil {
			return f, err
		}
		f.UnitPath = unit.Path
	}
	return f, nil
}

func (s *Server) reqLedger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := authz.From(ctx)
	f, err := s.ledgerFilter(r)
	var pr paging.Request
	if err == nil {
		pr, err = paging.FromQuery(r.URL.Query(), approval.PageSize)
	}
	var res approval.Page[approval.Request]
	if err == nil {
		res, err = s.Approval.LedgerPage(ctx, p, f, pr)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := &reqLedgerData{Statuses: approval.Statuses[1:], F: r.URL.Query(), Total: res.Total, Query: paging.Filters(r.URL.Query()), Report: p.Can(authz.RequestReport),
		Table: reqTable{Rows: res.Rows, Pager: webui.NewPager(r, res.Next, "ledger", len(res.Rows), res.Total)}}
	d.Types, _ = s.Approval.Types(ctx, true)
	if s.Org != nil {
		sc := approval.LedgerScope(p)
		d.Units, _ = s.Org.Units(ctx, org.UnitFilter{Scope: orgScope(sc)})
	}
	pg := s.newPage(r, "req.ledger.title", d)
	d.Table.P = pg
	pg.Nav = "requests"
	s.render(w, r, http.StatusOK, "approval_ledger", pg)
}

func (s *Server) reqLedgerXLSX(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.ledgerFilter(r)
	var rows []approval.Request
	if err == nil {
		rows, err = s.Approval.Ledger(ctx, authz.From(ctx), f)
	}
	var types []approval.Type
	if err == nil {
		types, err = s.Approval.Types(ctx, true)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="request-ledger.xlsx"`)
	if err := approval.WriteLedgerXLSX(w, types, rows); err != nil {
		s.Logger.Error("ledger xlsx", "err", err)
	}
}

type reqOverdueData struct {
	Rows  []approval.Overdue
	Pager webui.Pager
}

// reqOverdue is the overdue report, PageSize requests a page, the longest
// due first.
func (s *Server) reqOverdue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pr, err := paging.FromQuery(r.URL.Query(), approval.PageSize)
	var res approval.Page[approval.Overdue]
	if err == nil {
		res, err = s.Approval.OverduePage(ctx, authz.From(ctx), pr)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg := s.newPage(r, "req.overdue.title", &reqOverdueData{Rows: res.Rows, Pager: webui.NewPager(r, res.Next, "", len(res.Rows), res.Total)})
	pg.Nav = "requests"
	s.render(w, r, http.StatusOK, "approval_overdue", pg)
}

type reqReportData struct {
	Report   *approval.Report
	Statuses []approval.Status
	Query    string
}

func (s *Server) reqReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, err := s.Approval.Report(ctx, authz.From(ctx), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg := s.newPage(r, "req.report.title", &reqReportData{Report: rep, Statuses: approval.Statuses[1:], Query: r.URL.RawQuery})
	pg.Nav = "requests"
	s.render(w, r, http.StatusOK, "approval_report", pg)
}

func (s *Server) reqReportXLSX(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, err := s.Approval.Report(ctx, authz.From(ctx), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="request-report.xlsx"`)
	if err := approval.WriteReportXLSX(w, rep); err != nil {
		s.Logger.Error("report xlsx", "err", err)
	}
}

type reqTypeRow struct {
	Type approval.Type
	JSON string
}

func (s *Server) reqTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Approval.Types(r.Context(), true)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	rows := make([]reqTypeRow, len(ts))
	for i, t := range ts {
		b, _ := json.MarshalIndent(t, "", "  ")
		rows[i] = reqTypeRow{Type: t, JSON: string(b)}
	}
	pg := s.newPage(r, "req.types.title", rows)
	pg.Nav = "requests"
	pg.Flash = reqFlash(pg, r)
	s.render(w, r, http.StatusOK, "approval_types", pg)
}

func (s *Server) reqTypeSave(w http.ResponseWriter, r *http.Request) {
	var t approval.Type
	if err := json.Unmarshal([]byte(r.FormValue("definition")), &t); err != nil {
		s.failErr(w, r, apperr.E(apperr.Invalid, "approval.err.definition_valid_json", err))
		return
	}
	if t.Key != r.PathValue("key") {
		s.failErr(w, r, apperr.E(apperr.Invalid, "approval.err.key_request_type_cannot_change"))
		return
	}
	if err := s.Approval.SaveType(r.Context(), authz.From(r.Context()), t); err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/request-types?done=type_saved", http.StatusSeeOther)
}

// orgScope turns a ledger scope into the organisation's unit scope.
func orgScope(sc approval.Scope) authz.Scope { return authz.Scope{All: sc.All, Paths: sc.Paths} }

// ---- inbox ----

type inboxRow struct {
	approval.Notice
	Link string
}

type inboxData struct {
	Rows  []inboxRow
	Pager webui.Pager
	After string // this page's cursor: marking a notice read comes back to the page
}

// inbox is the reader's notices, PageSize a page, newest first.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pr, err := paging.FromQuery(r.URL.Query(), approval.PageSize)
	var res approval.Page[approval.Notice]
	if err == nil {
		res, err = s.Approval.InboxPage(ctx, authz.From(ctx).PersonID, pr)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := &inboxData{Rows: make([]inboxRow, len(res.Rows)), Pager: webui.NewPager(r, res.Next, "", len(res.Rows), res.Total), After: pr.After.String()}
	for i, n := range res.Rows {
		d.Rows[i] = inboxRow{Notice: n, Link: noticeLink(n.Ref)}
	}
	pg := s.newPage(r, "inbox.title", d)
	pg.Nav = "inbox"
	s.render(w, r, http.StatusOK, "approval_inbox", pg)
}

func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.FormValue("id"), 10, 64)
	if err := s.Approval.MarkRead(ctx, authz.From(ctx).PersonID, id); err != nil {
		s.failErr(w, r, err)
		return
	}
	back := "/inbox"
	if c, err := paging.Parse(r.FormValue("after")); err == nil && !c.IsZero() {
		back += "?after=" + c.String()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// noticeLink turns a notice's ref into a link ("request:12" → the request).
func noticeLink(ref string) string {
	switch {
	case ref == "request:overdue":
		return "/requests/overdue"
	case strings.HasPrefix(ref, "request:"):
		return "/requests/" + strings.TrimPrefix(ref, "request:")
	case strings.HasPrefix(ref, "incident:"):
		return "/incidents/" + strings.TrimPrefix(ref, "incident:")
	case strings.HasPrefix(ref, "selfcheck:"):
		return "/selfcheck/campaigns/" + strings.TrimPrefix(ref, "selfcheck:") + "/my"
	case strings.HasPrefix(ref, "tracker:"):
		return "/actions/" + strings.TrimPrefix(ref, "tracker:")
	case strings.HasPrefix(ref, "auditeng:plan:"):
		return "/audits/plans/" + strings.TrimPrefix(ref, "auditeng:plan:")
	case strings.HasPrefix(ref, "auditeng:"):
		return "/audits/engagements/" + strings.TrimPrefix(ref, "auditeng:")
	case strings.HasPrefix(ref, "policy:"):
		return "/policies/" + strings.TrimPrefix(ref, "policy:") + "/read"
	case strings.HasPrefix(ref, "training:"):
		return "/training"
	case strings.HasPrefix(ref, "risk.campaign:"):
		return "/risks/campaigns/" + strings.TrimPrefix(ref, "risk.campaign:")
	case strings.HasPrefix(ref, "medium:"):
		return "/inventory/medium/" + strings.TrimPrefix(ref, "medium:")
	}
	return ""
}
