package incident

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

// pages are the incident pages.
type pages struct {
	svc *Service
	kit *webui.Kit
}

func (h *pages) page(r *http.Request, title string, data any) *webui.Page {
	p := h.kit.Page(r, title, data)
	p.Nav = "incidents"
	p.Flash = p.Done(r, "incident.done.")
	return p
}

func me(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

// indexData is the incidents home: one's reports (paged), tasks and
// measures, and for the CSIRT and the CISO the first open incidents (the
// rest are on the ledger).
type indexData struct {
	Mine       []StatusView
	MinePager  webui.Pager
	Work       Work
	TasksPager webui.Pager // one's tasks, PageSize a page (?tasks_after=)
	Open       []Incident
	OpenTotal  int
	OpenMore   bool
	Seer       bool
	Ledger     bool
	Cfg        Config
	Overdue    []AuthorityNotice
}

func (h *pages) index(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), me(r)
	var d indexData
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	mine, err := h.svc.MinePage(ctx, p, pr)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.Mine, d.MinePager = mine.Rows, webui.NewPager(r, mine.Next, "mine", len(mine.Rows), mine.Total)
	tc, err := paging.Parse(r.URL.Query().Get(tasksAfter))
	if err == nil {
		d.Work, err = h.svc.MyWork(ctx, p, paging.Request{After: tc, Limit: PageSize})
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.TasksPager = webui.ParamPager(r.URL, tasksAfter, d.Work.TasksNext, "mytasks", len(d.Work.Tasks), d.Work.TasksTotal)
	if d.Cfg, err = h.svc.Config(ctx); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.Seer, d.Ledger = seer(p), p.Can(Ledger)
	if d.Ledger {
		open, err := h.svc.ListPage(ctx, p, Filter{Level: -2, Open: "open"}, paging.Request{Limit: PageSize})
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		d.Open, d.OpenTotal, d.OpenMore = open.Rows, open.Total, open.Next != ""
	}
	h.kit.Render(w, r, http.StatusOK, "incident_index", h.page(r, "incident.title", d))
}

// formData is the report form (signed in or external).
type formData struct {
	V        Input
	External bool
	Sent     int64
}

func (h *pages) newForm(w http.ResponseWriter, r *http.Request) {
	h.kit.Render(w, r, http.StatusOK, "incident_new", h.page(r, "incident.new.title", formData{V: Input{Personal: PersonalUnknown}}))
}

func formInput(r *http.Request) Input {
	n, _ := strconv.Atoi(strings.TrimSpace(r.FormValue("personal_count")))
	return Input{Title: r.FormValue("title"), What: r.FormValue("what"), NoticedAt: r.FormValue("noticed_at"), Refs: r.FormValue("refs"),
		Personal: r.FormValue("personal"), PersonalCount: n, FirstActions: r.FormValue("first_actions"),
		Name: r.FormValue("name"), Contact: r.FormValue("contact")}
}

func (h *pages) create(w http.ResponseWriter, r *http.Request) {
	in := formInput(r)
	x, err := h.svc.File(r.Context(), me(r), in)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			pg := h.page(r, "incident.new.title", formData{V: in})
			pg.Error = webui.Message(r, err)
			h.kit.Render(w, r, http.StatusBadRequest, "incident_new", pg)
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/incidents/%d", x.ID), "filed")
}

// externalForm is the public reporting window (no sign-in).
func (h *pages) externalForm(w http.ResponseWriter, r *http.Request) {
	d := formData{External: true, V: Input{Personal: PersonalUnknown}}
	if id, err := strconv.ParseInt(r.URL.Query().Get("sent"), 10, 64); err == nil {
		d.Sent = id
	}
	h.kit.Render(w, r, http.StatusOK, "incident_external", h.kit.Page(r, "incident.external.title", d))
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *pages) externalCreate(w http.ResponseWriter, r *http.Request) {
	in := formInput(r)
	x, err := h.svc.FileExternal(r.Context(), in, clientAddr(r))
	if err != nil {
		status := apperr.HTTPStatus(err)
		if _, limited := err.(*Limited); limited {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "3600")
		}
		if status == http.StatusInternalServerError {
			h.kit.Fail(w, r, err)
			return
		}
		pg := h.kit.Page(r, "incident.external.title", formData{V: in, External: true})
		pg.Error = webui.Message(r, err)
		h.kit.Render(w, r, status, "incident_external", pg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/incident-report?sent=%d", x.ID), http.StatusSeeOther)
}

// showData is the incident page.
type showData struct {
	D       Detail
	Cfg     Config
	ISSOs   []org.Assignment
	People  []org.Person
	Me      int64
	Now     time.Time
	Kinds   []string
	Levels  []Level
	MyTasks []Task
}

func (h *pages) show(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), me(r)
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d, err := h.svc.Get(ctx, p, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := showData{D: d, Me: p.PersonID, Now: h.svc.Now(), Kinds: ManualKinds}
	if data.Cfg, err = h.svc.Config(ctx); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if !d.StatusOnly {
		for _, t := range d.Tasks {
			if t.PersonID == p.PersonID && p.PersonID != 0 && t.AnsweredAt.IsZero() {
				data.MyTasks = append(data.MyTasks, t)
			}
		}
		if d.Can.Triage {
			if data.ISSOs, err = h.svc.ISSOs(ctx, p); err != nil {
				h.kit.Fail(w, r, err)
				return
			}
		}
		if d.Can.Assign || d.Can.Measure || d.Can.Triage {
			if data.People, err = h.svc.People(ctx, p); err != nil {
				h.kit.Fail(w, r, err)
				return
			}
		}
	}
	title := "incident.show.title"
	if d.StatusOnly {
		title = "incident.status.title"
	}
	pg := h.page(r, title, data)
	pg.Title = pg.T(title, id)
	h.kit.Render(w, r, http.StatusOK, "incident_show", pg)
}

// act wraps a post on one incident: parse the id, run fn, redirect back.
func (h *pages) act(flash string, fn func(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if err := fn(r.Context(), me(r), id, r); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		webui.SeeOther(w, r, fmt.Sprintf("/incidents/%d", id), flash)
	}
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return id
}

func pathSub(r *http.Request, name string) (int64, error) { return httpx.PathID(r, name) }

func (h *pages) triage(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	t := TriageInput{Incident: r.FormValue("decision") == "incident", Reason: r.FormValue("reason"), Category: r.FormValue("category"),
		OwnerID: formID(r, "owner_id"), Instruction: r.FormValue("instruction")}
	if r.FormValue("decision") == "" {
		return apperr.E(apperr.Invalid, "incident.err.decision")
	}
	lv, err := strconv.Atoi(r.FormValue("level"))
	if err != nil && t.Incident {
		return apperr.E(apperr.Invalid, "incident.err.level", r.FormValue("level"))
	}
	t.Level = lv
	for _, v := range r.Form["check_same"] {
		if pid, err := strconv.ParseInt(v, 10, 64); err == nil {
			t.CheckSame = append(t.CheckSame, pid)
		}
	}
	_, err = h.svc.Triage(ctx, p, id, t)
	return err
}

func (h *pages) record(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	_, err := h.svc.AddEntry(ctx, p, id, r.FormValue("kind"), r.FormValue("body"), formID(r, "corrects"))
	return err
}

func (h *pages) assign(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	_, err := h.svc.AssignTask(ctx, p, id, formID(r, "person_id"), r.FormValue("kind"), r.FormValue("instruction"))
	return err
}

func (h *pages) answer(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	tid, err := pathSub(r, "tid")
	if err != nil {
		return err
	}
	return h.svc.AnswerTask(ctx, p, id, tid, r.FormValue("answer"))
}

func (h *pages) sent(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	nid, err := pathSub(r, "nid")
	if err != nil {
		return err
	}
	return h.svc.MarkSent(ctx, p, id, nid, r.FormValue("content"), r.FormValue("sent_at"))
}

func (h *pages) recurrence(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	_, err := h.svc.FileRecurrence(ctx, p, id, r.FormValue("cause"), r.FormValue("prevention"))
	return err
}

func (h *pages) measure(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	_, err := h.svc.AddMeasure(ctx, p, id, r.FormValue("title"), formID(r, "owner_id"), r.FormValue("due_on"))
	return err
}

func (h *pages) measureUpdate(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	mid, err := pathSub(r, "mid")
	if err != nil {
		return err
	}
	return h.svc.UpdateMeasure(ctx, p, id, mid, r.FormValue("status"), r.FormValue("note"))
}

func (h *pages) close(ctx context.Context, p *authz.Principal, id int64, r *http.Request) error {
	_, err := h.svc.Close(ctx, p, id, r.FormValue("lessons"))
	return err
}

// timelineTable is the timeline as a sheet.
func timelineTable(lang i18n.Lang, in Incident, tl []Entry) tabular.Table {
	t := tabular.Table{Name: i18n.T(lang, "incident.sheet.timeline"), Widths: []float64{6, 18, 16, 14, 80, 8},
		Header: []string{"#", i18n.T(lang, "incident.col.at"), i18n.T(lang, "incident.col.by"), i18n.T(lang, "incident.col.kind"),
			i18n.T(lang, "incident.col.body"), i18n.T(lang, "incident.col.corrects")}}
	for _, e := range tl {
		var corr any = ""
		if e.Corrects != 0 {
			corr = e.Corrects
		}
		t.Rows = append(t.Rows, []any{e.ID, e.At.Local(), e.ActorName, i18n.T(lang, "incident.kind."+e.Kind), e.Body, corr})
	}
	return t
}

func (h *pages) timelineXLSX(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, tl, err := h.svc.Timeline(r.Context(), me(r), id, "timeline.xlsx")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	writeXLSX(w, r, fmt.Sprintf("incident-%d-timeline.xlsx", id), h.kit, timelineTable(i18n.FromRequest(r), in, tl))
}

func writeXLSX(w http.ResponseWriter, r *http.Request, name string, kit *webui.Kit, tables ...tabular.Table) {
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, tables...); err != nil {
		kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

type printData struct {
	In       Incident
	Timeline []Entry
	Cfg      Config
	Printed  time.Time
}

func (h *pages) print(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, tl, err := h.svc.Timeline(r.Context(), me(r), id, "print")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	cfg, err := h.svc.Config(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := h.page(r, "incident.print.title", printData{In: in, Timeline: tl, Cfg: cfg, Printed: h.svc.Now()})
	pg.Title = pg.T("incident.print.title", id)
	h.kit.Render(w, r, http.StatusOK, "incident_print", pg)
}

// ledgerData is the インシデント台帳: one page of it, and the figures of
// every incident the filters select.
type ledgerData struct {
	Rows  []Incident
	Pager webui.Pager
	Stats Stats
	Chart template.HTML
	Cfg   Config
	Units []org.Unit
	F     url.Values
	Query string // the filters, for the spreadsheet link (not paged)
}

func ledgerFilter(q url.Values, units []org.Unit) Filter {
	f := Filter{From: q.Get("from"), To: q.Get("to"), Category: q.Get("category"), Open: q.Get("state"), Level: -2}
	if lv, err := strconv.Atoi(q.Get("level")); err == nil {
		f.Level = lv
	}
	if uid, err := strconv.ParseInt(q.Get("unit"), 10, 64); err == nil {
		for _, u := range units {
			if u.ID == uid {
				f.UnitPath = u.Path
			}
		}
		if f.UnitPath == "" {
			f.UnitPath = "/none/"
		}
	}
	if f.Open != "open" && f.Open != "closed" {
		f.Open = ""
	}
	return f
}

func (h *pages) ledger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d ledgerData
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	if err == nil {
		d.Units, err = h.svc.Units(ctx)
	}
	if err == nil {
		d.Cfg, err = h.svc.Config(ctx)
	}
	d.F = r.URL.Query()
	d.Query = paging.Filters(d.F)
	f := ledgerFilter(d.F, d.Units)
	var res Page[Incident]
	if err == nil {
		res, d.Stats, err = h.svc.LedgerPage(ctx, me(r), f, pr)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.Rows, d.Pager = res.Rows, webui.NewPager(r, res.Next, "ledger", len(res.Rows), res.Total)
	d.Chart = MonthlyChart(d.Stats.Months, i18n.T(i18n.FromRequest(r), "incident.chart.monthly"))
	h.kit.Render(w, r, http.StatusOK, "incident_ledger", h.page(r, "incident.ledger.title", d))
}

// LedgerTable is the ledger as a sheet.
func LedgerTable(lang i18n.Lang, cfg Config, xs []Incident) tabular.Table {
	col := func(k string) string { return i18n.T(lang, "incident.col."+k) }
	t := tabular.Table{Name: i18n.T(lang, "incident.sheet.ledger"), Widths: []float64{6, 40, 18, 18, 16, 16, 14, 10, 14, 10, 18, 18, 40, 40},
		Header: []string{"#", col("title"), col("noticed"), col("reported"), col("reporter"), col("unit"), col("category"), col("level"),
			col("status"), col("personal"), col("triaged"), col("closed"), col("cause"), col("prevention")}}
	for _, x := range xs {
		who := x.ReporterName
		if x.External {
			who = i18n.T(lang, "incident.external.badge") + " " + x.ExtName
		}
		var level any = ""
		if x.Level >= 0 {
			level = x.Level
		}
		personal := i18n.T(lang, "incident.personal."+x.Personal)
		if x.Personal == PersonalYes && x.PersonalCount > 0 {
			personal += fmt.Sprintf(" (%d)", x.PersonalCount)
		}
		t.Rows = append(t.Rows, []any{x.ID, x.Title, x.NoticedAt.Local(), x.ReportedAt.Local(), who, x.UnitName,
			cfg.CategoryName(x.Category, lang), level, i18n.T(lang, "incident.status."+string(x.Status)), personal,
			x.TriagedAt.Local(), x.ClosedAt.Local(), x.Cause, x.Prevention})
	}
	return t
}

// ledgerXLSX is the whole ledger the filters select, as a spreadsheet.
func (h *pages) ledgerXLSX(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	units, err := h.svc.Units(ctx)
	var cfg Config
	if err == nil {
		cfg, err = h.svc.Config(ctx)
	}
	var xs []Incident
	if err == nil {
		xs, err = h.svc.List(ctx, me(r), ledgerFilter(r.URL.Query(), units))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	writeXLSX(w, r, "incident-ledger.xlsx", h.kit, LedgerTable(i18n.FromRequest(r), cfg, xs))
}

type contactsData struct {
	Rows   []Contact
	Units  []org.Unit
	UnitID int64
}

func (h *pages) contactsData(r *http.Request) (contactsData, error) {
	var d contactsData
	var err error
	if d.Units, err = h.svc.Units(r.Context()); err != nil {
		return d, err
	}
	d.UnitID, _ = strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	d.Rows, err = h.svc.Contacts(r.Context(), me(r), d.UnitID)
	return d, err
}

func (h *pages) contacts(w http.ResponseWriter, r *http.Request) {
	d, err := h.contactsData(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "incident_contacts", h.page(r, "incident.contacts.title", d))
}

// ContactsTable is the emergency contact list as a sheet.
func ContactsTable(lang i18n.Lang, rows []Contact) tabular.Table {
	col := func(k string) string { return i18n.T(lang, "incident.col."+k) }
	t := tabular.Table{Name: i18n.T(lang, "incident.sheet.contacts"), Widths: []float64{28, 20, 16, 18, 14, 30, 50},
		Header: []string{col("role"), col("unit"), col("system"), col("person"), col("means"), col("address"), col("what")}}
	for _, c := range rows {
		t.Rows = append(t.Rows, []any{c.RoleName, c.UnitName, c.System, c.Person, i18n.T(lang, c.Means), c.Address, i18n.T(lang, c.What)})
	}
	return t
}

func (h *pages) contactsXLSX(w http.ResponseWriter, r *http.Request) {
	d, err := h.contactsData(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	writeXLSX(w, r, "emergency-contacts.xlsx", h.kit, ContactsTable(i18n.FromRequest(r), d.Rows))
}

func (h *pages) procedures(w http.ResponseWriter, r *http.Request) {
	cfg, err := h.svc.Config(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "incident_procedures", h.page(r, "incident.procedures.title", cfg))
}

type lessonsData struct {
	Rows  []Lesson
	Pager webui.Pager
	Cfg   Config
}

func (h *pages) lessons(w http.ResponseWriter, r *http.Request) {
	var d lessonsData
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	var res Page[Lesson]
	if err == nil {
		res, err = h.svc.LessonsPage(r.Context(), me(r), pr)
	}
	if err == nil {
		d.Cfg, err = h.svc.Config(r.Context())
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.Rows, d.Pager = res.Rows, webui.NewPager(r, res.Next, "", len(res.Rows), res.Total)
	h.kit.Render(w, r, http.StatusOK, "incident_lessons", h.page(r, "incident.lessons.title", d))
}

type configData struct {
	Cfg  Config
	JSON string
}

func (h *pages) configPage(w http.ResponseWriter, r *http.Request) {
	cfg, err := h.svc.Config(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "incident_config", h.page(r, "incident.config.title", configData{Cfg: cfg, JSON: configJSON(cfg)}))
}

func (h *pages) configSave(w http.ResponseWriter, r *http.Request) {
	raw := r.FormValue("config")
	cfg, err := ParseConfig([]byte(raw))
	if err == nil {
		err = h.svc.SaveConfig(r.Context(), me(r), cfg)
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			cur, _ := h.svc.Config(r.Context())
			pg := h.page(r, "incident.config.title", configData{Cfg: cur, JSON: raw})
			pg.Error = webui.Message(r, err)
			h.kit.Render(w, r, http.StatusBadRequest, "incident_config", pg)
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, "/incidents/config", "config")
}

// tasksAfter is the incidents home's parameter that carries the cursor of
// one's tasks' page, beside the reports' after.
const tasksAfter = "tasks_after"
