package api

import (
	"net/http"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
)

// catalogExportRoute downloads an edition as OSCAL, xlsx or kitei JSON.
func (a *API) catalogExportRoute() Route {
	return Route{Method: "GET", Path: "/api/v1/catalogs/{id}/export", Perm: authz.CatalogRead,
		Summary: "Export a catalog edition as an OSCAL 1.1.3 catalog, an xlsx workbook or kitei JSON (a file download)",
		Handler: a.exportCatalog,
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true},
			{Name: "format", In: "query", Type: "string", Description: "oscal, xlsx or json (default json)"},
			{Name: "edition", In: "query", Type: "integer", Description: "edition number (default: latest)"}}}
}

func (a *API) exportCatalog(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	edition := 0
	if v := q.Get("edition"); v != "" {
		if edition, err = strconv.Atoi(v); err != nil || edition < 1 {
			a.fail(w, r, apperr.E(apperr.BadRequest, "catalog.err.edition_positive_number"))
			return
		}
	}
	info, err := a.Catalogs.ExportInfo(r.Context(), id, edition, format)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.ServeDownload(w, info.ContentType, info.Name)
	if err := a.Catalogs.Export(r.Context(), id, edition, format, w); err != nil {
		// Headers are gone; the log is the only place left to tell.
		a.Logger.Error("catalog export", "catalog", id, "format", format, "err", err)
	}
}
