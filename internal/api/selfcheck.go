package api

import (
	"net/http"
	"strconv"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
)

func init() {
	RegisterSchema("SelfcheckCampaign", selfcheck.Campaign{})
	RegisterSchema("SelfcheckCampaignList", []selfcheck.Campaign{})
	RegisterSchema("SelfcheckCampaignInput", CampaignInput{})
	RegisterSchema("SelfcheckItemList", []selfcheck.Item{})
	RegisterSchema("SelfcheckItemsInput", ItemsInput{})
	RegisterSchema("SelfcheckItemInput", ItemInput{})
	RegisterSchema("SelfcheckPublishInput", PublishInput{})
	RegisterSchema("SelfcheckPublishResult", selfcheck.PublishResult{})
	RegisterSchema("SelfcheckMyList", []MyChecklistSummary{})
	RegisterSchema("SelfcheckChecklist", ChecklistDoc{})
	RegisterSchema("SelfcheckAnswerInput", AnswerInput{})
	RegisterSchema("SelfcheckAnswer", AnswerDoc{})
	RegisterSchema("SelfcheckProgress", ProgressDoc{})
	RegisterSchema("SelfcheckRollup", RollupDoc{})
	RegisterSchema("SelfcheckItemStats", ItemStatsDoc{})
	RegisterSchema("SelfcheckRemindInput", RemindInput{})
	RegisterSchema("SelfcheckCount", CountDoc{})
}

func (a *API) selfcheckRoutes() []Route {
	if a.Selfcheck == nil {
		return nil
	}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	item := Param{Name: "item", In: "path", Type: "integer", Required: true}
	const base = "/api/v1/selfcheck/campaigns"
	return []Route{
		{Method: "GET", Path: base, Perm: authz.SelfcheckFollow,
			Summary: "List self-inspection campaigns, newest first, one page at a time (next page: Link rel=next or X-Next-Cursor)",
			Handler: a.scCampaigns, Response: "SelfcheckCampaignList", Params: httpx.PageParams(selfcheck.CampaignsPerPage)},
		{Method: "POST", Path: base, Perm: authz.SelfcheckAdmin, Summary: "Create a draft campaign",
			Handler: a.scCreate, Body: "SelfcheckCampaignInput", Response: "SelfcheckCampaign"},
		{Method: "GET", Path: base + "/{id}", Perm: authz.SelfcheckFollow, Summary: "One campaign",
			Handler: a.scCampaign, Params: []Param{id}, Response: "SelfcheckCampaign"},
		{Method: "GET", Path: base + "/{id}/items", Perm: authz.SelfcheckFollow,
			Summary: "A campaign's items with their roles, in order, one page at a time (next page: Link rel=next or X-Next-Cursor)",
			Handler: a.scItems, Response: "SelfcheckItemList", Params: append([]Param{id,
				{Name: "unmapped", In: "query", Type: "boolean", Description: "only the items no role answers yet (publishing refuses them)"}},
				httpx.PageParams(selfcheck.ItemsPerPage)...)},
		{Method: "POST", Path: base + "/{id}/items", Perm: authz.SelfcheckAdmin,
			Summary: "Add requirements of a catalog edition (all, or the refs given; a section brings its requirements)",
			Handler: a.scAddItems, Params: []Param{id}, Body: "SelfcheckItemsInput", Response: "SelfcheckItemList"},
		{Method: "PATCH", Path: base + "/{id}/items/{item}", Perm: authz.SelfcheckAdmin,
			Summary: "Rewrite an item's question or change its roles (roles only while a draft); answers the first page of items",
			Handler: a.scUpdateItem, Params: []Param{id, item}, Body: "SelfcheckItemInput", Response: "SelfcheckItemList"},
		{Method: "POST", Path: base + "/{id}/publish", Perm: authz.SelfcheckAdmin,
			Summary: "Publish: make every person's checklist from the roles they hold on the day",
			Handler: a.scPublish, Params: []Param{id}, Body: "SelfcheckPublishInput", Response: "SelfcheckPublishResult"},
		{Method: "POST", Path: base + "/{id}/close", Perm: authz.SelfcheckAdmin, Summary: "Close a campaign",
			Handler: a.scClose, Params: []Param{id}, Response: "SelfcheckCampaign"},
		{Method: "GET", Path: "/api/v1/selfcheck/my", Perm: authz.SelfcheckAnswer, Summary: "My checklists",
			Handler: a.scMine, Response: "SelfcheckMyList"},
		{Method: "GET", Path: base + "/{id}/my", Perm: authz.SelfcheckAnswer, Summary: "My checklist in a campaign",
			Handler: a.scMy, Params: []Param{id}, Response: "SelfcheckChecklist"},
		{Method: "PUT", Path: base + "/{id}/answers/{item}", Perm: authz.SelfcheckAnswer,
			Summary: "Save my answer to an item (durable when answered 200)",
			Handler: a.scAnswer, Params: []Param{id, item}, Body: "SelfcheckAnswerInput", Response: "SelfcheckAnswer"},
		{Method: "POST", Path: base + "/{id}/submit", Perm: authz.SelfcheckAnswer, Summary: "Submit my completed checklist",
			Handler: a.scSubmit, Params: []Param{id}, Response: "SelfcheckChecklist"},
		{Method: "GET", Path: base + "/{id}/progress", Perm: authz.SelfcheckFollow,
			Summary: "Checklists per unit by status, in the caller's scope: one page of units in tree order, the total over the whole scope",
			Handler: a.scProgress, Params: append([]Param{id}, httpx.PageParams(selfcheck.ProgressPerPage)...), Response: "SelfcheckProgress"},
		{Method: "GET", Path: base + "/{id}/rollup", Perm: authz.SelfcheckFollow,
			Summary: "Answers per unit × section in the caller's scope: one page of unit rows in tree order, the total over the whole scope (per-item figures: /rollup/items)",
			Handler: a.scRollup, Response: "SelfcheckRollup", Params: append([]Param{id,
				{Name: "level", In: "query", Type: "integer", Description: "sum units into their ancestor at this depth (default: each unit)"}},
				httpx.PageParams(selfcheck.RollupPerPage)...)},
		{Method: "GET", Path: base + "/{id}/rollup/items", Perm: authz.SelfcheckFollow,
			Summary: "Answers per item in the caller's scope, weakest first (lowest rate of yes, unrated last), one page at a time",
			Handler: a.scItemStats, Response: "SelfcheckItemStats", Params: append([]Param{id}, httpx.PageParams(selfcheck.ItemsPerPage)...)},
		{Method: "POST", Path: base + "/{id}/remind", Perm: authz.SelfcheckFollow,
			Summary: "Remind everyone in a unit (default: the whole scope) who has not submitted",
			Handler: a.scRemind, Params: []Param{id}, Body: "SelfcheckRemindInput", Response: "SelfcheckCount"},
	}
}

// CampaignInput creates a campaign.
type CampaignInput struct {
	Name       string `json:"name"`
	FiscalYear int    `json:"fiscal_year"`
	OpensOn    string `json:"opens_on"`
	ClosesOn   string `json:"closes_on"`
	RemindDays int    `json:"remind_days"`
}

// ItemsInput adds requirements.
type ItemsInput struct {
	EditionID int64    `json:"edition_id"`
	Refs      []string `json:"refs"`
}

// ItemInput changes an item.
type ItemInput struct {
	Question string   `json:"question"`
	Roles    []string `json:"roles"`
}

// PublishInput names the day whose roles make the checklists (default today).
type PublishInput struct {
	Day string `json:"day"`
}

// AnswerInput is one answer: value yes, partial, no or na (or the Japanese
// label); comment required for partial and no.
type AnswerInput struct {
	Value   string `json:"value"`
	Comment string `json:"comment"`
}

// AnswerDoc is a stored answer.
type AnswerDoc struct {
	ItemID     int64     `json:"item_id"`
	Value      string    `json:"value"`
	Label      string    `json:"label"`
	Comment    string    `json:"comment"`
	AnsweredAt time.Time `json:"answered_at"`
}

func answerDoc(a selfcheck.Answer) AnswerDoc {
	return AnswerDoc{ItemID: a.ItemID, Value: a.Value.String(), Label: a.Value.Label(), Comment: a.Comment, AnsweredAt: a.AnsweredAt}
}

// ChecklistItemDoc is an item of my checklist.
type ChecklistItemDoc struct {
	ItemID   int64      `json:"item_id"`
	Ref      string     `json:"ref"`
	Section  string     `json:"section"`
	Question string     `json:"question"`
	Answer   *AnswerDoc `json:"answer"`
}

// ChecklistDoc is my checklist.
type ChecklistDoc struct {
	Campaign  selfcheck.Campaign  `json:"campaign"`
	Checklist selfcheck.Checklist `json:"checklist"`
	Open      bool                `json:"open"`
	Items     []ChecklistItemDoc  `json:"items"`
}

// MyChecklistSummary is one of my checklists.
type MyChecklistSummary struct {
	Campaign  selfcheck.Campaign  `json:"campaign"`
	Checklist selfcheck.Checklist `json:"checklist"`
}

// ProgressRowDoc is one unit's progress.
type ProgressRowDoc struct {
	UnitID     int64  `json:"unit_id"`
	Unit       string `json:"unit"`
	Depth      int    `json:"depth"`
	NotStarted int    `json:"not_started"`
	InProgress int    `json:"in_progress"`
	Submitted  int    `json:"submitted"`
}

// ProgressDoc is one page of progress in scope: Units holds the page,
// Total every checklist in scope; Next is the cursor of the next page ("" on
// the last).
type ProgressDoc struct {
	Units []ProgressRowDoc `json:"units"`
	Total ProgressRowDoc   `json:"total"`
	Next  string           `json:"next,omitempty"`
}

// RollupDoc is one page of the roll-up: Rows holds the page's units, Total
// the whole scope; Next is the cursor of the next page ("" on the last).
type RollupDoc struct {
	Campaign selfcheck.Campaign    `json:"campaign"`
	Sections []selfcheck.Section   `json:"sections"`
	Rows     []selfcheck.RollupRow `json:"rows"`
	Total    selfcheck.RollupRow   `json:"total"`
	UnitRows int                   `json:"unit_rows"` // rows of every page together
	Next     string                `json:"next,omitempty"`
}

// ItemStatDoc is the answers to one item.
type ItemStatDoc struct {
	ItemID     int64          `json:"item_id"`
	Ref        string         `json:"ref"`
	SectionRef string         `json:"section_ref"`
	Question   string         `json:"question"`
	Counts     selfcheck.Cell `json:"counts"`
	Rate       *float64       `json:"rate"` // share of yes among yes, partial and no; null when none
}

// ItemStatsDoc is one page of item figures, weakest first.
type ItemStatsDoc struct {
	Items []ItemStatDoc `json:"items"`
	Next  string        `json:"next,omitempty"`
}

// RemindInput picks the unit to remind (0: the whole scope).
type RemindInput struct {
	UnitID int64 `json:"unit_id"`
}

// CountDoc reports how many.
type CountDoc struct {
	Count int `json:"count"`
}

func personOf(r *http.Request) (int64, error) {
	p := authz.From(r.Context())
	if p == nil || p.PersonID <= 0 {
		return 0, apperr.E(apperr.Forbidden, "selfcheck.err.account_tied_person_has_checklist")
	}
	return p.PersonID, nil
}

func (a *API) scCampaigns(w http.ResponseWriter, r *http.Request) {
	req, err := paging.FromQuery(r.URL.Query(), selfcheck.CampaignsPerPage)
	var cs []selfcheck.Campaign
	var next string
	if err == nil {
		cs, next, err = a.Selfcheck.CampaignsPage(r.Context(), req)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []selfcheck.Campaign{}
	}
	paging.SetHeaders(w, r, next)
	writeJSON(w, http.StatusOK, cs)
}

func (a *API) scCreate(w http.ResponseWriter, r *http.Request) {
	var in CampaignInput
	if err := readJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Selfcheck.CreateCampaign(r.Context(), selfcheck.Campaign{Name: in.Name, FiscalYear: in.FiscalYear,
		OpensOn: in.OpensOn, ClosesOn: in.ClosesOn, RemindDays: in.RemindDays})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) scCampaign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var c selfcheck.Campaign
		if c, err = a.Selfcheck.Campaign(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, c)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) scItems(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var req paging.Request
	if err == nil {
		req, err = paging.FromQuery(r.URL.Query(), selfcheck.ItemsPerPage)
	}
	var f selfcheck.ItemFilter
	if err == nil {
		f.Unmapped, err = boolParam(r, "unmapped")
	}
	if err == nil {
		var items []selfcheck.Item
		var next string
		if items, next, err = a.Selfcheck.ItemsPage(r.Context(), id, f, req); err == nil {
			if items == nil {
				items = []selfcheck.Item{}
			}
			paging.SetHeaders(w, r, next)
			writeJSON(w, http.StatusOK, items)
			return
		}
	}
	a.fail(w, r, err)
}

// boolParam reads a query flag: absent, "", 0, false (no) or 1, true (yes).
func boolParam(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, apperr.E(apperr.BadRequest, "selfcheck.err.flag", name)
}

func (a *API) scAddItems(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in ItemsInput
	if err == nil {
		err = readJSON(r, &in)
	}
	if err == nil {
		var items []selfcheck.Item
		if items, err = a.Selfcheck.AddItems(r.Context(), id, in.EditionID, in.Refs); err == nil {
			writeJSON(w, http.StatusOK, items)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) scUpdateItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var itemID int64
	if err == nil {
		itemID, err = pathID(r, "item")
	}
	var in ItemInput
	if err == nil {
		err = readJSON(r, &in)
	}
	if err == nil {
		err = a.Selfcheck.UpdateItem(r.Context(), selfcheck.Item{ID: itemID, CampaignID: id, Question: in.Question, Roles: in.Roles})
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.scItems(w, r)
}

func (a *API) scPublish(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in PublishInput
	if err == nil {
		err = readJSON(r, &in)
	}
	if err == nil {
		if in.Day == "" {
			in.Day = a.Selfcheck.Today()
		}
		var res selfcheck.PublishResult
		if res, err = a.Selfcheck.Publish(r.Context(), id, in.Day); err == nil {
			writeJSON(w, http.StatusOK, res)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) scClose(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.Selfcheck.CloseCampaign(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.scCampaign(w, r)
}

func (a *API) scMine(w http.ResponseWriter, r *http.Request) {
	person, err := personOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cls, cs, err := a.Selfcheck.MyChecklists(r.Context(), person)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := []MyChecklistSummary{}
	for _, cl := range cls {
		out = append(out, MyChecklistSummary{Campaign: cs[cl.CampaignID], Checklist: cl})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) myDoc(w http.ResponseWriter, r *http.Request, status int) {
	id, err := pathID(r, "id")
	var person int64
	if err == nil {
		person, err = personOf(r)
	}
	var v *selfcheck.ChecklistView
	if err == nil {
		v, err = a.Selfcheck.MyChecklist(r.Context(), id, person)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	doc := ChecklistDoc{Campaign: v.Campaign, Checklist: v.Checklist, Open: v.Open, Items: []ChecklistItemDoc{}}
	for _, it := range v.Items {
		d := ChecklistItemDoc{ItemID: it.ID, Ref: it.NodeRef, Section: it.SectionTitle, Question: it.Question}
		if it.Answer != nil {
			ad := answerDoc(*it.Answer)
			d.Answer = &ad
		}
		doc.Items = append(doc.Items, d)
	}
	writeJSON(w, status, doc)
}

func (a *API) scMy(w http.ResponseWriter, r *http.Request) { a.myDoc(w, r, http.StatusOK) }

func (a *API) scAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var itemID, person int64
	if err == nil {
		itemID, err = pathID(r, "item")
	}
	if err == nil {
		person, err = personOf(r)
	}
	var in AnswerInput
	if err == nil {
		err = readJSON(r, &in)
	}
	var v selfcheck.Value
	if err == nil {
		v, err = selfcheck.ParseValue(in.Value)
	}
	var ans selfcheck.Answer
	if err == nil {
		ans, err = a.Selfcheck.SaveAnswer(r.Context(), id, person, itemID, v, in.Comment)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, answerDoc(ans))
}

func (a *API) scSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var person int64
	if err == nil {
		person, err = personOf(r)
	}
	if err == nil {
		err = a.Selfcheck.Submit(r.Context(), id, person)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.myDoc(w, r, http.StatusOK)
}

func (a *API) scProgress(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req, err := paging.FromQuery(r.URL.Query(), selfcheck.ProgressPerPage)
	var pg *selfcheck.ProgressPage
	if err == nil {
		pg, err = a.Selfcheck.ProgressPage(r.Context(), authz.From(r.Context()), id, req)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	total := pg.Total
	doc := ProgressDoc{Units: []ProgressRowDoc{}, Total: ProgressRowDoc{Unit: "total", NotStarted: total.NotStarted,
		InProgress: total.InProgress, Submitted: total.Submitted}, Next: pg.Next}
	paging.SetHeaders(w, r, pg.Next)
	for _, row := range pg.Rows {
		doc.Units = append(doc.Units, ProgressRowDoc{UnitID: row.Unit.ID, Unit: row.Unit.Name, Depth: row.Depth,
			NotStarted: row.All.NotStarted, InProgress: row.All.InProgress, Submitted: row.All.Submitted})
	}
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) scRollup(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	level := -1
	if s := r.URL.Query().Get("level"); s != "" {
		if level, err = strconv.Atoi(s); err != nil || level < 0 {
			a.fail(w, r, apperr.E(apperr.BadRequest, "selfcheck.err.level_depth_top_units"))
			return
		}
	}
	req, err := paging.FromQuery(r.URL.Query(), selfcheck.RollupPerPage)
	var pg *selfcheck.RollupPage
	if err == nil {
		pg, err = a.Selfcheck.RollupPage(r.Context(), authz.From(r.Context()), id, level, req)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	doc := RollupDoc{Campaign: pg.Campaign, Sections: pg.Sections, Rows: pg.Rows, Total: pg.Total, UnitRows: pg.UnitRows, Next: pg.Next}
	if doc.Sections == nil {
		doc.Sections = []selfcheck.Section{}
	}
	if doc.Rows == nil {
		doc.Rows = []selfcheck.RollupRow{}
	}
	paging.SetHeaders(w, r, pg.Next)
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) scItemStats(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var req paging.Request
	if err == nil {
		req, err = paging.FromQuery(r.URL.Query(), selfcheck.ItemsPerPage)
	}
	var stats []selfcheck.ItemStat
	var next string
	if err == nil {
		stats, next, err = a.Selfcheck.ItemStatsPage(r.Context(), authz.From(r.Context()), id, req)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	doc := ItemStatsDoc{Items: make([]ItemStatDoc, 0, len(stats)), Next: next}
	for _, st := range stats {
		d := ItemStatDoc{ItemID: st.Item.ID, Ref: st.Item.NodeRef, SectionRef: st.Item.SectionRef, Question: st.Item.Question, Counts: st.Cell}
		if rt := st.Cell.Rate(); rt >= 0 {
			d.Rate = &rt
		}
		doc.Items = append(doc.Items, d)
	}
	paging.SetHeaders(w, r, next)
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) scRemind(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in RemindInput
	if err == nil {
		err = readJSON(r, &in)
	}
	var n int
	if err == nil {
		n, err = a.Selfcheck.Remind(r.Context(), authz.From(r.Context()), id, in.UnitID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CountDoc{Count: n})
}
