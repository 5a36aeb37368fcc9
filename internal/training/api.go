package training

import (
	"net/http"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/paging"
)

func route(method, path string, perm authz.Permission, summary string, h http.HandlerFunc) httpx.Route {
	return httpx.Route{Method: method, Path: path, Perm: perm, Summary: summary, Handler: h}
}

func withParams(r httpx.Route, ps ...httpx.Param) httpx.Route {
	r.Params = ps
	return r
}

func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(rw, r, err, w.kit.Logger)
}

func (w *Web) api() []httpx.Route {
	const base = "/api/v1/training"
	return []httpx.Route{
		route("GET", base+"/my", Take, "My training: assignments with due dates and results", w.apiMy),
		route("GET", base+"/courses/{id}", Take, "Open one of my courses (records that it was opened)", w.apiCourse),
		route("POST", base+"/courses/{id}/attempts", Take, "Start (or resume) my comprehension test: shuffled questions without answers", w.apiStart),
		route("GET", base+"/attempts/{id}", Take, "One of my test attempts", w.apiAttempt),
		route("POST", base+"/attempts/{id}/answers", Take, "Answer my test; checked on the server", w.apiAnswers),

		route("GET", base+"/admin/courses", Admin, "Every course with its test", w.apiCourses),
		route("POST", base+"/admin/courses", Admin, "Create a draft course", w.apiCreateCourse),
		route("GET", base+"/admin/courses/{id}", Admin, "A course with its test and answers", w.apiAdminCourse),
		route("PUT", base+"/admin/courses/{id}", Admin, "Change a course", w.apiSaveCourse),
		route("POST", base+"/admin/courses/{id}/publish", Admin, "Publish a course and assign it to its audience", w.apiPublish),
		route("GET", base+"/plans", Report, "Education plans", w.apiPlans),
		route("POST", base+"/plans", Admin, "Create a plan", w.apiCreatePlan),
		route("POST", base+"/plans/{id}/submit", Admin, "Send a plan to the CISO", w.apiSubmitPlan),
		route("POST", base+"/plans/{id}/decide", Approve, "Approve or return a plan (CISO)", w.apiDecidePlan),

		withParams(route("GET", base+"/follow", Follow, "Completion of the units in scope (one row a unit) and a page of the people still to do the course, in the order they were assigned", w.apiFollow),
			httpx.Param{Name: "course", In: "query", Type: "integer", Description: "course id (absent: the latest published course)"},
			httpx.Param{Name: "unit", In: "query", Type: "integer", Description: "list the people still to do it in this unit and the units below it only"},
			httpx.Param{Name: "after", In: "query", Type: "string", Description: "cursor of the pending list's next page (\"next\", X-Next-Cursor or the Link rel=\"next\" URL of the page before)"},
			httpx.Param{Name: "limit", In: "query", Type: "integer", Description: "people per page, 1–1000 (default 100)"}),
		route("POST", base+"/follow/remind", Follow, "Remind who has not completed ?course= in ?unit=", w.apiRemind),
		route("GET", base+"/results", Report, "Completion per course and unit, score distribution (?year=)", w.apiResults),
	}
}

func (w *Web) apiMy(rw http.ResponseWriter, r *http.Request) {
	as, err := w.svc.My(r.Context(), me(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if as == nil {
		as = []Assignment{}
	}
	httpx.WriteJSON(rw, http.StatusOK, as)
}

func (w *Web) apiCourse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v CourseView
		if v, err = w.svc.OpenCourse(r.Context(), me(r), id); err == nil {
			httpx.WriteJSON(rw, http.StatusOK, v)
			return
		}
	}
	w.fail(rw, r, err)
}

func (w *Web) apiStart(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v AttemptView
		if v, err = w.svc.StartAttempt(r.Context(), me(r), id); err == nil {
			httpx.WriteJSON(rw, http.StatusOK, v)
			return
		}
	}
	w.fail(rw, r, err)
}

func (w *Web) apiAttempt(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var v AttemptView
		if v, err = w.svc.Attempt(r.Context(), me(r), id); err == nil {
			httpx.WriteJSON(rw, http.StatusOK, v)
			return
		}
	}
	w.fail(rw, r, err)
}

// AnswersBody is the body of an answer post: question id → chosen choice
// ids.
type AnswersBody struct {
	Answers map[int][]int `json:"answers"`
}

func (w *Web) apiAnswers(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	// Whose attempt it is decides before the body is read.
	res, err := w.svc.SubmitFrom(r.Context(), me(r), id, func() (map[int][]int, error) {
		var body AnswersBody
		err := httpx.ReadJSON(r, &body)
		return body.Answers, err
	})
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, res)
}

func (w *Web) apiCourses(rw http.ResponseWriter, r *http.Request) {
	cs, err := w.svc.Courses(r.Context(), me(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if cs == nil {
		cs = []Course{}
	}
	httpx.WriteJSON(rw, http.StatusOK, cs)
}

func (w *Web) apiCreateCourse(rw http.ResponseWriter, r *http.Request) {
	var c Course
	if err := httpx.ReadJSON(r, &c); err != nil {
		w.fail(rw, r, err)
		return
	}
	c, err := w.svc.CreateCourse(r.Context(), me(r), c)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusCreated, c)
}

func (w *Web) apiAdminCourse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var c Course
		if c, err = w.svc.Course(r.Context(), me(r), id); err == nil {
			httpx.WriteJSON(rw, http.StatusOK, c)
			return
		}
	}
	w.fail(rw, r, err)
}

func (w *Web) apiSaveCourse(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	var c Course
	if err := httpx.ReadJSON(r, &c); err != nil {
		w.fail(rw, r, err)
		return
	}
	c.ID = id
	if c, err = w.svc.SaveCourse(r.Context(), me(r), c); err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, c)
}

// PublishResult is the answer of a publish.
type PublishResult struct {
	Course   Course `json:"course"`
	Assigned int    `json:"assigned"`
}

func (w *Web) apiPublish(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var c Course
		var n int
		if c, n, err = w.svc.Publish(r.Context(), me(r), id); err == nil {
			httpx.WriteJSON(rw, http.StatusOK, PublishResult{Course: c, Assigned: n})
			return
		}
	}
	w.fail(rw, r, err)
}

func (w *Web) apiPlans(rw http.ResponseWriter, r *http.Request) {
	ps, err := w.svc.Plans(r.Context(), me(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if ps == nil {
		ps = []Plan{}
	}
	httpx.WriteJSON(rw, http.StatusOK, ps)
}

func (w *Web) apiCreatePlan(rw http.ResponseWriter, r *http.Request) {
	var pl Plan
	if err := httpx.ReadJSON(r, &pl); err != nil {
		w.fail(rw, r, err)
		return
	}
	pl, err := w.svc.CreatePlan(r.Context(), me(r), pl)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusCreated, pl)
}

// DecisionBody is the body of a plan submission or decision.
type DecisionBody struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment"`
}

func (w *Web) apiSubmitPlan(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	var b DecisionBody
	if err := httpx.ReadJSON(r, &b); err != nil {
		w.fail(rw, r, err)
		return
	}
	pl, err := w.svc.SubmitPlan(r.Context(), me(r), id, b.Comment)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, pl)
}

func (w *Web) apiDecidePlan(rw http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	var b DecisionBody
	if err := httpx.ReadJSON(r, &b); err != nil {
		w.fail(rw, r, err)
		return
	}
	pl, err := w.svc.DecidePlan(r.Context(), me(r), id, b.Approve, b.Comment)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, pl)
}

func (w *Web) apiFollow(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	course, _ := strconv.ParseInt(q.Get("course"), 10, 64)
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	pr, err := paging.FromQuery(q, APIPageSize)
	var f Following
	if err == nil {
		f, err = w.svc.FollowPage(r.Context(), me(r), course, unit, pr)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if f.Pending == nil {
		f.Pending = []Assignment{}
	}
	paging.SetHeaders(rw, r, f.Next)
	httpx.WriteJSON(rw, http.StatusOK, f)
}

// RemindResult is the answer of a reminder.
type RemindResult struct {
	Reminded int `json:"reminded"`
}

func (w *Web) apiRemind(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	course, _ := strconv.ParseInt(q.Get("course"), 10, 64)
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	n, err := w.svc.Remind(r.Context(), me(r), course, unit)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, RemindResult{Reminded: n})
}

func (w *Web) apiResults(rw http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	res, err := w.svc.Results(r.Context(), me(r), year)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	httpx.WriteJSON(rw, http.StatusOK, res)
}
