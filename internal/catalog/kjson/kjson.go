// Package kjson reads and writes catalogs in kitei's own JSON shape, the
// one `kitei catalog show --json` prints, so exports can be imported again.
package kjson

import (
	"bytes"
	"encoding/json"
	"io"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

// Document is a catalog edition with its nodes.
type Document struct {
	ID      int64          `json:"id"`
	Name    string         `json:"name"`
	Edition int            `json:"edition"`
	Title   string         `json:"title,omitempty"`
	Nodes   []catalog.Node `json:"nodes"`
}

// Exporter registers Export with a catalog.Service.
var Exporter = catalog.Exporter{Write: Export, ContentType: "application/json", Ext: ".json"}

// Export writes the document indented, without HTML escaping, exactly as
// `kitei catalog show --json` does.
func Export(w io.Writer, meta catalog.ExportMeta, nodes []catalog.Node) error {
	if nodes == nil {
		nodes = []catalog.Node{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(Document{ID: meta.CatalogID, Name: meta.Name, Edition: meta.Edition, Title: meta.Title, Nodes: nodes})
}

// Parse reads a kitei JSON document. Unknown fields are refused, so a
// document in some other JSON shape gets a clear error instead of an empty
// catalog.
func Parse(data []byte) (*catalog.Parsed, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	dec.DisallowUnknownFields()
	var doc struct {
		Document
		Nodes *[]catalog.Node `json:"nodes"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.kitei_catalog_json_document", err)
	}
	if doc.Nodes == nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.kitei_catalog_json_document_nodes")
	}
	if dec.More() {
		return nil, apperr.E(apperr.Invalid, "catalog.err.kitei_catalog_json_document_data")
	}
	if err := catalog.Validate(*doc.Nodes); err != nil {
		return nil, err
	}
	return &catalog.Parsed{Title: doc.Title, Format: "json", Style: "kitei", Encoding: "utf-8", Nodes: *doc.Nodes}, nil
}
