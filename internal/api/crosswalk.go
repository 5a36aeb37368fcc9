package api

import (
	"net/http"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/crosswalk"
)

func init() {
	RegisterSchema("SuggestionList", []crosswalk.Suggestion{})
	RegisterSchema("SuggestionsSaved", SuggestionsSaved{})
	RegisterSchema("LinkList", []crosswalk.Link{})
	RegisterSchema("Link", crosswalk.Link{})
	RegisterSchema("LinkRequest", LinkRequest{})
	RegisterSchema("LinkReview", LinkReview{})
	RegisterSchema("GapReport", crosswalk.GapReport{})
	RegisterSchema("EditionDiff", crosswalk.EditionDiff{})
}

// SuggestionsSaved answers a request to store suggestions.
type SuggestionsSaved struct {
	Suggestions int `json:"suggestions"` // suggestions made
	New         int `json:"new"`         // links stored that did not exist
}

// LinkRequest records a person's decision on a pair of requirements.
type LinkRequest struct {
	From    string `json:"from"` // catalog id, optionally @edition
	To      string `json:"to"`
	FromRef string `json:"from_ref"`
	ToRef   string `json:"to_ref"`
	Kind    string `json:"kind,omitempty"`   // default derived-from
	Status  string `json:"status,omitempty"` // confirmed (default) or rejected
	Note    string `json:"note,omitempty"`
}

// LinkReview confirms or rejects a stored link.
type LinkReview struct {
	Status string `json:"status"` // confirmed or rejected
	Kind   string `json:"kind,omitempty"`
	Note   string `json:"note,omitempty"`
}

// crosswalkRoutes are the crosswalk endpoints; none without the capability.
func (a *API) crosswalkRoutes() []Route {
	if a.Crosswalk == nil {
		return nil
	}
	ed := func(name, desc string) Param {
		return Param{Name: name, In: "query", Type: "string", Required: true, Description: desc + ": catalog id, optionally @edition (3 or 3@2)"}
	}
	from, to := ed("from", "derived catalog"), ed("to", "parent catalog")
	top := Param{Name: "top", In: "query", Type: "integer", Description: "suggestions per requirement (default 3)"}
	threshold := Param{Name: "threshold", In: "query", Type: "number", Description: "drop suggestions scoring below (0–1)"}
	const base = "/api/v1/crosswalk"
	return []Route{
		{Method: "GET", Path: base + "/suggestions", Perm: authz.CrosswalkRead, Handler: a.xwSuggest(false),
			Summary: "Suggest links from the requirements of one catalog to the most similar requirements of another",
			Params:  []Param{from, to, top, threshold}, Response: "SuggestionList"},
		{Method: "POST", Path: base + "/suggestions", Perm: authz.CrosswalkWrite, Handler: a.xwSuggest(true),
			Summary: "Store suggestions as suggested links for review (reviewed links keep their status)",
			Params:  []Param{from, to, top, threshold}, Response: "SuggestionsSaved"},
		{Method: "GET", Path: base + "/links", Perm: authz.CrosswalkRead, Handler: a.xwLinks,
			Summary: "Stored links between two catalogs",
			Params: []Param{from, to, {Name: "status", In: "query", Type: "string", Description: "suggested, confirmed or rejected"},
				{Name: "from_ref", In: "query", Type: "string", Description: "only links of this requirement"}},
			Response: "LinkList"},
		{Method: "POST", Path: base + "/links", Perm: authz.CrosswalkWrite, Handler: a.xwPick,
			Summary: "Confirm or reject a pair of requirements (creates the link when needed)", Body: "LinkRequest", Response: "Link"},
		{Method: "PATCH", Path: base + "/links/{id}", Perm: authz.CrosswalkWrite, Handler: a.xwReview,
			Summary: "Confirm or reject a stored link", Body: "LinkReview", Response: "Link",
			Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}},
		{Method: "GET", Path: base + "/gaps", Perm: authz.CrosswalkRead, Handler: a.xwGaps,
			Summary: "Coverage gaps: requirements of the parent catalog no requirement of the child covers, by section",
			Params: []Param{ed("parent", "parent catalog"), ed("child", "derived catalog"),
				{Name: "suggested", In: "query", Type: "number", Description: "also count suggestions scoring at least this (0–1)"}},
			Response: "GapReport"},
		{Method: "GET", Path: base + "/diff", Perm: authz.CrosswalkRead, Handler: a.xwDiff,
			Summary: "Compare two editions: added, removed, changed (with a character diff), moved, and the derived requirements each change touches",
			Params:  []Param{ed("old", "old edition"), ed("new", "new edition")}, Response: "EditionDiff"},
	}
}

func editionQuery(r *http.Request, name string) (crosswalk.EditionRef, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return crosswalk.EditionRef{}, apperr.E(apperr.BadRequest, "crosswalk.err.query_parameter_required", name)
	}
	return crosswalk.ParseEditionRef(v)
}

func pairQuery(r *http.Request, a, b string) (crosswalk.EditionRef, crosswalk.EditionRef, error) {
	x, err := editionQuery(r, a)
	if err != nil {
		return x, x, err
	}
	y, err := editionQuery(r, b)
	return x, y, err
}

func floatQuery(r *http.Request, name string) (float64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, apperr.E(apperr.BadRequest, "crosswalk.err.number_between", name)
	}
	return f, nil
}

func (a *API) xwSuggest(save bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		from, to, err := pairQuery(r, "from", "to")
		if err != nil {
			a.fail(w, r, err)
			return
		}
		opt := crosswalk.Options{Top: 3}
		if v := r.URL.Query().Get("top"); v != "" {
			if opt.Top, err = strconv.Atoi(v); err != nil || opt.Top < 1 || opt.Top > 50 {
				a.fail(w, r, apperr.E(apperr.BadRequest, "crosswalk.err.top_number_from"))
				return
			}
		}
		if opt.Threshold, err = floatQuery(r, "threshold"); err != nil {
			a.fail(w, r, err)
			return
		}
		sugg, added, err := a.Crosswalk.Suggest(r.Context(), from, to, opt, save)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if save {
			writeJSON(w, http.StatusOK, SuggestionsSaved{Suggestions: len(sugg), New: added})
			return
		}
		if sugg == nil {
			sugg = []crosswalk.Suggestion{}
		}
		writeJSON(w, http.StatusOK, sugg)
	}
}

func (a *API) xwLinks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	from, to, err := pairQuery(r, "from", "to")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	fs, err := a.Crosswalk.Resolve(ctx, from)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ts, err := a.Crosswalk.Resolve(ctx, to)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	links, err := a.Crosswalk.Links(ctx, crosswalk.Filter{FromEdition: fs.Edition.ID, ToEdition: ts.Edition.ID,
		Status: q.Get("status"), FromRef: q.Get("from_ref")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if links == nil {
		links = []crosswalk.Link{}
	}
	writeJSON(w, http.StatusOK, links)
}

func (a *API) xwPick(w http.ResponseWriter, r *http.Request) {
	var req LinkRequest
	if err := readJSON(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	from, err := crosswalk.ParseEditionRef(req.From)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	to, err := crosswalk.ParseEditionRef(req.To)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	l, err := a.Crosswalk.Pick(r.Context(), from, to, req.FromRef, req.ToRef, req.Kind, req.Status, req.Note, 0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (a *API) xwReview(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req LinkReview
	if err := readJSON(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	l, err := a.Crosswalk.Review(r.Context(), id, req.Status, req.Kind, req.Note)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (a *API) xwGaps(w http.ResponseWriter, r *http.Request) {
	parent, child, err := pairQuery(r, "parent", "child")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sugg, err := floatQuery(r, "suggested")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rep, err := a.Crosswalk.Gaps(r.Context(), parent, child, crosswalk.GapOptions{Suggested: sugg})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (a *API) xwDiff(w http.ResponseWriter, r *http.Request) {
	oldRef, newRef, err := pairQuery(r, "old", "new")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.Crosswalk.Diff(r.Context(), oldRef, newRef)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
