package policy

import (
	"net/http"
	"slices"
	"strconv"

	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/paging"
)

func (h *web) apiRoutes() []httpx.Route {
	idParam := []httpx.Param{{Name: "id", In: "path", Type: "integer", Required: true, Description: "document id"}}
	verParams := append(idParam, httpx.Param{Name: "n", In: "path", Type: "integer", Required: true, Description: "version number"})
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/policies", Perm: Read, Summary: "Policy documents", Handler: h.apiList},
		{Method: "POST", Path: "/api/v1/policies", Perm: Draft, Summary: "Create a policy document (empty, from a template, derived from a parent)", Body: "PolicyCreate", Handler: h.apiCreate},
		{Method: "GET", Path: "/api/v1/policies/{id}", Perm: Read, Summary: "A policy document with its draft and coverage", Params: idParam, Handler: h.apiDoc},
		{Method: "POST", Path: "/api/v1/policies/{id}/edits", Perm: Draft, Summary: "Edit the draft: add, reword, move, delete, renumber (note required)", Params: idParam, Body: "PolicyEdit", Handler: h.apiEdit},
		{Method: "POST", Path: "/api/v1/policies/{id}/submit", Perm: Draft, Summary: "Submit the draft as the next version", Params: idParam, Handler: h.apiSubmit},
		{Method: "GET", Path: "/api/v1/policies/{id}/diff", Perm: Read, Summary: "新旧対照表 between parent, draft and versions (old, new)", Params: append(idParam,
			httpx.Param{Name: "old", In: "query", Type: "string", Description: "parent, draft or a version number"},
			httpx.Param{Name: "new", In: "query", Type: "string", Description: "parent, draft or a version number"}), Handler: h.apiDiff},
		{Method: "GET", Path: "/api/v1/policies/{id}/versions/{n}", Perm: Read, Summary: "A version with its review comments", Params: verParams, Handler: h.apiVersion},
		{Method: "POST", Path: "/api/v1/policies/{id}/versions/{n}/comments", Perm: Review, Summary: "Comment on a node of a submitted version", Params: verParams, Handler: h.apiComment},
		{Method: "POST", Path: "/api/v1/policies/{id}/versions/{n}/decide", Perm: Approve, Summary: "Approve (with the committee's deliberation and effective date) or return", Params: verParams, Handler: h.apiDecide},
		{Method: "POST", Path: "/api/v1/policies/{id}/ack", Perm: Ack, Summary: "Acknowledge the version in force", Params: idParam, Handler: h.apiAck},
		{Method: "GET", Path: "/api/v1/policies/{id}/acks", Perm: Follow, Summary: "Acknowledgment rates per unit (every unit in scope) and who has and has not acknowledged, by employee number, a page at a time",
			Params: append(slices.Clone(idParam),
				httpx.Param{Name: "unit", In: "query", Type: "integer", Description: "unit to list person by person (absent: every unit in scope)"},
				httpx.Param{Name: "list", In: "query", Type: "string", Description: "missing or acked: that list alone, paged (the cursor in next, X-Next-Cursor and Link); absent: the first page of both (missing_next, acked_next)"},
				httpx.Param{Name: "after", In: "query", Type: "string", Description: "cursor of the list's next page (with list)"},
				httpx.Param{Name: "limit", In: "query", Type: "integer", Description: "people per page, 1–1000 (default 100)"}), Handler: h.apiAcks},
	}
}

func (h *web) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, h.kit.Logger)
}

func (h *web) apiList(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.Docs(r.Context(), me(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []Doc{}
	}
	httpx.WriteJSON(w, http.StatusOK, ds)
}

func (h *web) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.Create(r.Context(), me(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
}

type apiDocBody struct {
	Doc      Doc      `json:"doc"`
	Nodes    []Node   `json:"nodes"`
	Coverage Coverage `json:"coverage"`
	Changes  []Change `json:"changes"`
	Tasks    []Task   `json:"tasks"`
}

func (h *web) apiDoc(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, nodes, err := h.svc.Draft(ctx, me(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body := apiDocBody{Doc: d, Nodes: nodes}
	if body.Nodes == nil {
		body.Nodes = []Node{}
	}
	if body.Coverage, err = h.svc.Coverage(ctx, d, nodes); err == nil {
		if body.Changes, err = h.svc.Changes(ctx, me(r), id); err == nil {
			body.Tasks, err = h.svc.Tasks(ctx, me(r), id)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, body)
}

func (h *web) apiEdit(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var e Edit
	if err := httpx.ReadJSON(r, &e); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.Apply(r.Context(), me(r), id, e)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (h *web) apiSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		Rev  int    `json:"rev"`
		Note string `json:"note"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.Submit(r.Context(), me(r), id, in.Rev, in.Note)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
}

func (h *web) apiDiff(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	old, new := diffSides(r)
	v, err := h.svc.Diff(r.Context(), me(r), id, old, new, i18n.FromRequest(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (h *web) apiVersion(w http.ResponseWriter, r *http.Request) {
	id, n, err := versionPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, cs, err := h.svc.Version(r.Context(), me(r), id, n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []Comment{}
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		Version  Version   `json:"version"`
		Comments []Comment `json:"comments"`
	}{v, cs})
}

func (h *web) apiComment(w http.ResponseWriter, r *http.Request) {
	id, n, err := versionPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		Ref  string `json:"ref"`
		Body string `json:"body"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.Comment(r.Context(), me(r), id, n, in.Ref, in.Body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *web) apiDecide(w http.ResponseWriter, r *http.Request) {
	id, n, err := versionPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var dec Decision
	if err := httpx.ReadJSON(r, &dec); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.Decide(r.Context(), me(r), id, n, dec)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (h *web) apiAck(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.Acknowledge(r.Context(), me(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]bool{"acknowledged": true})
}

func (h *web) apiAcks(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	unit, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	pr, err := paging.FromQuery(q, APIPageSize)
	var st AckStatus
	if err == nil {
		st, err = h.svc.AckList(r.Context(), me(r), id, unit, q.Get("list"), pr)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	paging.SetHeaders(w, r, st.Next)
	httpx.WriteJSON(w, http.StatusOK, st)
}
