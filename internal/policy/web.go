package policy

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kitei/internal/api"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/catalog"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

//go:embed templates/*.html
var templateFiles embed.FS

// web holds the pages and API handlers.
type web struct {
	svc *Service
	kit *webui.Kit
}

// Module is the policy capability for the composition root.
func Module(svc *Service, kit *webui.Kit) capability.Module {
	h := &web{svc: svc, kit: kit}
	api.RegisterSchema("PolicyCreate", CreateInput{})
	api.RegisterSchema("PolicyEdit", Edit{})
	return capability.Module{
		Name:     "policy",
		Overview: svc.Overview(),
		Pages: []httpx.Route{
			{Method: "GET", Path: "/policies", Perm: Read, Handler: h.index},
			{Method: "GET", Path: "/policies/new", Perm: Draft, Handler: h.newForm},
			{Method: "POST", Path: "/policies", Perm: Draft, Handler: h.create},
			{Method: "GET", Path: "/policies/mine", Perm: Ack, Handler: h.mine},
			{Method: "GET", Path: "/policies/{id}", Perm: Read, Handler: h.doc},
			{Method: "GET", Path: "/policies/{id}/edit", Perm: Draft, Handler: h.editForm},
			{Method: "POST", Path: "/policies/{id}/edit", Perm: Draft, Handler: h.edit},
			{Method: "POST", Path: "/policies/{id}/submit", Perm: Draft, Handler: h.submit},
			{Method: "POST", Path: "/policies/{id}/revise", Perm: Draft, Handler: h.revise},
			{Method: "GET", Path: "/policies/{id}/diff", Perm: Read, Handler: h.diff},
			{Method: "GET", Path: "/policies/{id}/diff.xlsx", Perm: Read, Handler: h.diffXLSX},
			{Method: "GET", Path: "/policies/{id}/versions/{n}", Perm: Read, Handler: h.version},
			{Method: "POST", Path: "/policies/{id}/versions/{n}/comments", Perm: Review, Handler: h.comment},
			{Method: "POST", Path: "/policies/{id}/versions/{n}/decide", Perm: Approve, Handler: h.decide},
			{Method: "GET", Path: "/policies/{id}/export", Perm: Read, Handler: h.export},
			{Method: "POST", Path: "/policies/{id}/tasks/{task}/close", Perm: Draft, Handler: h.closeTask},
			{Method: "GET", Path: "/policies/{id}/read", Perm: Ack, Handler: h.read},
			{Method: "POST", Path: "/policies/{id}/ack", Perm: Ack, Handler: h.ack},
			{Method: "GET", Path: "/policies/{id}/acks", Perm: Follow, Handler: h.acks},
		},
		API: h.apiRoutes(),
		Nav: []webui.NavEntry{
			{Key: "policy", Href: "/policies", Label: "nav.policy", Order: 15, Perms: []authz.Permission{Read}},
			{Key: "policy-mine", Href: "/policies/mine", Label: "nav.policy_mine", Order: 55, Perms: []authz.Permission{Ack}},
		},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Funcs: template.FuncMap{
			"policyPct": func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" },
			"policyIndent": func(n int) string {
				if n > 6 {
					n = 6
				}
				return "pl-d" + strconv.Itoa(n)
			},
			"policyHas": func(list []string, s string) bool {
				for _, x := range list {
					if x == s {
						return true
					}
				}
				return false
			},
		}},
		Jobs: []capability.Job{{Name: "policy", Interval: time.Minute, Run: svc.StartJobs}},
		Serve: func(ctx context.Context, m notify.Mailer) error {
			if m != nil {
				svc.Mailer = m
			}
			svc.Logf = kit.Logger.Warn
			return nil
		},
		Matrix: svc.matrix,
	}
}

// StartJobs runs the jobs every interval until ctx ends.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if res, err := s.RunJobs(ctx); err != nil && logf != nil && ctx.Err() == nil {
				logf("policy jobs", "err", err)
			} else if logf != nil && res != (JobResult{}) {
				logf("policy jobs", "published", res.Published, "tasks", res.Tasks)
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

func (h *web) page(r *http.Request, title string, data any) *webui.Page {
	p := h.kit.Page(r, title, data)
	p.Nav = "policy"
	if f := r.URL.Query().Get("done"); f != "" && !strings.ContainsAny(f, " /") {
		p.Flash = p.T("policy.done." + f)
	}
	return p
}

func docURL(id int64) string { return "/policies/" + strconv.FormatInt(id, 10) }

// ---- list and create ----

type indexData struct {
	Docs []Doc
}

func (h *web) index(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.Docs(r.Context(), me(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "policy_index", h.page(r, "policy.title", indexData{Docs: ds}))
}

type newData struct {
	Origin       string
	Catalogs     []catalog.Catalog
	Catalog      catalog.Catalog
	Sections     []catalog.Node
	Placeholders []Placeholder
	Name, Title  string
}

func (h *web) newForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := authz.Require(me(r), Draft); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	cats, err := h.svc.catalogs.List(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := newData{Origin: q.Get("origin"), Catalogs: cats, Name: q.Get("name"), Title: q.Get("title")}
	if id, _ := strconv.ParseInt(q.Get("catalog"), 10, 64); id > 0 && (d.Origin == OriginDerived || d.Origin == OriginTemplate) {
		c, err := h.svc.catalogs.Get(ctx, id)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		nodes, err := h.svc.catalogs.Nodes(ctx, c.Latest.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		d.Catalog, d.Sections = c, Sections(nodes)
		if d.Origin == OriginTemplate {
			d.Placeholders = Placeholders(nodes)
		}
	}
	h.kit.Render(w, r, http.StatusOK, "policy_new", h.page(r, "policy.new.title", d))
}

func (h *web) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "policy.err.form"))
		return
	}
	f := r.PostForm
	in := CreateInput{Name: f.Get("name"), Title: f.Get("title"), Origin: f.Get("origin"), Note: f.Get("note"),
		Sections: f["section"]}
	in.Catalog, _ = strconv.ParseInt(f.Get("catalog"), 10, 64)
	if in.Origin == OriginTemplate {
		in.Tailor.Values = map[string]string{}
		toks, vals := f["token"], f["value"]
		for i := range toks {
			if i < len(vals) {
				in.Tailor.Values[toks[i]] = vals[i]
			}
		}
		keep := map[string]bool{}
		for _, k := range f["keep"] {
			keep[k] = true
		}
		for _, s := range f["optional"] {
			if !keep[s] {
				in.Tailor.Drop = append(in.Tailor.Drop, s)
			}
		}
		in.Tailor.DropNotes = f.Get("drop_notes") != ""
	}
	d, err := h.svc.Create(r.Context(), me(r), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, docURL(d.ID), "created")
}

// ---- the document ----

type docData struct {
	Doc      Doc
	Nodes    []Node
	Depths   []int
	Coverage Coverage
	Changes  []Change
	Versions []Version
	Tasks    []Task
	Formats  []string
	Kinds    []string
	CanEdit  bool
}

func (h *web) doc(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := me(r)
	d, nodes, err := h.svc.Draft(ctx, p, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := docData{Doc: d, Nodes: nodes, CanEdit: d.Editable() && p.Can(Draft), Formats: h.svc.ExportFormats(), Kinds: kinds}
	data.Depths = depths(nodes)
	if data.Coverage, err = h.svc.Coverage(ctx, d, nodes); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if data.Changes, err = h.svc.Changes(ctx, p, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if data.Versions, err = h.svc.Versions(ctx, p, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if data.Tasks, err = h.svc.Tasks(ctx, p, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := h.page(r, "policy.doc.title", data)
	pg.Title = d.Title
	h.kit.Render(w, r, http.StatusOK, "policy_doc", pg)
}

type editData struct {
	Doc   Doc
	Node  Node
	Kinds []string
}

var kinds = []string{catalog.KindItem, catalog.KindSection, catalog.KindArticle, catalog.KindHeading, catalog.KindParagraph,
	catalog.KindClause, catalog.KindSubitem, catalog.KindChapter, catalog.KindPart, catalog.KindTerm}

func (h *web) editForm(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d, nodes, err := h.svc.Draft(r.Context(), me(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if !d.Editable() {
		h.kit.Fail(w, r, apperr.E(apperr.Conflict, "policy.err.not_draft"))
		return
	}
	ref := r.URL.Query().Get("ref")
	i := find(nodes, ref)
	if i < 0 {
		h.kit.Fail(w, r, apperr.E(apperr.NotFound, "policy.err.no_node", ref))
		return
	}
	h.kit.Render(w, r, http.StatusOK, "policy_edit", h.page(r, "policy.edit.title", editData{Doc: d, Node: nodes[i], Kinds: kinds}))
}

func (h *web) edit(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, apperr.E(apperr.Invalid, "policy.err.form"))
		return
	}
	f := r.PostForm
	e := Edit{Op: f.Get("op"), Ref: f.Get("ref"), NewRef: f.Get("new_ref"), Parent: f.Get("parent"), After: f.Get("after"),
		Kind: f.Get("kind"), Title: f.Get("title"), Text: f.Get("text"), Requirement: f.Get("requirement") != "",
		Subject: f.Get("subject"), DerivedFrom: f.Get("derived_from"), Note: f.Get("note")}
	e.Rev, _ = strconv.Atoi(f.Get("rev"))
	if _, err := h.svc.Apply(r.Context(), me(r), id, e); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	anchor := ""
	if e.Op != ActDelete {
		ref := e.Ref
		if e.Op == ActRenumber {
			ref = e.NewRef
		}
		anchor = "#n-" + url.PathEscape(ref)
	}
	http.Redirect(w, r, docURL(id)+"?done=edited"+anchor, http.StatusSeeOther)
}

func (h *web) submit(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	rev, _ := strconv.Atoi(r.FormValue("rev"))
	v, err := h.svc.Submit(r.Context(), me(r), id, rev, r.FormValue("note"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, docURL(id)+"/versions/"+strconv.Itoa(v.Number), "submitted")
}

func (h *web) revise(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if _, err := h.svc.Revise(r.Context(), me(r), id, r.FormValue("note")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, docURL(id), "revised")
}

func (h *web) closeTask(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	task, err := httpx.PathID(r, "task")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.svc.CloseTask(r.Context(), me(r), id, task); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, docURL(id), "task_closed")
}

// ---- 新旧対照表 ----

type diffData struct {
	View     DiffView
	Versions []Version
	Print    bool
}

func diffSides(r *http.Request) (string, string) {
	q := r.URL.Query()
	old, new := q.Get("old"), q.Get("new")
	if old == "" {
		old = "parent"
	}
	if new == "" {
		new = "draft"
	}
	return old, new
}

func (h *web) diff(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	old, new := diffSides(r)
	v, err := h.svc.Diff(r.Context(), me(r), id, old, new, i18n.FromRequest(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	vs, err := h.svc.Versions(r.Context(), me(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pg := h.page(r, "policy.diff.title", diffData{View: v, Versions: vs, Print: r.URL.Query().Get("print") != ""})
	h.kit.Render(w, r, http.StatusOK, "policy_diff", pg)
}

// DiffTable is the 新旧対照表 as a sheet: new on the left, old on the right,
// as Japanese amendment tables are laid out.
func DiffTable(v DiffView, lang i18n.Lang) tabular.Table {
	t := tabular.Table{Name: i18n.T(lang, "policy.diff.sheet"),
		Header: []string{i18n.T(lang, "policy.diff.col.type"), i18n.T(lang, "policy.diff.col.new_ref"), i18n.T(lang, "policy.diff.col.new") + "（" + v.NewLabel + "）",
			i18n.T(lang, "policy.diff.col.old_ref"), i18n.T(lang, "policy.diff.col.old") + "（" + v.OldLabel + "）"},
		Widths: []float64{10, 18, 60, 18, 60}}
	for _, c := range v.Changes {
		newText, oldText := c.NewText, c.OldText
		if c.Title != "" {
			if c.NewRef != "" {
				newText = c.Title + "\n" + newText
			}
			if c.OldRef != "" {
				oldText = c.Title + "\n" + oldText
			}
		}
		t.Rows = append(t.Rows, []any{i18n.T(lang, "policy.diff.type."+c.Type), c.NewRef, strings.TrimSpace(newText), c.OldRef, strings.TrimSpace(oldText)})
	}
	return t
}

func (h *web) diffXLSX(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	old, new := diffSides(r)
	lang := i18n.FromRequest(r)
	v, err := h.svc.Diff(r.Context(), me(r), id, old, new, lang)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, DiffTable(v, lang)); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	attach(w, fileSafe(v.Doc.Name)+"-"+old+"-"+new+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func attach(w http.ResponseWriter, name, ctype string, data []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// ---- versions, review and approval ----

type versionData struct {
	Doc        Doc
	Version    Version
	Comments   []Comment
	ByRef      map[string][]Comment
	General    []Comment
	Depths     []int
	CanReview  bool
	CanApprove bool
	Today      string
	Formats    []string
}

func (h *web) version(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	n, err := httpx.PathID(r, "n")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := me(r)
	d, err := h.svc.Doc(ctx, p, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v, cs, err := h.svc.Version(ctx, p, id, int(n))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := versionData{Doc: d, Version: v, Comments: cs, ByRef: map[string][]Comment{}, Depths: depths(v.Nodes),
		CanReview: v.Status == VersionSubmitted && p.Can(Review), CanApprove: v.Status == VersionSubmitted && p.Can(Approve),
		Today: h.svc.Today(), Formats: h.svc.ExportFormats()}
	for _, c := range cs {
		if c.Ref == "" {
			data.General = append(data.General, c)
		} else {
			data.ByRef[c.Ref] = append(data.ByRef[c.Ref], c)
		}
	}
	pg := h.page(r, "policy.version.title", data)
	pg.Title = d.Title + " " + pg.T("policy.side.version", v.Number)
	h.kit.Render(w, r, http.StatusOK, "policy_version", pg)
}

func versionPath(r *http.Request) (int64, int, error) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	n, err := httpx.PathID(r, "n")
	return id, int(n), err
}

func (h *web) comment(w http.ResponseWriter, r *http.Request) {
	id, n, err := versionPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	c, err := h.svc.Comment(r.Context(), me(r), id, n, r.FormValue("ref"), r.FormValue("body"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, docURL(id)+"/versions/"+strconv.Itoa(n)+"?done=commented#n-"+url.PathEscape(c.Ref), http.StatusSeeOther)
}

func (h *web) decide(w http.ResponseWriter, r *http.Request) {
	id, n, err := versionPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	dec := Decision{Approve: r.FormValue("decision") == "approve", Deliberation: r.FormValue("deliberation"),
		EffectiveOn: r.FormValue("effective_on"), Reason: r.FormValue("reason")}
	d, err := h.svc.Decide(r.Context(), me(r), id, n, dec)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	done := "returned"
	switch d.Status {
	case StatusApproved:
		done = "approved"
	case StatusPublished:
		done = "published"
	}
	webui.SeeOther(w, r, docURL(id)+"/versions/"+strconv.Itoa(n), done)
}

func (h *web) export(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("version"))
	var buf bytes.Buffer
	name, ctype, err := h.svc.Export(r.Context(), me(r), id, n, r.URL.Query().Get("format"), &buf)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	attach(w, name, ctype, buf.Bytes())
}

// ---- 周知: reading and acknowledging ----

type mineRow struct {
	Doc     Doc
	AckedAt time.Time
}

func (h *web) mine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := me(r)
	if err := authz.Require(p, Ack); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ds, err := h.svc.store.Docs(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var rows []mineRow
	for _, d := range ds {
		if d.Published == 0 {
			continue
		}
		row := mineRow{Doc: d}
		if p.PersonID != 0 {
			if row.AckedAt, _, err = h.svc.store.AckOf(ctx, d.ID, d.Published, p.PersonID); err != nil {
				h.kit.Fail(w, r, err)
				return
			}
		}
		rows = append(rows, row)
	}
	pg := h.page(r, "policy.mine.title", rows)
	pg.Nav = "policy-mine"
	h.kit.Render(w, r, http.StatusOK, "policy_mine", pg)
}

var builtinMapper = selfcheck.NewRoleMapper(selfcheck.BuiltinRoleNames(), nil)

type readData struct {
	Reading Reading
	Depths  []int
	Mine    map[string]bool
}

func (h *web) read(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	rd, err := h.svc.Read(r.Context(), me(r), id, builtinMapper.Map)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data := readData{Reading: rd, Depths: depths(rd.Version.Nodes), Mine: map[string]bool{}}
	for _, ref := range rd.Mine {
		data.Mine[ref] = true
	}
	pg := h.page(r, "policy.read.title", data)
	pg.Nav = "policy-mine"
	pg.Title = rd.Doc.Title
	h.kit.Render(w, r, http.StatusOK, "policy_read", pg)
}

func (h *web) ack(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.svc.Acknowledge(r.Context(), me(r), id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.SeeOther(w, r, docURL(id)+"/read", "acked")
}

// ackData is the acknowledgment page: the rates of every unit and a
// page of each person list (or of the one ?list= names).
type ackData struct {
	AckStatus
	MissingPager, AckedPager webui.Pager
}

func (h *web) acks(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	pr, err := paging.FromQuery(q, PageSize)
	var st AckStatus
	if err == nil {
		st, err = h.svc.AckList(r.Context(), me(r), id, unit, q.Get("list"), pr)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d := ackData{AckStatus: st,
		MissingPager: webui.NewPager(listRequest(r, st.List, ListMissing), st.MissingNext, "pol-missing", len(st.Missing), st.MissingCount),
		AckedPager:   webui.NewPager(listRequest(r, st.List, ListAcked), st.AckedNext, "pol-acked", len(st.Acked), st.AckedCount)}
	pg := h.page(r, "policy.acks.title", d)
	pg.Title = st.Doc.Title + " — " + pg.T("policy.acks.title")
	h.kit.Render(w, r, http.StatusOK, "policy_acks", pg)
}

// listRequest is r as the pager of the list named list sees it: r itself
// when r shows that list alone, otherwise r asking for that list alone
// (its first page, the other parameters kept).
func listRequest(r *http.Request, shown, list string) *http.Request {
	if shown == list {
		return r
	}
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Del("after")
	q.Set("list", list)
	r2.URL.RawQuery = q.Encode()
	return r2
}
