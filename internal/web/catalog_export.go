package web

import (
	"net/http"

	"kitei/internal/httpx"
)

// catalogExport downloads an edition as OSCAL, xlsx or kitei JSON
// (?format=oscal|xlsx|json, ?edition=N).
func (s *Server) catalogExport(w http.ResponseWriter, r *http.Request) {
	c, e, _, err := s.catalogEdition(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	info, err := s.Catalogs.ExportInfo(r.Context(), c.ID, e.Number, format)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	httpx.ServeDownload(w, info.ContentType, info.Name)
	if err := s.Catalogs.Export(r.Context(), c.ID, e.Number, format, w); err != nil {
		s.Logger.Error("catalog export", "catalog", c.ID, "format", format, "err", err)
	}
}
