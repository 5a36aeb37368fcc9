package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/webui"
)

// selfcheckRoutes are the self-inspection pages; added to the route table
// when the capability is wired.
func (s *Server) selfcheckRoutes() []route {
	if s.Selfcheck == nil {
		return nil
	}
	return []route{
		{"GET /selfcheck", authz.SelfcheckAnswer, s.scHome},
		{"POST /selfcheck/campaigns", authz.SelfcheckAdmin, s.scCreate},
		{"GET /selfcheck/campaigns/{id}", authz.SelfcheckFollow, s.scCampaign},
		{"POST /selfcheck/campaigns/{id}/items", authz.SelfcheckAdmin, s.scAddItems},
		{"POST /selfcheck/campaigns/{id}/items/{item}", authz.SelfcheckAdmin, s.scUpdateItem},
		{"POST /selfcheck/campaigns/{id}/publish", authz.SelfcheckAdmin, s.scPublish},
		{"POST /selfcheck/campaigns/{id}/assign", authz.SelfcheckAdmin, s.scAssignUnmapped},
		{"POST /selfcheck/campaigns/{id}/close", authz.SelfcheckAdmin, s.scClose},
		{"POST /selfcheck/campaigns/{id}/remind", authz.SelfcheckFollow, s.scRemind},
		{"GET /selfcheck/campaigns/{id}/my", authz.SelfcheckAnswer, s.scMy},
		{"POST /selfcheck/campaigns/{id}/my/submit", authz.SelfcheckAnswer, s.scSubmit},
		{"POST /selfcheck/campaigns/{id}/my/{item}", authz.SelfcheckAnswer, s.scSave},
		{"GET /selfcheck/campaigns/{id}/results", authz.SelfcheckFollow, s.scResults},
		{"POST /selfcheck/campaigns/{id}/actions", authz.SelfcheckAdmin, s.scAction},
		{"GET /selfcheck/campaigns/{id}/export.xlsx", authz.SelfcheckFollow, s.scExport},
		{"GET /selfcheck/campaigns/{id}/summary", authz.SelfcheckFollow, s.scSummary},
	}
}

func scID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.E(apperr.NotFound, "selfcheck.err.such", name)
	}
	return id, nil
}

func scBack(w http.ResponseWriter, r *http.Request, path, flash string) {
	http.Redirect(w, r, path+"?done="+flash, http.StatusSeeOther)
}

type scHomeData struct {
	Mine      []selfcheck.Checklist
	Campaigns map[int64]selfcheck.Campaign
	All       []selfcheck.Campaign // one page, newest first (?after=)
	AllPager  webui.Pager
	Admin     bool
	Follow    bool
	Notices   []selfcheck.Notice
	Catalogs  any
}

// scCampaignsPerPage is how many campaigns the self-inspection home lists.
const scCampaignsPerPage = 50

func (s *Server) scHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := authz.From(ctx)
	d := &scHomeData{Admin: p.Can(authz.SelfcheckAdmin), Follow: p.Can(authz.SelfcheckFollow)}
	if p.PersonID > 0 {
		var err error
		if d.Mine, d.Campaigns, err = s.Selfcheck.MyChecklists(ctx, p.PersonID); err != nil {
			s.failErr(w, r, err)
			return
		}
		d.Notices, _ = s.Selfcheck.Notices(ctx, p.PersonID)
	}
	if d.Admin || d.Follow {
		req, err := scPageReq(r, "after", scCampaignsPerPage)
		var next string
		if err == nil {
			d.All, next, err = s.Selfcheck.CampaignsPage(ctx, req)
		}
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		d.AllPager = webui.NewPager(r, next, "campaigns", len(d.All), -1)
	}
	if d.Admin && s.Catalogs != nil {
		d.Catalogs, _ = s.Catalogs.List(ctx)
	}
	pg := s.newPage(r, "sc.title", d)
	pg.Nav = "selfcheck"
	s.render(w, r, http.StatusOK, "selfcheck", pg)
}

func (s *Server) scCreate(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.FormValue("fiscal_year"))
	remind, _ := strconv.Atoi(r.FormValue("remind_days"))
	c, err := s.Selfcheck.CreateCampaign(r.Context(), selfcheck.Campaign{Name: r.FormValue("name"), FiscalYear: year,
		OpensOn: r.FormValue("opens_on"), ClosesOn: r.FormValue("closes_on"), RemindDays: remind})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if ed, _ := strconv.ParseInt(r.FormValue("catalog"), 10, 64); ed > 0 {
		if cat, err := s.Catalogs.Get(r.Context(), ed); err == nil {
			if _, err := s.Selfcheck.AddItems(r.Context(), c.ID, cat.Latest.ID, strings.Fields(r.FormValue("refs"))); err != nil {
				s.failErr(w, r, err)
				return
			}
		}
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", c.ID), "created")
}

type scCampaignData struct {
	Campaign selfcheck.Campaign
	Roles    []selfcheck.RoleName
	Admin    bool
	Today    string
	Catalogs any
	// Progress is one page of progress by unit (?units_after=), Total every
	// checklist in scope.
	Progress      []selfcheck.ProgressRow
	Total         selfcheck.UnitStatus
	ProgressPager webui.Pager
	// Items is one page of the campaign's items (?items_after=), only those
	// without a role with ?items=unmapped; Edit is the item whose form is
	// open (?edit=).
	Items         []selfcheck.Item
	ItemsPager    webui.Pager
	ItemsUnmapped bool
	ItemsTotal    int
	ItemsAfter    string // the cursor of this page of items, kept by the item form
	Edit          int64
	// UnmappedCount counts the items no role answers and Unmapped shows the
	// first of them; PublishRefused is set when publishing came back
	// because of them.
	UnmappedCount  int
	Unmapped       []selfcheck.Item
	PublishRefused bool

	url *url.URL
}

// Rows per page of the campaign page's lists, and how many of the items
// without a role the warning lists before linking to all of them.
const (
	scUnitsPerPage    = 50
	scItemsPerPage    = 50
	scUnmappedPreview = 20
)

// CanEdit reports whether the office may still change items.
func (d *scCampaignData) CanEdit() bool { return d.Admin && d.Campaign.Status != selfcheck.Closed }

// EditURL is this page with the form of item id open.
func (d *scCampaignData) EditURL(id int64) string {
	return scLink(d.url, map[string]string{"edit": strconv.FormatInt(id, 10)}, fmt.Sprintf("item-%d", id))
}

// UnmappedURL lists only the items without a role.
func (d *scCampaignData) UnmappedURL() string {
	return scLink(d.url, map[string]string{"items": "unmapped", "items_after": "", "edit": ""}, "items")
}

// AllItemsURL lists every item again.
func (d *scCampaignData) AllItemsURL() string {
	return scLink(d.url, map[string]string{"items": "", "items_after": "", "edit": ""}, "items")
}

// scLink is u with the parameters set (removed when ""), without the flash
// of the last action, and with #anchor.
func scLink(u *url.URL, set map[string]string, anchor string) string {
	q := u.Query()
	q.Del("done")
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	out := u.Path
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	if anchor != "" {
		out += "#" + anchor
	}
	return out
}

// scPageReq is the page of a list asked for with the cursor param.
func scPageReq(r *http.Request, param string, limit int) (paging.Request, error) {
	c, err := paging.Parse(r.URL.Query().Get(param))
	return paging.Request{After: c, Limit: limit}, err
}

func (s *Server) scCampaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := scID(r, "id")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := authz.From(ctx)
	q := r.URL.Query()
	d := &scCampaignData{Admin: p.Can(authz.SelfcheckAdmin), Today: s.Selfcheck.Today(), url: r.URL,
		ItemsUnmapped: q.Get("items") == "unmapped", ItemsAfter: q.Get("items_after")}
	d.Edit, _ = strconv.ParseInt(q.Get("edit"), 10, 64)
	unitsReq, err := scPageReq(r, "units_after", scUnitsPerPage)
	var itemsReq paging.Request
	if err == nil {
		itemsReq, err = scPageReq(r, "items_after", scItemsPerPage)
	}
	if err == nil {
		d.Campaign, err = s.Selfcheck.Campaign(ctx, id)
	}
	var next string
	if err == nil {
		d.Items, next, err = s.Selfcheck.ItemsPage(ctx, id, selfcheck.ItemFilter{Unmapped: d.ItemsUnmapped}, itemsReq)
	}
	if err == nil && d.Admin {
		d.Roles, err = s.Selfcheck.RoleNames(ctx)
	}
	if err == nil && d.Admin && d.Campaign.Status == selfcheck.Draft {
		if d.UnmappedCount, err = s.Selfcheck.CountUnmapped(ctx, id); err == nil && d.UnmappedCount > 0 {
			d.Unmapped, _, err = s.Selfcheck.ItemsPage(ctx, id, selfcheck.ItemFilter{Unmapped: true},
				paging.Request{Limit: scUnmappedPreview})
		}
	}
	if err == nil && d.Campaign.Status != selfcheck.Draft {
		var pg *selfcheck.ProgressPage
		if pg, err = s.Selfcheck.ProgressPage(ctx, p, id, unitsReq); err == nil {
			d.Progress, d.Total = pg.Rows, pg.Total
			d.ProgressPager = webui.ParamPager(r.URL, "units_after", pg.Next, "progress", len(pg.Rows), pg.Units, "edit")
		}
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.ItemsTotal = d.Campaign.Items
	if d.ItemsUnmapped {
		d.ItemsTotal = d.UnmappedCount
	}
	d.ItemsPager = webui.ParamPager(r.URL, "items_after", next, "items", len(d.Items), d.ItemsTotal, "edit")
	if d.Admin && s.Catalogs != nil && d.Campaign.Status == selfcheck.Draft {
		d.Catalogs, _ = s.Catalogs.List(ctx)
	}
	d.PublishRefused = q.Get("unmapped") != "" && d.UnmappedCount > 0
	pg := s.newPage(r, "sc.campaign.title", d)
	pg.Title = d.Campaign.Name
	pg.Nav = "selfcheck"
	pg.Flash = scFlash(pg, r)
	s.render(w, r, http.StatusOK, "selfcheck_campaign", pg)
}

func scFlash(pg *page, r *http.Request) string {
	if f := r.URL.Query().Get("done"); f != "" {
		return pg.T("sc.done." + f)
	}
	return ""
}

func (s *Server) scAddItems(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		var catID int64
		catID, _ = strconv.ParseInt(r.FormValue("catalog"), 10, 64)
		c, cerr := s.Catalogs.Get(r.Context(), catID)
		if cerr != nil {
			err = cerr
		} else {
			_, err = s.Selfcheck.AddItems(r.Context(), id, c.Latest.ID, strings.Fields(strings.ReplaceAll(r.FormValue("refs"), ",", " ")))
		}
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", id), "items")
}

func (s *Server) scUpdateItem(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	var item int64
	if err == nil {
		item, err = scID(r, "item")
	}
	if err == nil {
		r.ParseForm()
		// The roles are on the form only while the campaign is a draft
		// (roles_shown); elsewhere the item keeps its roles.
		var roles []string
		if r.FormValue("roles_shown") != "" {
			roles = r.Form["roles"]
			if roles == nil {
				roles = []string{}
			}
		}
		err = s.Selfcheck.UpdateItem(r.Context(), selfcheck.Item{ID: item, CampaignID: id, Question: r.FormValue("question"), Roles: roles})
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	// Back to the page of items the form was on.
	q := url.Values{"done": {"item"}}
	for _, k := range []string{"items_after", "items"} {
		if v := r.FormValue(k); v != "" {
			q.Set(k, v)
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/selfcheck/campaigns/%d?%s#item-%d", id, q.Encode(), item), http.StatusSeeOther)
}

func (s *Server) scPublish(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		day := r.FormValue("day")
		if day == "" {
			day = s.Selfcheck.Today()
		}
		_, err = s.Selfcheck.Publish(r.Context(), id, day)
	}
	if apperr.KeyOf(err) == "selfcheck.err.these_items_have_role_answer" {
		// Items nobody answers: back to the campaign, where they are listed
		// with the one-click assignment.
		http.Redirect(w, r, fmt.Sprintf("/selfcheck/campaigns/%d?unmapped=1#unmapped", id), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", id), "published")
}

// scAssignUnmapped gives the chosen role to every item without one.
func (s *Server) scAssignUnmapped(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		_, err = s.Selfcheck.AssignUnmapped(r.Context(), id, r.FormValue("role"))
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", id), "assigned")
}

func (s *Server) scClose(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		err = s.Selfcheck.CloseCampaign(r.Context(), id)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", id), "closed")
}

func (s *Server) scRemind(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		unit, _ := strconv.ParseInt(r.FormValue("unit"), 10, 64)
		_, err = s.Selfcheck.Remind(r.Context(), authz.From(r.Context()), id, unit)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d", id), "reminded")
}

type scMyData struct {
	View   *selfcheck.ChecklistView
	Values []selfcheck.Value
	Items  []scMyItem // one page of the checklist (?after=)
	After  string     // the cursor of this page, kept by the answer forms
	Pager  webui.Pager
	Last   bool // the last page, where the checklist is submitted
	// Editable is false once the campaign stopped taking answers or the
	// checklist was submitted.
	Editable bool
	// Closed says why answers are not taken (empty while they are).
	Closed string
}

// scMyItem is an item of my checklist as the form shows it: the stored
// answer, or what the person typed when the save was refused.
type scMyItem struct {
	selfcheck.ItemAnswer
	Value   selfcheck.Value
	Comment string
	Error   string
}

// scMyPerPage is how many items of a checklist one page shows.
const scMyPerPage = 50

func (s *Server) scMy(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	var v *selfcheck.ChecklistView
	var next string
	after := r.URL.Query().Get("after")
	if err == nil {
		v, next, err = s.myChecklist(r, id, after)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.renderMy(w, r, http.StatusOK, v, after, next, 0, 0, "", "")
}

// myChecklist reads the page of the signed-in person's checklist that
// starts after the cursor after.
func (s *Server) myChecklist(r *http.Request, id int64, after string) (*selfcheck.ChecklistView, string, error) {
	p := authz.From(r.Context())
	if p.PersonID <= 0 {
		return nil, "", apperr.E(apperr.NotFound, "selfcheck.err.account_tied_person_has_checklist")
	}
	c, err := paging.Parse(after)
	if err != nil {
		return nil, "", err
	}
	return s.Selfcheck.MyChecklistPage(r.Context(), id, p.PersonID, paging.Request{After: c, Limit: scMyPerPage})
}

// renderMy shows a page of my checklist (the one after the cursor after,
// next the cursor of the following page); when errMsg is set the save of
// item was refused and the form keeps what was typed.
func (s *Server) renderMy(w http.ResponseWriter, r *http.Request, status int, v *selfcheck.ChecklistView, after, next string,
	item int64, typed selfcheck.Value, comment, errMsg string) {
	pg := s.newPage(r, "sc.my.title", nil)
	d := &scMyData{View: v, Values: selfcheck.Values, Editable: v.Open && v.Checklist.Status != selfcheck.Submitted,
		After: after, Last: next == ""}
	u := *r.URL
	if r.Method != http.MethodGet {
		// A refused save shows the page the form was on.
		u.Path = fmt.Sprintf("/selfcheck/campaigns/%d/my", v.Campaign.ID)
		u.RawQuery = url.Values{"after": {after}}.Encode()
	}
	d.Pager = webui.ParamPager(&u, "after", next, "checklist", len(v.Items), v.Checklist.Total, "edit")
	if !v.Open {
		d.Closed = s.closedMsg(pg, v)
	}
	for _, it := range v.Items {
		mi := scMyItem{ItemAnswer: it}
		if it.Answer != nil {
			mi.Value, mi.Comment = it.Answer.Value, it.Answer.Comment
		}
		if it.ID == item && errMsg != "" {
			mi.Value, mi.Comment, mi.Error = typed, comment, errMsg
		}
		d.Items = append(d.Items, mi)
	}
	pg.Data = d
	pg.Nav = "selfcheck"
	if errMsg != "" {
		pg.Error = errMsg
	} else {
		pg.Flash = scFlash(pg, r)
	}
	s.render(w, r, status, "selfcheck_my", pg)
}

// closedMsg says in the page's language why a checklist takes no answers.
func (s *Server) closedMsg(pg *page, v *selfcheck.ChecklistView) string {
	c := v.Campaign
	if c.Status == selfcheck.Published && s.Selfcheck.Today() < c.OpensOn {
		return pg.T("sc.err.notyet", c.Name, c.OpensOn)
	}
	return pg.T("sc.err.closed", c.Name)
}

// scSave stores one answer from the per-item form and returns to it. A
// refused save shows the checklist again with the reason next to the
// item, in the person's language, and keeps what they typed.
func (s *Server) scSave(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	var item int64
	if err == nil {
		item, err = scID(r, "item")
	}
	var v *selfcheck.ChecklistView
	var next string
	after := r.FormValue("after")
	if err == nil {
		v, next, err = s.myChecklist(r, id, after)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	// The service decides whether the answer is taken (campaign open, item
	// on the checklist, not submitted, comment given); its refusal is shown
	// beside the item in the reader's language.
	comment := r.FormValue("comment")
	value, err := selfcheck.ParseValue(r.FormValue("value"))
	if err == nil {
		_, err = s.Selfcheck.SaveAnswer(r.Context(), id, authz.From(r.Context()).PersonID, item, value, comment)
	}
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.failErr(w, r, err)
			return
		}
		s.renderMy(w, r, statusOf(err), v, after, next, item, value, comment, apperr.Message(err, i18n.FromRequest(r)))
		return
	}
	q := url.Values{"done": {"saved"}}
	if after != "" {
		q.Set("after", after)
	}
	http.Redirect(w, r, fmt.Sprintf("/selfcheck/campaigns/%d/my?%s#item-%d", id, q.Encode(), item), http.StatusSeeOther)
}

func (s *Server) scSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		err = s.Selfcheck.Submit(r.Context(), id, authz.From(r.Context()).PersonID)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d/my", id), "submitted")
}

type scResultsData struct {
	Rollup     *selfcheck.Rollup // Rows: one page of units (?after=)
	RowsPager  webui.Pager
	Bars       template.HTML
	Heat       template.HTML
	Level      int
	Weak       []selfcheck.ItemStat // one page of the items, weakest first (?weak_after=)
	WeakPager  webui.Pager
	Drill      []selfcheck.PersonAnswer // one page (?drill_after=)
	DrillOf    string
	DrillItem  int64
	DrillPager webui.Pager
	// ActionItems are the items the new-action form offers: the weakest,
	// and the one drilled into.
	ActionItems  []selfcheck.ItemStat
	Actions      []selfcheck.Action // one page, by due date (?actions_after=)
	ActionsPager webui.Pager
	Admin        bool

	url *url.URL
}

// DrillURL is this page drilled into the answers to item (the lists keep
// their pages; the drill-down starts at its first).
func (d *scResultsData) DrillURL(item int64) string {
	return scLink(d.url, map[string]string{"item": strconv.FormatInt(item, 10), "drill_after": ""}, "drill")
}

// Rows per page of the results page's lists, and how many of the weakest
// items the action form offers.
const (
	scRollupPerPage  = 25
	scWeakPerPage    = 15
	scDrillPerPage   = 100
	scActionsPerPage = 50
	scActionItems    = 50
)

func (s *Server) scResults(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := scID(r, "id")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := authz.From(ctx)
	level := -1
	if l, err := strconv.Atoi(r.URL.Query().Get("level")); err == nil && l >= 0 {
		level = l
	}
	req, err := scPageReq(r, "after", scRollupPerPage)
	var rp *selfcheck.RollupPage
	if err == nil {
		rp, err = s.Selfcheck.RollupPage(ctx, p, id, level, req)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ru := rp.Rollup
	d := &scResultsData{Rollup: ru, Level: level, Admin: p.Can(authz.SelfcheckAdmin), url: r.URL,
		RowsPager: webui.ParamPager(r.URL, "after", rp.Next, "rollup", len(ru.Rows), rp.UnitRows, "edit"),
		Bars:      stackedBars(ru, i18n.FromRequest(r)), Heat: heatMap(ru)}
	d.ActionItems = ru.Items[:min(len(ru.Items), scActionItems)]
	wreq, err := scPageReq(r, "weak_after", scWeakPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var wnext string
	d.Weak, wnext = selfcheck.CutItemStats(ru.Items, wreq)
	d.WeakPager = webui.ParamPager(r.URL, "weak_after", wnext, "weak", len(d.Weak), len(ru.Items), "edit")
	if item, _ := strconv.ParseInt(r.URL.Query().Get("item"), 10, 64); item > 0 {
		unit, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
		dreq, err := scPageReq(r, "drill_after", scDrillPerPage)
		var next string
		if err == nil {
			d.Drill, next, err = s.Selfcheck.ItemAnswersPage(ctx, p, id, item, unit, dreq)
		}
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		d.DrillItem = item
		d.DrillPager = webui.ParamPager(r.URL, "drill_after", next, "drill", len(d.Drill), -1, "edit")
		for i, it := range ru.Items {
			if it.Item.ID == item {
				d.DrillOf = it.Item.NodeRef + " " + it.Item.Question
				if i >= scActionItems {
					d.ActionItems = append(d.ActionItems[:len(d.ActionItems):len(d.ActionItems)], it)
				}
			}
		}
	}
	areq, err := scPageReq(r, "actions_after", scActionsPerPage)
	var anext string
	if err == nil {
		d.Actions, anext, err = s.Selfcheck.ActionsPage(ctx, id, areq)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.ActionsPager = webui.ParamPager(r.URL, "actions_after", anext, "actions", len(d.Actions), -1, "edit")
	pg := s.newPage(r, "sc.results.title", d)
	pg.Nav = "selfcheck"
	pg.Flash = scFlash(pg, r)
	s.render(w, r, http.StatusOK, "selfcheck_results", pg)
}

func (s *Server) scAction(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err == nil {
		item, _ := strconv.ParseInt(r.FormValue("item"), 10, 64)
		unit, _ := strconv.ParseInt(r.FormValue("unit"), 10, 64)
		owner, _ := strconv.ParseInt(r.FormValue("owner"), 10, 64)
		a := selfcheck.Action{CampaignID: id, ItemID: item, UnitID: unit, Title: r.FormValue("title"), OwnerID: owner,
			DueOn: r.FormValue("due_on"), Note: r.FormValue("note"), Status: selfcheck.ActionStatus(r.FormValue("status"))}
		if aid, _ := strconv.ParseInt(r.FormValue("id"), 10, 64); aid > 0 {
			a.ID = aid
			_, err = s.Selfcheck.UpdateAction(r.Context(), a)
		} else {
			_, err = s.Selfcheck.CreateAction(r.Context(), a)
		}
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	scBack(w, r, fmt.Sprintf("/selfcheck/campaigns/%d/results", id), "action")
}

func (s *Server) scExport(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	unit, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="selfcheck-%d.xlsx"`, id))
	if err := s.Selfcheck.ExportXLSX(r.Context(), authz.From(r.Context()), id, unit, w); err != nil {
		w.Header().Del("Content-Disposition")
		s.failErr(w, r, err)
	}
}

func (s *Server) scSummary(w http.ResponseWriter, r *http.Request) {
	id, err := scID(r, "id")
	var sum *selfcheck.Summary
	if err == nil {
		sum, err = s.Selfcheck.Summarise(r.Context(), authz.From(r.Context()), id)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	pg := s.newPage(r, "sc.summary.title", sum)
	pg.Nav = "selfcheck"
	s.render(w, r, http.StatusOK, "selfcheck_summary", pg)
}

// Charts are SVG drawn here with presentation attributes only (the CSP
// forbids inline styles).

var (
	colYes     = "#2e7d32"
	colPartial = "#f9a825"
	colNo      = "#c62828"
	colNA      = "#9e9e9e"
)

func esc(s string) string { return template.HTMLEscapeString(s) }

// stackedBars draws one bar per unit: shares of each answer.
func stackedBars(ru *selfcheck.Rollup, lang i18n.Lang) template.HTML {
	const w, rowH, label = 640.0, 22.0, 200.0
	rows := ru.Rows
	if len(rows) > 60 {
		rows = rows[:60]
	}
	h := rowH*float64(len(rows)) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="units">`, w, h)
	for i, row := range rows {
		y := float64(i) * rowH
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12" text-anchor="end">%s</text>`, label-6, y+15, esc(row.Unit.Name))
		t := row.Total
		n := float64(t.Answered())
		x := label
		for _, part := range []struct {
			v   int
			col string
		}{{t.Yes, colYes}, {t.Partial, colPartial}, {t.No, colNo}, {t.NA, colNA}} {
			if n == 0 || part.v == 0 {
				continue
			}
			pw := (w - label - 10) * float64(part.v) / n
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="%s"><title>%d</title></rect>`,
				x, y+3, pw, rowH-6, part.col, part.v)
			x += pw
		}
	}
	ly := h - 12
	for i, l := range []struct{ name, col string }{{i18n.T(lang, "selfcheck.value.yes"), colYes}, {i18n.T(lang, "selfcheck.value.partial"), colPartial},
		{i18n.T(lang, "selfcheck.value.no"), colNo}, {i18n.T(lang, "selfcheck.value.na"), colNA}} {
		x := label + float64(i)*110
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f" font-size="11">%s</text>`,
			x, ly-9, l.col, x+14, ly, l.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// heatMap colours each unit × section cell by its rate of 実施.
func heatMap(ru *selfcheck.Rollup) template.HTML {
	const cw, ch, label, top = 56.0, 22.0, 200.0, 40.0
	rows := ru.Rows
	if len(rows) > 60 {
		rows = rows[:60]
	}
	w := label + cw*float64(len(ru.Sections)) + 10
	h := top + ch*float64(len(rows)) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="heat map">`, w, h)
	for j, sec := range ru.Sections {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="middle"><title>%s</title>%s</text>`,
			label+cw*float64(j)+cw/2, top-10, esc(sec.Title), esc(sec.Ref))
	}
	for i, row := range rows {
		y := top + float64(i)*ch
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12" text-anchor="end">%s</text>`, label-6, y+15, esc(row.Unit.Name))
		for j, c := range row.Cells {
			x := label + cw*float64(j)
			fill, txt := "#eeeeee", "—"
			if rt := c.Rate(); rt >= 0 {
				// red (0 %) → amber → green (100 %)
				red := int(200 * (1 - rt))
				green := int(60 + 140*rt)
				fill, txt = fmt.Sprintf("#%02x%02x50", red+40, green), fmt.Sprintf("%.0f", rt*100)
			}
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="%s" stroke="#ffffff"><title>%s %s: %s</title></rect>`,
				x, y, cw, ch, fill, esc(row.Unit.Name), esc(ru.Sections[j].Ref), c.Percent())
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="middle" fill="#ffffff">%s</text>`, x+cw/2, y+15, txt)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
