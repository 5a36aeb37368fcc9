package training

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/paging"
	"kitei/internal/webui"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Web serves the capability's pages and API over the service.
type Web struct {
	svc *Service
	kit *webui.Kit
}

// NewModule returns the training capability for the composition root.
func NewModule(svc *Service, kit *webui.Kit) capability.Module {
	w := &Web{svc: svc, kit: kit}
	if svc.Logf == nil && kit != nil {
		svc.Logf = kit.Logger.Warn
	}
	return capability.Module{
		Name:     "training",
		Overview: svc.Overview(),
		Pages:    w.pages(),
		API:      w.api(),
		Nav: []webui.NavEntry{{Key: "training", Href: "/training", Label: "nav.training", Order: 45,
			Perms: []authz.Permission{Take, Follow, Admin, Report}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Funcs: template.FuncMap{
			"trPct":  func(u UnitRate) string { return fmt.Sprintf("%.1f", u.Rate()) },
			"trBand": Band,
			"trInc":  func(i int) int { return i + 1 },
		}},
		Jobs: []capability.Job{{Name: "training", Interval: minuteInterval, Run: svc.StartJobs}},
		Serve: func(ctx context.Context, mailer notify.Mailer) error {
			if mailer != nil {
				svc.Mailer = mailer
			}
			return nil
		},
		Matrix: w.matrix,
	}
}

func page(method, path string, perm authz.Permission, h http.HandlerFunc) httpx.Route {
	return httpx.Route{Method: method, Path: path, Perm: perm, Handler: h}
}

func (w *Web) pages() []httpx.Route {
	return []httpx.Route{
		page("GET", "/training", Take, w.myPage),
		page("GET", "/training/courses/{id}", Take, w.coursePage),
		page("POST", "/training/courses/{id}/attempts", Take, w.startPage),
		page("GET", "/training/attempts/{id}", Take, w.attemptPage),
		page("POST", "/training/attempts/{id}", Take, w.submitPage),
		page("GET", "/training/images/{id}", Take, w.image),

		page("GET", "/training/admin", Admin, w.adminPage),
		page("POST", "/training/plans", Admin, w.createPlan),
		page("GET", "/training/plans/{id}", Report, w.planPage),
		page("POST", "/training/plans/{id}/submit", Admin, w.submitPlan),
		page("POST", "/training/plans/{id}/decide", Approve, w.decidePlan),
		page("POST", "/training/courses", Admin, w.createCourse),
		page("GET", "/training/courses/{id}/edit", Admin, w.editPage),
		page("POST", "/training/courses/{id}/edit", Admin, w.saveCourse),
		page("POST", "/training/courses/{id}/images", Admin, w.uploadImage),
		page("POST", "/training/courses/{id}/publish", Admin, w.publish),
		page("POST", "/training/courses/{id}/drill", Admin, w.importDrill),
		page("POST", "/training/assignments/{id}/decide", Admin, w.decideExcuse),
		page("POST", "/training/employment", Admin, w.importEmployment),

		page("GET", "/training/follow", Follow, w.followPage),
		page("POST", "/training/follow/remind", Follow, w.remindPage),
		page("POST", "/training/assignments/{id}/excuse", Follow, w.fileExcuse),
		page("POST", "/training/courses/{id}/attendance", Follow, w.importAttendance),

		page("GET", "/training/results", Report, w.resultsPage),
		page("GET", "/training/results.xlsx", Report, w.resultsXLSX),
		page("GET", "/training/report", Report, w.reportPage),
	}
}

func me(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

func formInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return v
}

// ---- taking

func (w *Web) myPage(rw http.ResponseWriter, r *http.Request) {
	as, err := w.svc.My(r.Context(), me(r))
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	p := w.kit.Page(r, "training.title.my", map[string]any{"Assignments": as, "Today": w.svc.today()})
	p.Nav, p.Flash = "training", p.Done(r, "training.done.")
	w.kit.Render(rw, r, http.StatusOK, "training_my", p)
}

func (w *Web) coursePage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v CourseView
		if v, err = w.svc.OpenCourse(r.Context(), me(r), id); err == nil {
			left := -1
			if v.MaxAttempts > 0 {
				left = max(0, v.MaxAttempts-v.Assignment.Attempts)
			}
			p := w.kit.Page(r, "training.title.course", map[string]any{"V": v, "Left": left})
			p.Title, p.Nav, p.Flash = v.Title, "training", p.Done(r, "training.done.")
			w.kit.Render(rw, r, http.StatusOK, "training_course", p)
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

func (w *Web) startPage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v AttemptView
		if v, err = w.svc.StartAttempt(r.Context(), me(r), id); err == nil {
			http.Redirect(rw, r, "/training/attempts/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

func (w *Web) attemptPage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v AttemptView
		if v, err = w.svc.Attempt(r.Context(), me(r), id); err == nil {
			if v.Submitted {
				http.Redirect(rw, r, "/training/courses/"+strconv.FormatInt(v.CourseID, 10), http.StatusSeeOther)
				return
			}
			p := w.kit.Page(r, "training.title.attempt", v)
			p.Nav = "training"
			w.kit.Render(rw, r, http.StatusOK, "training_attempt", p)
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

// formAnswers reads q<ID>=<choice id> fields of the test form.
func formAnswers(r *http.Request) map[int][]int {
	out := map[int][]int{}
	for k, vs := range r.PostForm {
		if !strings.HasPrefix(k, "q") {
			continue
		}
		qid, err := strconv.Atoi(k[1:])
		if err != nil {
			continue
		}
		for _, v := range vs {
			if c, err := strconv.Atoi(v); err == nil {
				out[qid] = append(out[qid], c)
			}
		}
	}
	return out
}

func (w *Web) submitPage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	// Whose attempt it is decides first; the form is read after.
	res, err := w.svc.SubmitFrom(r.Context(), me(r), id, func() (map[int][]int, error) {
		r.ParseForm()
		return formAnswers(r), nil
	})
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	flash := "failed"
	if res.Passed {
		flash = "passed"
	}
	webui.SeeOther(rw, r, "/training/courses/"+strconv.FormatInt(res.CourseID, 10), flash)
}

func (w *Web) image(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var img Image
		if img, err = w.svc.Image(r.Context(), me(r), id); err == nil {
			// Served as the picture it was checked to be, never as a page.
			rw.Header().Set("Content-Type", img.ContentType)
			rw.Header().Set("X-Content-Type-Options", "nosniff")
			rw.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
			rw.Header().Set("Content-Disposition", "inline")
			rw.Header().Set("Cache-Control", "private, max-age=3600")
			rw.Write(img.Data)
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

// ---- administration

func (w *Web) adminPage(rw http.ResponseWriter, r *http.Request) {
	ctx, pr := r.Context(), me(r)
	cs, err := w.svc.Courses(ctx, pr)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	plans, err := w.svc.Plans(ctx, pr)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	ex, err := w.svc.Excuses(ctx, pr)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	p := w.kit.Page(r, "training.title.admin", map[string]any{"Courses": cs, "Plans": plans, "Excuses": ex,
		"Year": w.svc.CurrentYear(), "Kinds": []string{KindELearning, KindClassroom, KindExternal, KindDrill}})
	p.Nav, p.Flash = "training", p.Done(r, "training.done.")
	w.kit.Render(rw, r, http.StatusOK, "training_admin", p)
}

func (w *Web) createPlan(rw http.ResponseWriter, r *http.Request) {
	pl, err := w.svc.CreatePlan(r.Context(), me(r), Plan{FiscalYear: int(formInt(r, "fiscal_year")), Title: r.FormValue("title"),
		Body: r.FormValue("body")})
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	webui.SeeOther(rw, r, "/training/plans/"+strconv.FormatInt(pl.ID, 10), "created")
}

func (w *Web) planPage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	pl, evs, err := w.svc.Plan(r.Context(), me(r), id)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	var courses []Course
	if cs, err := w.svc.store.Courses(r.Context()); err == nil {
		for _, c := range cs {
			if c.PlanID == pl.ID {
				courses = append(courses, c)
			}
		}
	}
	p := w.kit.Page(r, "training.title.plan", map[string]any{"Plan": pl, "Events": evs, "Body": RenderMarkdown(pl.Body),
		"Courses": courses, "CanAdmin": me(r).Can(Admin), "CanApprove": me(r).Can(Approve)})
	p.Nav, p.Flash = "training", p.Done(r, "training.done.")
	w.kit.Render(rw, r, http.StatusOK, "training_plan", p)
}

func (w *Web) submitPlan(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		if _, err = w.svc.SubmitPlan(r.Context(), me(r), id, r.FormValue("comment")); err == nil {
			webui.SeeOther(rw, r, "/training/plans/"+strconv.FormatInt(id, 10), "submitted")
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

func (w *Web) decidePlan(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		approve := r.FormValue("decision") == "approve"
		if _, err = w.svc.DecidePlan(r.Context(), me(r), id, approve, r.FormValue("comment")); err == nil {
			flash := "returned"
			if approve {
				flash = "approved"
			}
			webui.SeeOther(rw, r, "/training/plans/"+strconv.FormatInt(id, 10), flash)
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

func (w *Web) createCourse(rw http.ResponseWriter, r *http.Request) {
	c, err := w.svc.CreateCourse(r.Context(), me(r), Course{Title: r.FormValue("title"), Kind: r.FormValue("kind"),
		PlanID: formInt(r, "plan_id"), OpensOn: r.FormValue("opens_on"), ClosesOn: r.FormValue("closes_on")})
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	webui.SeeOther(rw, r, "/training/courses/"+strconv.FormatInt(c.ID, 10)+"/edit", "created")
}

// editorSlots is how many empty sections, questions and choices the editor
// offers beyond those already written (the form works without scripts).
const (
	extraSections  = 2
	extraQuestions = 2
	choiceSlots    = 5
)

type editQuestion struct {
	N        int
	Q        Question
	Choices  []Choice
	Multiple bool
}

func (w *Web) editPage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	c, err := w.svc.Course(r.Context(), me(r), id)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	w.renderEditor(rw, r, c, http.StatusOK, "")
}

func (w *Web) renderEditor(rw http.ResponseWriter, r *http.Request, c Course, status int, errText string) {
	secs := append([]Section(nil), c.Sections...)
	for i := 0; i < extraSections; i++ {
		secs = append(secs, Section{})
	}
	var qs []editQuestion
	for i, q := range c.Questions {
		ch := append([]Choice(nil), q.Choices...)
		for len(ch) < choiceSlots {
			ch = append(ch, Choice{})
		}
		qs = append(qs, editQuestion{N: i + 1, Q: q, Choices: ch, Multiple: q.Multiple})
	}
	extra := extraQuestions
	if len(c.Questions) == 0 {
		extra = 5
	}
	for i := 0; i < extra; i++ {
		qs = append(qs, editQuestion{N: len(qs) + 1, Choices: make([]Choice, choiceSlots)})
	}
	var previews []RenderedSection
	for _, s := range c.Sections {
		previews = append(previews, RenderedSection{Heading: s.Heading, HTML: RenderMarkdown(s.Body)})
	}
	plans, _ := w.svc.store.Plans(r.Context())
	units := ""
	if len(c.Audience.Units) > 0 {
		var codes []string
		for _, id := range c.Audience.Units {
			if u, err := w.svc.units.Unit(r.Context(), id); err == nil {
				codes = append(codes, u.Code)
			}
		}
		units = strings.Join(codes, ", ")
	}
	p := w.kit.Page(r, "training.title.edit", map[string]any{"C": c, "Sections": secs, "Questions": qs, "Previews": previews,
		"Plans": plans, "Units": units, "Roles": strings.Join(c.Audience.Roles, ", "),
		"Employment": strings.Join(c.Audience.EmploymentTypes, ", "),
		"Kinds":      []string{KindELearning, KindClassroom, KindExternal, KindDrill}, "Image": r.URL.Query().Get("image")})
	p.Nav, p.Flash, p.Error = "training", p.Done(r, "training.done."), errText
	w.kit.Render(rw, r, status, "training_edit", p)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// courseFromForm reads the editor's form over the stored course.
func (w *Web) courseFromForm(r *http.Request, c Course) (Course, error) {
	c.Title, c.Kind, c.Summary = r.FormValue("title"), r.FormValue("kind"), r.FormValue("summary")
	c.PlanID = formInt(r, "plan_id")
	c.OpensOn, c.ClosesOn = strings.TrimSpace(r.FormValue("opens_on")), strings.TrimSpace(r.FormValue("closes_on"))
	c.PassMark, c.MaxAttempts = int(formInt(r, "pass_mark")), int(formInt(r, "max_attempts"))
	c.NewStaff = r.FormValue("new_staff") != ""
	c.Audience = Audience{All: r.FormValue("aud_all") != "", Roles: splitList(r.FormValue("aud_roles")),
		EmploymentTypes: splitList(r.FormValue("aud_employment"))}
	for _, code := range splitList(r.FormValue("aud_units")) {
		u, err := w.svc.units.UnitByCode(r.Context(), code)
		if err != nil {
			return c, err
		}
		c.Audience.Units = append(c.Audience.Units, u.ID)
	}
	c.Sections = nil
	for i := 0; i < 60; i++ {
		h, b := r.FormValue(fmt.Sprintf("s%d_heading", i)), r.FormValue(fmt.Sprintf("s%d_body", i))
		if _, ok := r.PostForm[fmt.Sprintf("s%d_body", i)]; !ok {
			break
		}
		if strings.TrimSpace(h) == "" && strings.TrimSpace(b) == "" {
			continue
		}
		c.Sections = append(c.Sections, Section{Heading: h, Body: strings.ReplaceAll(b, "\r\n", "\n")})
	}
	c.Questions = nil
	for i := 0; i < 110; i++ {
		pre := fmt.Sprintf("q%d_", i)
		if _, ok := r.PostForm[pre+"text"]; !ok {
			break
		}
		text := strings.TrimSpace(r.FormValue(pre + "text"))
		q := Question{ID: int(formInt(r, pre+"id")), Text: text, Multiple: r.FormValue(pre+"multiple") != ""}
		correct := map[string]bool{}
		for _, v := range r.PostForm[pre+"correct"] {
			correct[v] = true
		}
		any := false
		for j := 0; j < 20; j++ {
			key := fmt.Sprintf("%sc%d", pre, j)
			if _, ok := r.PostForm[key]; !ok {
				break
			}
			t := strings.TrimSpace(r.FormValue(key))
			if t == "" {
				continue
			}
			any = true
			q.Choices = append(q.Choices, Choice{ID: int(formInt(r, key+"_id")), Text: t, Correct: correct[strconv.Itoa(j)]})
		}
		if text == "" && !any {
			continue
		}
		c.Questions = append(c.Questions, q)
	}
	return c, nil
}

func (w *Web) saveCourse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	old, err := w.svc.Course(r.Context(), me(r), id)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	r.ParseForm()
	c, err := w.courseFromForm(r, old)
	if err == nil {
		if _, err = w.svc.SaveCourse(r.Context(), me(r), c); err == nil {
			webui.SeeOther(rw, r, "/training/courses/"+strconv.FormatInt(id, 10)+"/edit", "saved")
			return
		}
	}
	w.renderEditor(rw, r, c, httpStatus(err), webui.Message(r, err))
}

func (w *Web) uploadImage(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		if _, err = w.svc.Course(r.Context(), me(r), id); err == nil {
			var data []byte
			var name string
			if data, name, err = readUpload(r); err == nil {
				var img Image
				if img, err = w.svc.AddImage(r.Context(), me(r), id, name, data); err == nil {
					webui.SeeOther(rw, r, fmt.Sprintf("/training/courses/%d/edit?image=%d", id, img.ID), "uploaded")
					return
				}
			}
		}
	}
	w.kit.Fail(rw, r, err)
}

func readUpload(r *http.Request) ([]byte, string, error) {
	if err := r.ParseMultipartForm(MaxImageSize * 4); err != nil {
		return nil, "", invalid("training.err.file")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, "", invalid("training.err.file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 32<<20+1))
	return data, hdr.Filename, err
}

func (w *Web) publish(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		if _, _, err = w.svc.Publish(r.Context(), me(r), id); err == nil {
			webui.SeeOther(rw, r, "/training/courses/"+strconv.FormatInt(id, 10)+"/edit", "published")
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

func (w *Web) importDrill(rw http.ResponseWriter, r *http.Request) {
	w.importFile(rw, r, w.svc.ImportDrill, "/training/results")
}

func (w *Web) importAttendance(rw http.ResponseWriter, r *http.Request) {
	w.importFile(rw, r, w.svc.ImportAttendance, "/training/follow")
}

func (w *Web) importFile(rw http.ResponseWriter, r *http.Request, fn func(context.Context, *authz.Principal, int64, string, []byte) (int, *tabularReport, error), back string) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	data, name, err := readUpload(r)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	_, rep, err := fn(r.Context(), me(r), id, name, data)
	if err != nil {
		w.importFailed(rw, r, err, rep)
		return
	}
	webui.SeeOther(rw, r, back+"?course="+strconv.FormatInt(id, 10), "imported")
}

func (w *Web) importFailed(rw http.ResponseWriter, r *http.Request, err error, rep *tabularReport) {
	if rep == nil || rep.OK() {
		w.kit.Fail(rw, r, err)
		return
	}
	p := w.kit.Page(r, "error.title", nil)
	rep.Localize(p.Lang)
	var lines []string
	for _, e := range rep.Errors {
		lines = append(lines, fmt.Sprintf("%s %d %s %s: %s", e.Sheet, e.Row, e.Column, e.Value, e.Message))
	}
	p.Error = webui.Message(r, err) + " " + strings.Join(lines, " / ")
	w.kit.Render(rw, r, http.StatusBadRequest, "error", p)
}

func (w *Web) importEmployment(rw http.ResponseWriter, r *http.Request) {
	data, name, err := readUpload(r)
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	if _, rep, err := w.svc.SetEmployment(r.Context(), me(r), name, data); err != nil {
		w.importFailed(rw, r, err, rep)
		return
	}
	webui.SeeOther(rw, r, "/training/admin", "imported")
}

func (w *Web) decideExcuse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		if err = w.svc.DecideExcuse(r.Context(), me(r), id, r.FormValue("decision") == "accept"); err == nil {
			webui.SeeOther(rw, r, "/training/admin", "decided")
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

// ---- following

// followPage is the officer's page: a row per unit in scope and the
// people still to do the course, PageSize a page (?unit= narrows them to a
// unit and the units below it).
func (w *Web) followPage(rw http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	var f Following
	if err == nil {
		f, err = w.svc.FollowPage(r.Context(), me(r), formInt(r, "course"), formInt(r, "unit"), pr)
	}
	if err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	var unitName string
	for _, u := range f.Rates {
		if u.UnitID == f.Unit {
			unitName = u.UnitName
		}
	}
	p := w.kit.Page(r, "training.title.follow", map[string]any{"F": f, "Chart": rateBars(f.Rates, 0), "UnitName": unitName,
		"Pager": webui.NewPager(r, f.Next, "pending", len(f.Pending), f.PendingTotal)})
	p.Nav, p.Flash = "training", p.Done(r, "training.done.")
	w.kit.Render(rw, r, http.StatusOK, "training_follow", p)
}

func (w *Web) remindPage(rw http.ResponseWriter, r *http.Request) {
	course := formInt(r, "course")
	if _, err := w.svc.Remind(r.Context(), me(r), course, formInt(r, "unit")); err != nil {
		w.kit.Fail(rw, r, err)
		return
	}
	webui.SeeOther(rw, r, "/training/follow?course="+strconv.FormatInt(course, 10), "reminded")
}

func (w *Web) fileExcuse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		if err = w.svc.FileExcuse(r.Context(), me(r), id, r.FormValue("reason")); err == nil {
			webui.SeeOther(rw, r, "/training/follow", "filed")
			return
		}
	}
	w.kit.Fail(rw, r, err)
}

// ---- results

func (w *Web) results(rw http.ResponseWriter, r *http.Request) (Results, bool) {
	res, err := w.svc.Results(r.Context(), me(r), int(formInt(r, "year")))
	if err != nil {
		w.kit.Fail(rw, r, err)
		return res, false
	}
	return res, true
}

func (w *Web) resultsPage(rw http.ResponseWriter, r *http.Request) {
	res, ok := w.results(rw, r)
	if !ok {
		return
	}
	var courseRates []UnitRate
	for _, c := range res.Courses {
		t := c.Totals
		t.UnitName = c.Course.Title
		courseRates = append(courseRates, t)
	}
	var unitRates []UnitRate
	for _, u := range res.Units {
		unitRates = append(unitRates, u.Rate)
	}
	var hists []map[string]any
	for _, c := range res.Courses {
		if c.Course.HasTest() {
			hists = append(hists, map[string]any{"Title": c.Course.Title, "Chart": histogram(c.Histogram, c.Course.PassMark)})
		}
	}
	p := w.kit.Page(r, "training.title.results", map[string]any{"R": res, "CourseChart": rateBars(courseRates, 0),
		"UnitChart": rateBars(unitRates, 0), "Hists": hists})
	p.Nav, p.Flash = "training", p.Done(r, "training.done.")
	w.kit.Render(rw, r, http.StatusOK, "training_results", p)
}

func (w *Web) resultsXLSX(rw http.ResponseWriter, r *http.Request) {
	res, ok := w.results(rw, r)
	if !ok {
		return
	}
	rw.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	rw.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="training-%d.xlsx"`, res.FiscalYear))
	if err := res.WriteXLSX(rw, i18n.FromRequest(r)); err != nil {
		w.kit.Logger.Error("training xlsx", "err", err)
	}
}

func (w *Web) reportPage(rw http.ResponseWriter, r *http.Request) {
	res, ok := w.results(rw, r)
	if !ok {
		return
	}
	var low []UnitTotal
	for _, u := range res.Units {
		if u.Rate.Rate() < 80 {
			low = append(low, u)
		}
	}
	var drill UnitRate
	for _, c := range res.Courses {
		if c.Course.Kind == KindDrill {
			drill.Assigned += c.Totals.Assigned
			drill.Opened += c.Totals.Opened
			drill.Reported += c.Totals.Reported
		}
	}
	var courseRates []UnitRate
	for _, c := range res.Courses {
		t := c.Totals
		t.UnitName = c.Course.Title
		courseRates = append(courseRates, t)
	}
	p := w.kit.Page(r, "training.title.report", map[string]any{"R": res, "Low": low, "Drill": drill,
		"Overall": res.Totals.Rate(), "CourseChart": rateBars(courseRates, 0)})
	p.Nav = "training"
	w.kit.Render(rw, r, http.StatusOK, "training_report", p)
}

func httpStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return apperrStatus(err)
}
