package yearly

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/chart"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/webui"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the yearly cycle's web pages.
type pages struct {
	svc *Service
	kit *webui.Kit
	// people lists candidate owners for the plan form (id → name).
	people func(r *http.Request) ([]Person, error)
}

// Person is an owner the plan form offers.
type Person struct {
	ID   int64
	Name string
}

func fiscalYear(r *http.Request) (int, error) {
	fy, err := strconv.Atoi(r.PathValue("fy"))
	if err != nil {
		return 0, apperr.E(apperr.NotFound, "error.path_id", "fy")
	}
	return fy, validYear(fy)
}

type indexData struct {
	Plans    []Plan
	Years    []int
	Current  int
	CanPlan  bool
	CanMake  bool
	Reported map[int]bool
}

func (pg *pages) index(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), authz.From(r.Context())
	plans, err := pg.svc.Plans(ctx, p)
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	years, err := pg.svc.ReportYears(ctx, p)
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	d := indexData{Plans: plans, Years: years, Current: pg.svc.CurrentFiscalYear(), CanPlan: p.Can(PermPlan),
		CanMake: p.Can(PermPlan) || p.Can(PermDecide), Reported: map[int]bool{}}
	for _, y := range years {
		d.Reported[y] = true
	}
	page := pg.kit.Page(r, "yearly.title", d)
	page.Nav = "yearly"
	page.Flash = page.Done(r, "yearly.done.")
	pg.kit.Render(w, r, http.StatusOK, "yearly_index", page)
}

type planData struct {
	FY        int
	Plan      *Plan
	Areas     []string
	People    []Person
	CanPlan   bool
	CanDecide bool
	Draft     bool
	Form      PlanItem
	Error     string
}

func (pg *pages) plan(w http.ResponseWriter, r *http.Request) {
	pg.renderPlan(w, r, http.StatusOK, PlanItem{}, nil)
}

func (pg *pages) renderPlan(w http.ResponseWriter, r *http.Request, status int, form PlanItem, formErr error) {
	ctx, p := r.Context(), authz.From(r.Context())
	fy, err := fiscalYear(r)
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	d := planData{FY: fy, Areas: Areas, CanPlan: p.Can(PermPlan), CanDecide: p.Can(PermDecide), Form: form}
	pl, err := pg.svc.Plan(ctx, p, fy)
	switch {
	case err == nil:
		d.Plan, d.Draft = &pl, pl.Status == PlanDraft
	case !apperr.Is(err, apperr.NotFound) || !p.Can(PermRead):
		pg.kit.Fail(w, r, err)
		return
	}
	if d.CanPlan && pg.people != nil {
		if d.People, err = pg.people(r); err != nil {
			pg.kit.Fail(w, r, err)
			return
		}
	}
	page := pg.kit.Page(r, "yearly.plans", d)
	page.Title = page.T("yearly.plan.title", page.FY(fy))
	page.Nav = "yearly"
	page.Flash = page.Done(r, "yearly.done.")
	if formErr != nil {
		page.Error = webui.Message(r, formErr)
	}
	pg.kit.Render(w, r, status, "yearly_plan", page)
}

// after answers a post: back to target with a flash, or the plan page
// with the error beside the form.
func (pg *pages) after(w http.ResponseWriter, r *http.Request, err error, target, flash string, form PlanItem) {
	if err == nil {
		webui.SeeOther(w, r, target, flash)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict:
		pg.renderPlan(w, r, apperr.HTTPStatus(err), form, err)
	default:
		pg.kit.Fail(w, r, err)
	}
}

func (pg *pages) createPlan(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		_, err = pg.svc.CreatePlan(r.Context(), authz.From(r.Context()), fy, r.FormValue("note"))
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy), "created", PlanItem{})
}

func itemFromForm(r *http.Request) PlanItem {
	owner, _ := strconv.ParseInt(r.FormValue("owner_id"), 10, 64)
	progress, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(r.FormValue("progress")), "%"))
	status := r.FormValue("status")
	if status == "" {
		status = ItemPlanned
	}
	return PlanItem{Title: r.FormValue("title"), Area: r.FormValue("area"), OwnerID: owner, StartsOn: strings.TrimSpace(r.FormValue("starts_on")),
		EndsOn: strings.TrimSpace(r.FormValue("ends_on")), Ref: strings.TrimSpace(r.FormValue("ref")), Status: status,
		Progress: progress, Note: r.FormValue("note")}
}

func (pg *pages) addItem(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	it := itemFromForm(r)
	if err == nil {
		_, err = pg.svc.AddItem(r.Context(), authz.From(r.Context()), fy, it)
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy)+"#items", "item", it)
}

func (pg *pages) updateItem(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	it := itemFromForm(r)
	if err == nil {
		it.ID, err = httpx.PathID(r, "id")
	}
	if err == nil {
		err = pg.svc.UpdateItem(r.Context(), authz.From(r.Context()), fy, it)
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy)+"#items", "item", PlanItem{})
}

func (pg *pages) removeItem(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	var id int64
	if err == nil {
		id, err = httpx.PathID(r, "id")
	}
	if err == nil {
		err = pg.svc.RemoveItem(r.Context(), authz.From(r.Context()), fy, id)
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy)+"#items", "removed", PlanItem{})
}

func (pg *pages) submit(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		err = pg.svc.Submit(r.Context(), authz.From(r.Context()), fy)
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy), "submitted", PlanItem{})
}

func (pg *pages) decide(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	approve := r.FormValue("decision") == "approve"
	if err == nil {
		err = pg.svc.Decide(r.Context(), authz.From(r.Context()), fy, approve, r.FormValue("note"))
	}
	flash := "returned"
	if approve {
		flash = "approved"
	}
	pg.after(w, r, err, "/yearly/"+strconv.Itoa(fy), flash, PlanItem{})
}

// reportView is the report page's data: the sections with each figure
// beside last year's.
type reportView struct {
	FY        int
	Annual    *Annual
	Sections  []sectionView
	Kinds     []string
	CanMake   bool
	CanDecide bool
}

type sectionView struct {
	Title   string
	Anchor  string
	Figures []figureView
	Charts  []template.HTML
	Tables  []tableView
}

type figureView struct {
	Label, Value, Previous, Change string
	Up, Down, Warn                 bool
}

type tableView struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// present translates a report's sections into lang, with the previous
// year's figures matched by key.
func present(lang i18n.Lang, a *Annual) []sectionView {
	prev := map[string]map[string]capability.Figure{}
	if a.Previous != nil {
		for _, s := range a.Previous.Sections {
			m := map[string]capability.Figure{}
			for _, f := range s.Figures {
				m[figKey(f)] = f
			}
			prev[s.Key] = m
		}
	}
	out := make([]sectionView, 0, len(a.Report.Sections))
	for i, s := range a.Report.Sections {
		sv := sectionView{Title: i18n.T(lang, s.Key), Anchor: "s" + strconv.Itoa(i+1)}
		for _, f := range s.Figures {
			unit := capability.UnitText(lang, f.Unit)
			fv := figureView{Label: i18n.T(lang, f.Key, jsonArgs(f.Args)...), Value: capability.FormatValue(f.Value, unit), Warn: f.Warn, Previous: "—"}
			if p, ok := prev[s.Key][figKey(f)]; ok {
				fv.Previous = capability.FormatValue(p.Value, unit)
				diff := f.Value - p.Value
				fv.Change = signed(diff, unit)
				fv.Up, fv.Down = diff > 0, diff < 0
			}
			sv.Figures = append(sv.Figures, fv)
			if len(f.Bars) > 0 {
				bars := make([]chart.Bar, len(f.Bars))
				for j, b := range f.Bars {
					bars[j] = chart.Bar{Label: cellText(lang, b.Label), Value: b.Value}
				}
				max := 0.0
				if f.Unit == "%" {
					max = 100
				}
				sv.Charts = append(sv.Charts, chart.Bars(fv.Label, bars, max, unit))
			}
		}
		for _, t := range s.Tables {
			tv := tableView{Caption: i18n.T(lang, t.Key)}
			for _, h := range t.Header {
				tv.Header = append(tv.Header, i18n.T(lang, h))
			}
			for _, row := range t.Rows {
				cells := make([]string, len(row))
				for j, c := range row {
					cells[j] = cellText(lang, c)
				}
				tv.Rows = append(tv.Rows, cells)
			}
			sv.Tables = append(sv.Tables, tv)
		}
		out = append(out, sv)
	}
	return out
}

func figKey(f capability.Figure) string {
	var b strings.Builder
	b.WriteString(f.Key)
	for _, a := range f.Args {
		b.WriteString("|")
		b.WriteString(strings.TrimSpace(strings.ReplaceAll(template.HTMLEscapeString(toString(a)), "|", "/")))
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// cellText translates a table cell that is a message key; other cells are
// shown as they are.
func cellText(lang i18n.Lang, c string) string {
	if strings.Contains(c, ".") && !strings.ContainsAny(c, " 　/:") && i18n.Has(lang, c) {
		return i18n.T(lang, c)
	}
	return c
}

func signed(d float64, unit string) string {
	if d == 0 {
		return "±0" + unit
	}
	if d > 0 {
		return "+" + capability.FormatValue(d, unit)
	}
	return capability.FormatValue(d, unit)
}

func (pg *pages) report(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), authz.From(r.Context())
	fy, err := fiscalYear(r)
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	v := reportView{FY: fy, Kinds: DecisionKinds, CanMake: p.Can(PermPlan) || p.Can(PermDecide), CanDecide: p.Can(PermDecide)}
	a, err := pg.svc.Report(ctx, p, fy)
	switch {
	case err == nil:
		v.Annual = &a
		v.Sections = present(i18n.FromRequest(r), &a)
	case !apperr.Is(err, apperr.NotFound) || !p.Can(PermRead):
		pg.kit.Fail(w, r, err)
		return
	}
	page := pg.kit.Page(r, "yearly.reports", v)
	page.Title = page.T("yearly.report.title", page.FY(fy))
	page.Nav = "yearly"
	page.Flash = page.Done(r, "yearly.done.")
	if e := r.URL.Query().Get("error"); e != "" && i18n.Has(page.Lang, "yearly.err."+e) {
		page.Error = page.T("yearly.err." + e)
	}
	pg.kit.Render(w, r, http.StatusOK, "yearly_report", page)
}

func (pg *pages) generate(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		_, err = pg.svc.Generate(r.Context(), authz.From(r.Context()), fy)
	}
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, "/yearly/"+strconv.Itoa(fy)+"/report", "generated")
}

func (pg *pages) addDecision(w http.ResponseWriter, r *http.Request) {
	fy, err := fiscalYear(r)
	if err == nil {
		_, err = pg.svc.AddDecision(r.Context(), authz.From(r.Context()), fy, r.FormValue("kind"), r.FormValue("text"))
	}
	if err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, "/yearly/"+strconv.Itoa(fy)+"/report#decisions", "decision")
}

// setDateStyle saves the signed-in person's date style.
func (pg *pages) setDateStyle(w http.ResponseWriter, r *http.Request) {
	if err := pg.svc.SetDateStyle(r.Context(), authz.From(r.Context()), r.FormValue("date_style")); err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, "/account", "prefs")
}

func (pg *pages) annual(w http.ResponseWriter, r *http.Request) (*Annual, bool) {
	fy, err := fiscalYear(r)
	if err == nil {
		var a Annual
		if a, err = pg.svc.Report(r.Context(), authz.From(r.Context()), fy); err == nil {
			return &a, true
		}
	}
	pg.kit.Fail(w, r, err)
	return nil, false
}

func (pg *pages) reportPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := pg.annual(w, r)
	if !ok {
		return
	}
	page := pg.kit.Page(r, "yearly.reports", nil)
	var buf bytes.Buffer
	if err := WritePDF(&buf, page.Lang, a, page.DateStyle); err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	download(w, "application/pdf", fmt.Sprintf("annual-report-%d.pdf", a.Report.FiscalYear), buf.Bytes())
}

func (pg *pages) reportXLSX(w http.ResponseWriter, r *http.Request) {
	a, ok := pg.annual(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, i18n.FromRequest(r), a); err != nil {
		pg.kit.Fail(w, r, err)
		return
	}
	download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		fmt.Sprintf("annual-report-%d.xlsx", a.Report.FiscalYear), buf.Bytes())
}

// download answers a generated file as an attachment.
func download(w http.ResponseWriter, contentType, name string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}

// jsonArgs turns the numbers of message arguments read back from a stored
// report (JSON makes every number a float64) into integers when they are
// whole, so %d formats them.
func jsonArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if f, ok := a.(float64); ok && f == float64(int64(f)) {
			a = int64(f)
		}
		out[i] = a
	}
	return out
}
