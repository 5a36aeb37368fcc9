package tracker

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
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

//go:embed templates/*.html
var templateFiles embed.FS

// People is what the pages need of the organisation to offer units and
// find owners (org.PickOwner, org.OwnerFromForm).
type People interface {
	Units(ctx context.Context, f org.UnitFilter) ([]org.Unit, error)
	org.Directory
}

type handlers struct {
	svc *Service
	kit *webui.Kit
	org People
}

func principal(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

func (h *handlers) fail(w http.ResponseWriter, r *http.Request, err error) { h.kit.Fail(w, r, err) }

type listData struct {
	Actions  []Action
	Pager    webui.Pager
	Unit     bool // the unit view
	Follower bool
	Kind     string
	OpenOnly bool
	Kinds    []SourceKind
	Today    string
}

// mine is one's own actions, by due date, PageSize a page.
func (h *handlers) mine(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	pr, err := paging.FromQuery(r.URL.Query(), PageSize)
	var res Page[Action]
	if err == nil {
		res, err = h.svc.MinePage(r.Context(), p, r.URL.Query().Get("all") == "", pr)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := h.kit.Page(r, "tracker.title.mine", listData{Actions: res.Rows, Pager: webui.NewPager(r, res.Next, "", len(res.Rows), res.Total),
		Follower: p.Can(Follow), OpenOnly: true, Today: h.svc.today()})
	pg.Nav, pg.Flash = "tracker", pg.Done(r, "tracker.done.")
	h.kit.Render(w, r, http.StatusOK, "tracker_list", pg)
}

// unit is the actions of the units one follows, by due date, PageSize a
// page, the filters kept in the next link.
func (h *handlers) unit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{SourceKind: SourceKind(q.Get("kind")), OpenOnly: q.Get("open") != "0"}
	pr, err := paging.FromQuery(q, PageSize)
	var res Page[Action]
	if err == nil {
		res, err = h.svc.FollowedPage(r.Context(), principal(r), f, pr)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := h.kit.Page(r, "tracker.title.unit", listData{Actions: res.Rows, Pager: webui.NewPager(r, res.Next, "", len(res.Rows), res.Total),
		Unit: true, Follower: true, Kind: q.Get("kind"), OpenOnly: f.OpenOnly, Kinds: Kinds, Today: h.svc.today()})
	pg.Nav, pg.Flash = "tracker", pg.Done(r, "tracker.done.")
	h.kit.Render(w, r, http.StatusOK, "tracker_list", pg)
}

type formData struct {
	Kinds  []SourceKind
	Units  []org.Unit
	Owner  org.OwnerPick
	OrgAll bool
	Form   map[string]string
}

// formFields are the fields of the new-action form, kept when it is shown
// again (after a search for the owner or a refusal).
var formFields = []string{"kind", "source_label", "source_link", "unit", "requirements", "catalog", "title", "description", "owner", "owner_q", "due_on"}

// formData is the new-action form with the fields get reads (the query or
// the posted form). Owners may sit anywhere (a unit's action can be owned
// by a person of another unit): the picker offers the people of the unit
// chosen, or those a search finds, never the whole staff.
func (h *handlers) formData(r *http.Request, get func(string) string) (formData, error) {
	p := principal(r)
	sc := p.Scope(Follow)
	d := formData{Kinds: Kinds, OrgAll: sc.All, Form: map[string]string{}}
	for _, k := range formFields {
		d.Form[k] = get(k)
	}
	var err error
	if d.Units, err = h.org.Units(r.Context(), org.UnitFilter{Scope: sc}); err != nil {
		return d, err
	}
	unit, _ := strconv.ParseInt(d.Form["unit"], 10, 64)
	if d.Form["unit"] == "" && !d.OrgAll && len(d.Units) > 0 {
		unit = d.Units[0].ID // the unit the form offers first
	}
	chosen, _ := strconv.ParseInt(d.Form["owner"], 10, 64)
	d.Owner, err = org.PickOwner(r.Context(), h.org, d.Form["owner_q"], unit, chosen)
	return d, err
}

// newForm is the new-action form; its owner search submits the form here
// (GET, the fields kept) and comes back with the people found.
func (h *handlers) newForm(w http.ResponseWriter, r *http.Request) {
	if err := authz.Require(principal(r), Follow); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.formData(r, r.URL.Query().Get)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := h.kit.Page(r, "tracker.title.new", d)
	pg.Nav = "tracker"
	h.kit.Render(w, r, http.StatusOK, "tracker_new", pg)
}

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return n
}

// ParseRequirements reads "2.3.2 3.1.1" (catalog given separately) into
// requirements.
func ParseRequirements(catalogID int64, s string) []Requirement {
	var out []Requirement
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '、' || r == '\n' || r == '\t' || r == '　' }) {
		out = append(out, Requirement{CatalogID: catalogID, Ref: f})
	}
	return out
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	owner, err := org.OwnerFromForm(r.Context(), h.org, r.FormValue("owner"), r.FormValue("owner_q"))
	var created Action
	if err == nil {
		a := Action{Source: Source{Kind: SourceKind(r.FormValue("kind")), Label: strings.TrimSpace(r.FormValue("source_label")),
			Link: safeLink(r.FormValue("source_link"))}, UnitID: formInt(r, "unit"), Title: r.FormValue("title"),
			Description: r.FormValue("description"), OwnerID: owner, DueOn: r.FormValue("due_on"),
			Requirements: ParseRequirements(formInt(r, "catalog"), r.FormValue("requirements"))}
		created, err = h.svc.Create(r.Context(), p, a)
	}
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			d, ferr := h.formData(r, r.FormValue)
			if ferr != nil {
				h.fail(w, r, ferr)
				return
			}
			pg := h.kit.Page(r, "tracker.title.new", d)
			pg.Nav, pg.Error = "tracker", webui.Message(r, err)
			h.kit.Render(w, r, http.StatusUnprocessableEntity, "tracker_new", pg)
			return
		}
		h.fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/actions/%d", created.ID), "created")
}

// safeLink keeps only site-relative links (no scheme, no //host).
func safeLink(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return ""
	}
	return s
}

type showData struct {
	Action   Action
	Owner    bool
	Follower bool
	Today    string
	// Reassign: a follower may change the owner and due date of an open
	// action; NewOwner is the picker, DueOn the due date in the form.
	Reassign bool
	NewOwner org.OwnerPick
	DueOn    string
}

// show is an action's page; the reassign form's owner search submits it
// here (GET ?owner_q=&due_on=) and comes back with the people found.
func (h *handlers) show(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	h.renderShow(w, r, id, http.StatusOK, nil, q.Get("owner_q"), q.Get("due_on"))
}

// renderShow renders the action's page with status, and refused (not nil)
// as the page's error; the reassign form shows query's matches and due.
func (h *handlers) renderShow(w http.ResponseWriter, r *http.Request, id int64, status int, refused error, query, due string) {
	p := principal(r)
	a, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := showData{Action: a, Owner: p.PersonID != 0 && p.PersonID == a.OwnerID, Follower: follows(p, a.UnitPath), Today: h.svc.today(), DueOn: a.DueOn}
	if d.Follower && a.Status != Closed {
		d.Reassign = true
		if due != "" {
			d.DueOn = due
		}
		if d.NewOwner, err = org.PickOwner(r.Context(), h.org, query, a.UnitID, 0); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pg := h.kit.Page(r, "tracker.title.show", d)
	pg.Nav = "tracker"
	if refused != nil {
		pg.Error = webui.Message(r, refused)
	} else {
		pg.Flash = pg.Done(r, "tracker.done.")
	}
	h.kit.Render(w, r, status, "tracker_show", pg)
}

// reassign changes the owner (chosen, or named by the search text) and the
// due date; a search that names nobody or several people shows the page
// again with the matches, and nothing is changed.
func (h *handlers) reassign(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	owner, err := org.OwnerFromForm(r.Context(), h.org, r.FormValue("owner"), r.FormValue("owner_q"))
	if err == nil {
		_, err = h.svc.Reassign(r.Context(), principal(r), id, owner, r.FormValue("due_on"))
	}
	if apperr.Is(err, apperr.Invalid) {
		h.renderShow(w, r, id, http.StatusUnprocessableEntity, err, r.FormValue("owner_q"), r.FormValue("due_on"))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/actions/%d", id), "reassigned")
}

// post runs a change on the action in the path and redirects to it.
func (h *handlers) post(flash string, fn func(r *http.Request, p *authz.Principal, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if err := fn(r, principal(r), id); err != nil {
			h.fail(w, r, err)
			return
		}
		webui.SeeOther(w, r, fmt.Sprintf("/actions/%d", id), flash)
	}
}

func (h *handlers) progress(r *http.Request, p *authz.Principal, id int64) error {
	_, err := h.svc.Report(r.Context(), p, id, r.FormValue("on"), r.FormValue("text"))
	return err
}

func (h *handlers) done(r *http.Request, p *authz.Principal, id int64) error {
	_, err := h.svc.MarkDone(r.Context(), p, id, r.FormValue("note"))
	return err
}

func (h *handlers) confirm(r *http.Request, p *authz.Principal, id int64) error {
	_, err := h.svc.Confirm(r.Context(), p, id, r.FormValue("note"))
	return err
}

func (h *handlers) reopen(r *http.Request, p *authz.Principal, id int64) error {
	_, err := h.svc.Reopen(r.Context(), p, id, r.FormValue("reason"))
	return err
}

// ReadUpload reads the multipart file field name within limit; an oversize
// body is TooLarge before anything is parsed into memory beyond it.
func ReadUpload(w http.ResponseWriter, r *http.Request, field string, limit int64) (Upload, error) {
	if limit <= 0 {
		limit = MaxEvidence
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Upload{}, apperr.E(apperr.TooLarge, "tracker.err.file_large", limit>>20)
		}
		return Upload{}, apperr.E(apperr.Invalid, "tracker.err.file_missing")
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return Upload{}, apperr.E(apperr.Invalid, "tracker.err.file_missing")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(f, limit+1)); err != nil {
		return Upload{}, err
	}
	return Upload{Name: hdr.Filename, Declared: hdr.Header.Get("Content-Type"), Data: buf.Bytes()}, nil
}

func (h *handlers) attach(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := principal(r)
	// Access first: nobody learns anything about the upload rules of an
	// action they cannot see.
	if _, err := h.svc.Get(r.Context(), p, id); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := ReadUpload(w, r, "file", h.svc.MaxFile)
	if err == nil {
		_, err = h.svc.Attach(r.Context(), p, id, u)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/actions/%d", id), "evidence")
}

func (h *handlers) file(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, data, err := h.svc.Evidence(r.Context(), principal(r), id, fid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ServeFile(w, f, data)
}

func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	acts, err := h.svc.Followed(r.Context(), principal(r), Filter{SourceKind: SourceKind(r.URL.Query().Get("kind"))})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := i18n.FromRequest(r)
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, ActionsTable(lang, acts)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="actions.xlsx"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// ActionsTable is the remediation-status sheet of actions.
func ActionsTable(lang i18n.Lang, acts []Action) tabular.Table {
	t := tabular.Table{Name: i18n.T(lang, "tracker.sheet.actions"), Widths: []float64{8, 40, 16, 30, 20, 20, 16, 12, 16, 40, 14}}
	for _, k := range []string{"ID", "tracker.col.title", "tracker.col.source", "tracker.f.source_label", "tracker.col.requirements", "tracker.col.unit",
		"tracker.col.owner", "tracker.col.due", "tracker.col.status", "tracker.col.note", "tracker.col.closed_by"} {
		if k == "ID" {
			t.Header = append(t.Header, k)
			continue
		}
		t.Header = append(t.Header, i18n.T(lang, k))
	}
	for _, a := range acts {
		var refs []string
		for _, q := range a.Requirements {
			refs = append(refs, q.Ref)
		}
		due, _ := time.Parse(DateLayout, a.DueOn)
		t.Rows = append(t.Rows, []any{a.ID, a.Title, i18n.T(lang, "tracker.kind."+string(a.Source.Kind)), a.Source.Label,
			strings.Join(refs, " "), a.UnitName, a.OwnerName, due, i18n.T(lang, "tracker.status."+string(a.Status)), a.Note, a.ClosedByName})
	}
	return t
}

// ---- API ----

func (h *handlers) apiErr(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, h.kit.Logger)
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	q := r.URL.Query()
	f := Filter{SourceKind: SourceKind(q.Get("kind")), OpenOnly: q.Get("open") == "1"}
	pr, err := paging.FromQuery(q, APIPageSize)
	var res Page[Action]
	if err == nil {
		switch q.Get("view") {
		case "mine":
			res, err = h.svc.MinePage(r.Context(), p, f.OpenOnly, pr)
		default:
			res, err = h.svc.VisiblePage(r.Context(), p, f, pr)
		}
	}
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WritePage(w, r, res)
}

// ActionInput is the body of POST /api/v1/actions.
type ActionInput struct {
	Kind         SourceKind    `json:"kind"`
	SourceID     int64         `json:"source_id"`
	SourceItem   int64         `json:"source_item"`
	SourceLabel  string        `json:"source_label"`
	SourceLink   string        `json:"source_link"`
	UnitID       int64         `json:"unit_id"`
	Title        string        `json:"title"`
	Description  string        `json:"description"`
	OwnerID      int64         `json:"owner_person_id"`
	DueOn        string        `json:"due_on"`
	Requirements []Requirement `json:"requirements"`
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in ActionInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.apiErr(w, r, err)
		return
	}
	a, err := h.svc.Create(r.Context(), principal(r), Action{Source: Source{Kind: in.Kind, ID: in.SourceID, Item: in.SourceItem,
		Label: in.SourceLabel, Link: safeLink(in.SourceLink)}, UnitID: in.UnitID, Title: in.Title, Description: in.Description,
		OwnerID: in.OwnerID, DueOn: in.DueOn, Requirements: in.Requirements})
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var a Action
		if a, err = h.svc.Get(r.Context(), principal(r), id); err == nil {
			httpx.WriteJSON(w, http.StatusOK, a)
			return
		}
	}
	h.apiErr(w, r, err)
}

// StepInput is the body of the progress, done, confirm and reopen calls.
type StepInput struct {
	On   string `json:"on"`
	Text string `json:"text"`
}

func (h *handlers) apiStep(fn func(ctx context.Context, p *authz.Principal, id int64, in StepInput) (Action, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			h.apiErr(w, r, err)
			return
		}
		p := principal(r)
		if _, err := h.svc.Get(r.Context(), p, id); err != nil {
			h.apiErr(w, r, err)
			return
		}
		var in StepInput
		if err := httpx.ReadJSON(r, &in); err != nil {
			h.apiErr(w, r, err)
			return
		}
		a, err := fn(r.Context(), p, id, in)
		if err != nil {
			h.apiErr(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, a)
	}
}

func (h *handlers) apiAttach(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	p := principal(r)
	if _, err := h.svc.Get(r.Context(), p, id); err != nil {
		h.apiErr(w, r, err)
		return
	}
	u, err := ReadUpload(w, r, "file", h.svc.MaxFile)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	f, err := h.svc.Attach(r.Context(), p, id, u)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, f)
}

func (h *handlers) apiFile(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	f, data, err := h.svc.Evidence(r.Context(), principal(r), id, fid)
	if err != nil {
		h.apiErr(w, r, err)
		return
	}
	ServeFile(w, f, data)
}
