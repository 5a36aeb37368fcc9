package incident

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/paging"
	"kitei/internal/webui"
)

func configJSON(c Config) string {
	b, _ := json.MarshalIndent(c, "", "  ")
	return string(b)
}

// apiHandlers are the REST endpoints under /api/v1/incidents.
type apiHandlers struct {
	svc *Service
	kit *webui.Kit
}

func (a *apiHandlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, a.kit.Logger)
}

// LedgerAnswer is the API's ledger: one page of the rows, the cursor of
// the next page and the figures of every incident the filters select.
type LedgerAnswer struct {
	Incidents []Incident `json:"incidents"`
	Stats     Stats      `json:"stats"`
	Next      string     `json:"next,omitempty"`
}

func (a *apiHandlers) list(w http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), APIPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	units, err := a.svc.Units(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := ledgerFilter(r.URL.Query(), units)
	res, st, err := a.svc.LedgerPage(r.Context(), me(r), f, pr)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if res.Rows == nil {
		res.Rows = []Incident{}
	}
	paging.SetHeaders(w, r, res.Next)
	httpx.WriteJSON(w, http.StatusOK, LedgerAnswer{Incidents: res.Rows, Stats: st, Next: res.Next})
}

func (a *apiHandlers) create(w http.ResponseWriter, r *http.Request) {
	var in Input
	if err := httpx.ReadJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	x, err := a.svc.File(r.Context(), me(r), in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, x.View())
}

func (a *apiHandlers) mine(w http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), APIPageSize)
	var res Page[StatusView]
	if err == nil {
		res, err = a.svc.MinePage(r.Context(), me(r), pr)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, res)
}

func (a *apiHandlers) get(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.svc.Get(r.Context(), me(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if d.StatusOnly {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"status_only": true, "view": d.View})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (a *apiHandlers) timeline(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	_, tl, err := a.svc.Timeline(r.Context(), me(r), id, "api.timeline")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if tl == nil {
		tl = []Entry{}
	}
	httpx.WriteJSON(w, http.StatusOK, tl)
}

// EntryInput is a timeline entry posted through the API.
type EntryInput struct {
	Kind     string `json:"kind"`
	Body     string `json:"body"`
	Corrects int64  `json:"corrects"`
}

func (a *apiHandlers) record(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Check(r.Context(), me(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var in EntryInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.svc.AddEntry(r.Context(), me(r), id, in.Kind, in.Body, in.Corrects)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, e)
}

func (a *apiHandlers) triage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Check(r.Context(), me(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var in TriageInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	x, err := a.svc.Triage(r.Context(), me(r), id, in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, x)
}

// SentInput records an authority notice as sent.
type SentInput struct {
	Content string `json:"content"`
	SentAt  string `json:"sent_at"`
}

func (a *apiHandlers) sent(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	nid, err := httpx.PathID(r, "nid")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Check(r.Context(), me(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var in SentInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.MarkSent(r.Context(), me(r), id, nid, in.Content, in.SentAt); err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": nid, "sent": true})
}

// CloseInput closes an incident.
type CloseInput struct {
	Lessons string `json:"lessons"`
}

func (a *apiHandlers) close(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Check(r.Context(), me(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var in CloseInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	x, err := a.svc.Close(r.Context(), me(r), id, in.Lessons)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, x)
}

func (a *apiHandlers) config(w http.ResponseWriter, r *http.Request) {
	c, err := a.svc.Config(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (a *apiHandlers) contacts(w http.ResponseWriter, r *http.Request) {
	uid, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	cs, err := a.svc.Contacts(r.Context(), me(r), uid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := i18n.FromRequest(r)
	for i := range cs {
		cs[i].Means, cs[i].What = i18n.T(lang, cs[i].Means), i18n.T(lang, cs[i].What)
	}
	if cs == nil {
		cs = []Contact{}
	}
	httpx.WriteJSON(w, http.StatusOK, cs)
}

// TaskInput assigns a task through the API.
type TaskInput struct {
	PersonID    int64  `json:"person_id"`
	Kind        string `json:"kind"` // containment, check_same, other
	Instruction string `json:"instruction"`
}

// RecurrenceInput is the cause and recurrence-prevention report.
type RecurrenceInput struct {
	Cause      string `json:"cause"`
	Prevention string `json:"prevention"`
}

// MeasureInput is a measure the CISO orders.
type MeasureInput struct {
	Title   string `json:"title"`
	OwnerID int64  `json:"owner_id"`
	DueOn   string `json:"due_on"`
}

// withBody checks that the caller may see incident id before decoding
// its JSON body into v, then runs fn.
func withBody[T any](a *apiHandlers, fn func(w http.ResponseWriter, r *http.Request, id int64, in T) (any, error)) http.HandlerFunc {
	return withCheck(a, a.svc.Check, fn)
}

// withCheck is withBody with the caller's check.
func withCheck[T any](a *apiHandlers, check func(ctx context.Context, p *authz.Principal, id int64) error,
	fn func(w http.ResponseWriter, r *http.Request, id int64, in T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := check(r.Context(), me(r), id); err != nil {
			a.fail(w, r, err)
			return
		}
		var in T
		if err := httpx.ReadJSON(r, &in); err != nil {
			a.fail(w, r, err)
			return
		}
		out, err := fn(w, r, id, in)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}
}

func (a *apiHandlers) task() http.HandlerFunc {
	return withBody(a, func(w http.ResponseWriter, r *http.Request, id int64, in TaskInput) (any, error) {
		return a.svc.AssignTask(r.Context(), me(r), id, in.PersonID, in.Kind, in.Instruction)
	})
}

func (a *apiHandlers) recurrence() http.HandlerFunc {
	check := func(ctx context.Context, p *authz.Principal, id int64) error {
		_, err := a.svc.checkRecurrence(ctx, p, id)
		return err
	}
	return withCheck(a, check, func(w http.ResponseWriter, r *http.Request, id int64, in RecurrenceInput) (any, error) {
		x, err := a.svc.FileRecurrence(r.Context(), me(r), id, in.Cause, in.Prevention)
		return x.View(), err
	})
}

func (a *apiHandlers) measure() http.HandlerFunc {
	return withBody(a, func(w http.ResponseWriter, r *http.Request, id int64, in MeasureInput) (any, error) {
		return a.svc.AddMeasure(r.Context(), me(r), id, in.Title, in.OwnerID, in.DueOn)
	})
}

func (a *apiHandlers) lessons(w http.ResponseWriter, r *http.Request) {
	pr, err := paging.FromQuery(r.URL.Query(), APIPageSize)
	var res Page[Lesson]
	if err == nil {
		res, err = a.svc.LessonsPage(r.Context(), me(r), pr)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, res)
}
