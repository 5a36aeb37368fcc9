package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/httpx"
	"kitei/internal/paging"
)

func (a *API) catalogRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/catalogs", Perm: authz.CatalogRead, Summary: "List catalogs with their latest edition",
			Handler: a.listCatalogs, Response: "CatalogList"},
		{Method: "POST", Path: "/api/v1/catalogs", Perm: authz.CatalogWrite, Summary: "Import a rulebook file (the request body is the file)",
			Handler: a.importCatalog, Body: "File", BodyType: "application/octet-stream", Response: "ImportResult",
			Params: []Param{
				{Name: "name", In: "query", Type: "string", Description: "catalog name; a changed file under an existing name becomes a new edition"},
				{Name: "filename", In: "query", Type: "string", Description: "original file name (helps format detection)"},
				{Name: "format", In: "query", Type: "string", Description: "auto (default), jptext, oscal, ciso, xlsx or json"},
			}},
		{Method: "GET", Path: "/api/v1/catalogs/{id}", Perm: authz.CatalogRead,
			Summary: "A catalog with one page of its nodes in document order (next page: the \"next\" cursor, also in Link and X-Next-Cursor)",
			Handler: a.getCatalog, Response: "CatalogDocument",
			Params: append([]Param{{Name: "id", In: "path", Type: "integer", Required: true},
				{Name: "edition", In: "query", Type: "integer", Description: "edition number (default: latest)"},
				{Name: "under", In: "query", Type: "string", Description: "only the nodes below this ref (a section's subtree, without the section itself)"}},
				httpx.PageParams(NodesPerPage)...)},
		{Method: "GET", Path: "/api/v1/catalogs/{id}/editions", Perm: authz.CatalogRead, Summary: "Editions of a catalog, newest first",
			Handler: a.listEditions, Response: "EditionList",
			Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}},
		{Method: "GET", Path: "/api/v1/search", Perm: authz.CatalogRead, Summary: "Full-text search across the latest editions",
			Handler: a.search, Response: "SearchResult",
			Params: []Param{{Name: "q", In: "query", Type: "string", Required: true, Description: "words separated by spaces; all must appear"},
				{Name: "catalog", In: "query", Type: "integer"}, {Name: "subject", In: "query", Type: "string"},
				{Name: "limit", In: "query", Type: "integer", Description: "at most 1000, default 200"}}},
	}
}

// CatalogSummary is a catalog with its latest edition's figures.
type CatalogSummary struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Format       string   `json:"format"`
	Nodes        int      `json:"nodes"`
	Requirements int      `json:"requirements"`
	Edition      int      `json:"edition"`
	Style        string   `json:"style"`
	Duplicate    bool     `json:"duplicate,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

func summary(c catalog.Catalog, e catalog.Edition) CatalogSummary {
	return CatalogSummary{ID: c.ID, Name: c.Name, Format: e.Format, Nodes: e.Nodes, Requirements: e.Requirements,
		Edition: e.Number, Style: e.Style, Warnings: e.Warnings}
}

func (a *API) listCatalogs(w http.ResponseWriter, r *http.Request) {
	cats, err := a.Catalogs.List(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]CatalogSummary, 0, len(cats))
	for _, c := range cats {
		out = append(out, summary(c, c.Latest))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) importCatalog(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, catalog.MaxImportSize)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.fail(w, r, apperr.E(apperr.TooLarge, "catalog.err.file_too_large_limit_mb", catalog.MaxImportSize>>20))
			return
		}
		a.fail(w, r, apperr.WrapE(apperr.BadRequest, err, "catalog.err.read_body"))
		return
	}
	q := r.URL.Query()
	res, err := a.Catalogs.Import(r.Context(), catalog.ImportRequest{
		Name: q.Get("name"), SourceName: q.Get("filename"), Format: q.Get("format"), Data: data,
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s := summary(res.Catalog, res.Edition)
	s.Duplicate = res.Duplicate
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, s)
}

// CatalogDocument is a catalog edition with one page of its nodes (the
// shape of `kitei catalog show --json`, which holds every node). Next is
// the cursor of the following page, "" on the last.
type CatalogDocument struct {
	ID      int64          `json:"id"`
	Name    string         `json:"name"`
	Edition int            `json:"edition"`
	Title   string         `json:"title,omitempty"`
	Nodes   []catalog.Node `json:"nodes"`
	Next    string         `json:"next,omitempty"`
}

// NodesPerPage is how many nodes GET /api/v1/catalogs/{id} answers when
// the caller names no limit.
const NodesPerPage = 200

func (a *API) getCatalog(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Catalogs.Get(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e := c.Latest
	if v := r.URL.Query().Get("edition"); v != "" {
		eds, err := a.Catalogs.Editions(r.Context(), id)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		found := false
		for _, x := range eds {
			if strconv.Itoa(x.Number) == v {
				e, found = x, true
			}
		}
		if !found {
			a.fail(w, r, apperr.E(apperr.NotFound, "catalog.err.catalog_has_edition", id, v))
			return
		}
	}
	req, err := paging.FromQuery(r.URL.Query(), NodesPerPage)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	nodes, next, err := a.Catalogs.NodesPage(r.Context(), e.ID, r.URL.Query().Get("under"), req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if nodes == nil {
		nodes = []catalog.Node{}
	}
	paging.SetHeaders(w, r, next)
	writeJSON(w, http.StatusOK, CatalogDocument{ID: c.ID, Name: c.Name, Edition: e.Number, Title: e.Title, Nodes: nodes, Next: next})
}

func (a *API) listEditions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	eds, err := a.Catalogs.Editions(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, eds)
}

// SearchHit is one node found by a search.
type SearchHit struct {
	CatalogID   int64  `json:"catalog_id"`
	CatalogName string `json:"catalog_name"`
	catalog.Node
}

// SearchResult is the answer of /api/v1/search.
type SearchResult struct {
	Total int         `json:"total"`
	Hits  []SearchHit `json:"hits"`
}

func (a *API) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := q.Get("q")
	if text == "" || len([]rune(text)) > 200 {
		a.fail(w, r, apperr.E(apperr.BadRequest, "catalog.err.q_hold_characters"))
		return
	}
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			a.fail(w, r, apperr.E(apperr.BadRequest, "catalog.err.limit_between"))
			return
		}
		limit = n
	}
	catID, _ := strconv.ParseInt(q.Get("catalog"), 10, 64)
	res, err := a.Catalogs.Search(r.Context(), catalog.SearchQuery{Text: text, CatalogID: catID, Subject: q.Get("subject"), Limit: limit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := SearchResult{Total: res.Total, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, SearchHit{CatalogID: h.Catalog.ID, CatalogName: h.Catalog.Name, Node: h.Node})
	}
	writeJSON(w, http.StatusOK, out)
}
