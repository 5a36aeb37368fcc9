package inventory

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

//go:embed templates/*.html
var templateFiles embed.FS

type handlers struct {
	s   *Service
	kit *webui.Kit
}

// Module is the inventory capability (devices, media, areas, contacts).
func Module(s *Service, kit *webui.Kit) capability.Module {
	h := &handlers{s: s, kit: kit}
	return capability.Module{
		Name: "inventory",
		Pages: []httpx.Route{
			{Method: "GET", Path: "/inventory/{kind}", Perm: Read, Handler: h.list},
			{Method: "POST", Path: "/inventory/{kind}", Perm: Write, Handler: h.create},
			{Method: "GET", Path: "/inventory/{kind}/export", Perm: Read, Handler: h.export},
			{Method: "POST", Path: "/inventory/{kind}/import", Perm: Write, Handler: h.importFile},
			{Method: "GET", Path: "/inventory/{kind}/{id}", Perm: Read, Handler: h.show},
			{Method: "POST", Path: "/inventory/{kind}/{id}", Perm: Write, Handler: h.update},
			{Method: "POST", Path: "/inventory/{kind}/{id}/retire", Perm: Write, Handler: h.retire},
			{Method: "POST", Path: "/inventory/{kind}/{id}/lend", Perm: Write, Handler: h.lend},
			{Method: "POST", Path: "/inventory/{kind}/{id}/return", Perm: Write, Handler: h.giveBack},
			{Method: "POST", Path: "/inventory/{kind}/{id}/people", Perm: Write, Handler: h.authorise},
			{Method: "POST", Path: "/inventory/{kind}/{id}/people/{n}/revoke", Perm: Write, Handler: h.revoke},
			{Method: "POST", Path: "/inventory/{kind}/{id}/log", Perm: Write, Handler: h.importLog},
			{Method: "GET", Path: "/contacts", Perm: ContactsRead, Handler: h.contacts},
			{Method: "GET", Path: "/contacts/export", Perm: ContactsRead, Handler: h.contactsExport},
			{Method: "GET", Path: "/contacts/people/{id}", Perm: ContactsWrite, Handler: h.means},
			{Method: "POST", Path: "/contacts/people/{id}", Perm: ContactsWrite, Handler: h.saveMeans},
		},
		API: []httpx.Route{
			{Method: "GET", Path: "/api/v1/inventory/{kind}", Perm: Read, Summary: "List devices, media or controlled areas (kind: device, medium, area) by code, paged (Link rel=\"next\")", Handler: h.apiList,
				Params: []httpx.Param{{Name: "kind", In: "path", Type: "string", Required: true, Description: "device, medium or area"},
					{Name: "q", In: "query", Type: "string", Description: "part of the code, name or holder"},
					{Name: "retired", In: "query", Type: "string", Description: "1: include retired items"},
					httpx.PageLimit(apiPageSize), httpx.PageAfter}},
			{Method: "POST", Path: "/api/v1/inventory/{kind}", Perm: Write, Summary: "Add a device, medium or area (values by field key)", Handler: h.apiCreate},
			{Method: "GET", Path: "/api/v1/inventory/{kind}/{id}", Perm: Read, Summary: "One device, medium or area with its history", Handler: h.apiGet},
			{Method: "GET", Path: "/api/v1/contacts", Perm: ContactsRead, Summary: "The contact list (連絡網) generated from today's appointments", Handler: h.apiContacts},
		},
		Nav: []webui.NavEntry{
			{Key: "inventory", Href: "/inventory/device", Label: "nav.inventory", Order: 45, Perms: []authz.Permission{Read}},
			{Key: "contacts", Href: "/contacts", Label: "nav.contacts", Order: 46, Perms: []authz.Permission{ContactsRead}},
		},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Funcs: template.FuncMap{
			"invFields": func(kind string) []Field { return Fields[kind] },
			"invKinds":  func() []string { return Kinds },
			"invValue":  func(it Item, key string) string { return it.Value(key) },
			"invURL":    URL,
			"invCurrent": func(a Authorised, day string) bool {
				return a.Current(day)
			},
		}},
		Jobs: []capability.Job{{Name: "inventory", Interval: time.Minute, Run: s.runJobs}},
		Serve: func(ctx context.Context, mailer notify.Mailer) error {
			if mailer != nil {
				s.Mailer = mailer
			}
			return nil
		},
		Matrix: s.matrix,
	}
}

func (s *Service) runJobs(ctx context.Context, owner string, interval time.Duration, logf func(string, ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := s.ChaseOverdue(ctx, owner, interval); err != nil {
				logf("overdue media chase failed", "err", err)
			} else if n > 0 {
				logf("overdue media chased", "notices", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func me(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

func (h *handlers) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any, err error) {
	p := h.kit.Page(r, title, data)
	p.Nav = nav
	p.Flash = p.Done(r, "inv.done.")
	if err != nil {
		p.Error = webui.Message(r, err)
	}
	h.kit.Render(w, r, status, name, p)
}

func kindOf(r *http.Request) (string, error) {
	k := r.PathValue("kind")
	if _, ok := Kind(k); !ok {
		return "", apperr.E(apperr.NotFound, "inv.err.kind", k)
	}
	return k, nil
}

type listData struct {
	Kind     string
	Items    []Item
	Pager    webui.Pager
	Query    string
	Retired  bool
	CanWrite bool
	Today    string
	Values   map[string]string
	Report   *ImportResult
	Units    []org.Unit
}

// pageSize is how many items a list shows at a time (page and API).
const pageSize = 50

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, kind string, status int, values map[string]string, rep *ImportResult, err error) {
	q := r.URL.Query()
	req, lerr := paging.FromQuery(q, pageSize)
	if lerr != nil {
		h.kit.Fail(w, r, lerr)
		return
	}
	retired := q.Get("retired") == "1"
	pg, lerr := h.s.ListPage(r.Context(), me(r), Filter{Kind: kind, Query: q.Get("q"), Retired: retired}, req)
	if lerr != nil {
		h.kit.Fail(w, r, lerr)
		return
	}
	units, _ := h.s.org.Units(r.Context(), org.UnitFilter{Scope: me(r).Scope(Write)})
	h.render(w, r, status, "inventory_list", "inv.kind."+kind, "inventory", listData{Kind: kind, Items: pg.Items,
		Pager: webui.NewPager(r, pg.Next, "items", len(pg.Items), pg.Total), Query: q.Get("q"), Retired: retired,
		CanWrite: me(r).Can(Write), Today: h.s.Today(), Values: values, Report: rep, Units: units}, err)
}

func (h *handlers) list(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.listPage(w, r, kind, http.StatusOK, nil, nil, nil)
}

func formValues(r *http.Request, kind string) map[string]string {
	v := map[string]string{}
	for _, f := range Fields[kind] {
		if x, ok := r.PostForm[f.Key]; ok && len(x) > 0 {
			v[f.Key] = x[0]
		}
	}
	return v
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	values := formValues(r, kind)
	it, err := h.s.Save(r.Context(), me(r), kind, 0, values)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			h.listPage(w, r, kind, apperr.HTTPStatus(err), values, nil, err)
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, URL(it), "created")
}

type showData struct {
	Item     Item
	History  []Change
	Requests []approval.Request
	Logs     []LogEntry
	CanWrite bool
	Today    string
}

func (h *handlers) item(r *http.Request) (Item, []Change, error) {
	kind, err := kindOf(r)
	if err != nil {
		return Item{}, nil, err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return Item{}, nil, err
	}
	it, hist, err := h.s.Get(r.Context(), me(r), id)
	if err == nil && it.Kind != kind {
		err = apperr.E(apperr.NotFound, "inv.err.not_found", id)
	}
	return it, hist, err
}

func (h *handlers) show(w http.ResponseWriter, r *http.Request) {
	it, hist, err := h.item(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d := showData{Item: it, History: hist, CanWrite: MayWrite(me(r), it), Today: h.s.Today()}
	if d.Requests, err = h.s.Requests(r.Context(), me(r), it); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if it.Kind == KindArea {
		if d.Logs, err = h.s.Logs(r.Context(), me(r), it.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "inventory_item", "inv.kind."+it.Kind, "inventory", d, nil)
}

// act runs fn on the item of the URL after reading the form, then
// redirects to the item's page with flash.
func (h *handlers) act(w http.ResponseWriter, r *http.Request, flash string, fn func(it Item) error) {
	it, _, err := h.item(r)
	if err == nil {
		err = r.ParseForm()
		if err != nil {
			err = apperr.E(apperr.Invalid, "inv.err.form")
		}
	}
	if err == nil {
		err = fn(it)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, URL(it), flash)
}

func (h *handlers) update(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "saved", func(it Item) error {
		_, err := h.s.Save(r.Context(), me(r), it.Kind, it.ID, formValues(r, it.Kind))
		return err
	})
}

func (h *handlers) retire(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "retired", func(it Item) error {
		_, err := h.s.Retire(r.Context(), me(r), it.ID, r.PostForm.Get("action") != "reinstate", r.PostForm.Get("reason"))
		return err
	})
}

func (h *handlers) lend(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "lent", func(it Item) error {
		_, err := h.s.Lend(r.Context(), me(r), it.ID, r.PostForm.Get("holder"), r.PostForm.Get("due_on"))
		return err
	})
}

func (h *handlers) giveBack(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "returned", func(it Item) error {
		_, err := h.s.Return(r.Context(), me(r), it.ID)
		return err
	})
}

func (h *handlers) authorise(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "authorised", func(it Item) error {
		f := r.PostForm
		_, err := h.s.Authorise(r.Context(), me(r), it.ID, Authorised{EmployeeNo: f.Get("employee_no"), From: f.Get("from"), Until: f.Get("until"), Reason: f.Get("reason")})
		return err
	})
}

func (h *handlers) revoke(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "revoked", func(it Item) error {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil {
			return apperr.E(apperr.Invalid, "inv.err.people_index")
		}
		_, err = h.s.Revoke(r.Context(), me(r), it.ID, n, r.PostForm.Get("reason"))
		return err
	})
}

// upload reads the file of a multipart form.
func upload(r *http.Request) (string, []byte, error) {
	if err := r.ParseMultipartForm(tabular.MaxFileSize); err != nil {
		return "", nil, apperr.E(apperr.Invalid, "inv.err.file")
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return "", nil, apperr.E(apperr.Invalid, "inv.err.file")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, tabular.MaxFileSize+1))
	return fh.Filename, b, err
}

func (h *handlers) importLog(w http.ResponseWriter, r *http.Request) {
	it, _, err := h.item(r)
	if err == nil && !MayWrite(me(r), it) {
		err = apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	name, data, err := upload(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	n, rep, err := h.s.ImportLog(r.Context(), me(r), it.ID, r.FormValue("log_kind"), name, data)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if !rep.OK() {
		rep.Localize(i18n.FromRequest(r))
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "inv.err.log_report", len(rep.Errors), rep.Errors[0].Row, rep.Errors[0].Message))
		return
	}
	webui.SeeOther(w, r, URL(it)+"?n="+strconv.Itoa(n), "logged")
}

func (h *handlers) importFile(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	name, data, err := upload(r)
	if err != nil {
		h.listPage(w, r, kind, http.StatusBadRequest, nil, nil, err)
		return
	}
	res, err := h.s.Import(r.Context(), me(r), kind, name, data)
	if err != nil {
		h.listPage(w, r, kind, apperr.HTTPStatus(err), nil, nil, err)
		return
	}
	res.Localize(i18n.FromRequest(r))
	status := http.StatusOK
	if !res.OK() {
		status = http.StatusUnprocessableEntity
	}
	h.listPage(w, r, kind, status, nil, &res, nil)
}

func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ts, err := h.s.Export(r.Context(), me(r), kind)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	writeTables(w, r, kind, ts)
}

func writeTables(w http.ResponseWriter, r *http.Request, name string, ts []tabular.Table) {
	var buf bytes.Buffer
	var err error
	if r.URL.Query().Get("format") == "csv" {
		err = tabular.WriteCSV(&buf, ts[0], tabular.UTF8BOM)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	} else {
		err = tabular.WriteXLSX(&buf, ts...)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
	}
	if err != nil {
		http.Error(w, "export failed", http.StatusInternalServerError)
		return
	}
	w.Write(buf.Bytes())
}

type contactsData struct {
	Groups   []ContactGroup
	Pager    webui.Pager
	CanWrite bool
	Today    string
}

// contactsPerPage is about how many contacts a page of the contact list
// shows: whole groups until at least this many.
const contactsPerPage = 100

func (h *handlers) contacts(w http.ResponseWriter, r *http.Request) {
	req, err := paging.FromQuery(r.URL.Query(), contactsPerPage)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	gs, err := h.s.Contacts(r.Context(), me(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	total := 0
	for _, g := range gs {
		total += len(g.Contacts)
	}
	page, next := PageGroups(gs, req)
	shown := 0
	for _, g := range page {
		shown += len(g.Contacts)
	}
	h.render(w, r, http.StatusOK, "inventory_contacts", "inv.contacts", "contacts", contactsData{Groups: page,
		Pager: webui.NewPager(r, next, "", shown, total), CanWrite: me(r).Can(ContactsWrite), Today: h.s.Today()}, nil)
}

func (h *handlers) contactsExport(w http.ResponseWriter, r *http.Request) {
	gs, err := h.s.Contacts(r.Context(), me(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	writeTables(w, r, "contacts", []tabular.Table{ContactsTable(gs, i18n.FromRequest(r))})
}

type meansData struct {
	Person org.Person
	Means  []Means
	Kinds  []string
}

func (h *handlers) means(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	who, ms, err := h.s.PersonMeans(r.Context(), me(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "inventory_means", "inv.contacts.means", "contacts", meansData{Person: who, Means: append(ms, Means{}, Means{}), Kinds: MeansKinds}, nil)
}

func (h *handlers) saveMeans(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil {
		f := r.PostForm
		var ms []Means
		for i, k := range f["kind"] {
			m := Means{Kind: k}
			if i < len(f["value"]) {
				m.Value = f["value"][i]
			}
			if i < len(f["note"]) {
				m.Note = f["note"][i]
			}
			ms = append(ms, m)
		}
		err = h.s.SaveMeans(r.Context(), me(r), id, ms)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, fmt.Sprintf("/contacts/people/%d", id), "means")
}

// ---- API ----

// apiList answers one page of items as a JSON array; the next page is in
// the Link header (rel="next") and X-Next-Cursor.
func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	var pg Page
	if err == nil {
		var req paging.Request
		if req, err = paging.FromQuery(r.URL.Query(), apiPageSize); err == nil {
			pg, err = h.s.ListPage(r.Context(), me(r), Filter{Kind: kind, Query: r.URL.Query().Get("q"), Retired: r.URL.Query().Get("retired") == "1"}, req)
		}
	}
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	if pg.Items == nil {
		pg.Items = []Item{}
	}
	paging.SetHeaders(w, r, pg.Next)
	httpx.WriteJSON(w, http.StatusOK, pg.Items)
}

// apiPageSize is how many items the API returns by default.
const apiPageSize = 100

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	kind, err := kindOf(r)
	values := map[string]string{}
	if err == nil {
		err = httpx.ReadJSON(r, &values)
	}
	var it Item
	if err == nil {
		it, err = h.s.Save(r.Context(), me(r), kind, 0, values)
	}
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, it)
}

func (h *handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	it, hist, err := h.item(r)
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"item": it, "history": hist})
}

func (h *handlers) apiContacts(w http.ResponseWriter, r *http.Request) {
	gs, err := h.s.Contacts(r.Context(), me(r))
	if err != nil {
		httpx.WriteError(w, r, err, nil)
		return
	}
	if gs == nil {
		gs = []ContactGroup{}
	}
	httpx.WriteJSON(w, http.StatusOK, gs)
}

// ---- authorization matrix ----

func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	unitCode := func(u capability.Unit) (string, error) {
		x, err := s.org.Unit(ctx, u.ID)
		return x.Code, err
	}
	mk := func(u capability.Unit, suffix string) (map[string]Item, error) {
		code, err := unitCode(u)
		if err != nil {
			return nil, err
		}
		out := map[string]Item{}
		for kind, v := range map[string]map[string]string{
			KindDevice: {"device_type": "terminal", FStatus: "in_use"},
			KindMedium: {"medium_type": "usb", FStatus: "stored"},
			KindArea:   {"area_class": "office"},
		} {
			v[FCode], v[FName], v[FUnit] = "M-"+kind+suffix, "matrix "+kind, code
			it, err := s.Save(ctx, authz.System, kind, 0, v)
			if err != nil {
				return nil, err
			}
			out[kind] = it
		}
		return out, nil
	}
	own, err := mk(f.UnitA1, "-A1")
	if err != nil {
		return nil, err
	}
	foreign, err := mk(f.UnitB, "-B")
	if err != nil {
		return nil, err
	}
	at := func(kind, format string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf(format, kind, own[kind].ID), fmt.Sprintf(format, kind, foreign[kind].ID))
	}
	person := func(format string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf(format, f.PersonA1), fmt.Sprintf(format, f.PersonB))
	}
	return map[string]capability.Target{
		"GET /inventory/{kind}":                         capability.Fixed("/inventory/device"),
		"POST /inventory/{kind}":                        capability.Fixed("/inventory/medium"),
		"GET /inventory/{kind}/export":                  capability.Fixed("/inventory/area/export"),
		"POST /inventory/{kind}/import":                 capability.Fixed("/inventory/device/import"),
		"GET /inventory/{kind}/{id}":                    at(KindDevice, "/inventory/%s/%d"),
		"POST /inventory/{kind}/{id}":                   at(KindDevice, "/inventory/%s/%d"),
		"POST /inventory/{kind}/{id}/retire":            at(KindDevice, "/inventory/%s/%d/retire"),
		"POST /inventory/{kind}/{id}/lend":              at(KindMedium, "/inventory/%s/%d/lend"),
		"POST /inventory/{kind}/{id}/return":            at(KindMedium, "/inventory/%s/%d/return"),
		"POST /inventory/{kind}/{id}/people":            at(KindArea, "/inventory/%s/%d/people"),
		"POST /inventory/{kind}/{id}/people/{n}/revoke": at(KindArea, "/inventory/%s/%d/people/0/revoke"),
		"POST /inventory/{kind}/{id}/log":               at(KindArea, "/inventory/%s/%d/log"),
		"GET /contacts":                                 capability.Fixed("/contacts"),
		"GET /contacts/export":                          capability.Fixed("/contacts/export"),
		"GET /contacts/people/{id}":                     person("/contacts/people/%d"),
		"POST /contacts/people/{id}":                    person("/contacts/people/%d"),
		"GET /api/v1/inventory/{kind}":                  capability.Fixed("/api/v1/inventory/medium"),
		"POST /api/v1/inventory/{kind}":                 capability.Fixed("/api/v1/inventory/device"),
		"GET /api/v1/inventory/{kind}/{id}":             at(KindArea, "/api/v1/inventory/%s/%d"),
		"GET /api/v1/contacts":                          capability.Fixed("/api/v1/contacts"),
	}, nil
}
