package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kitei/internal/apperr"
)

// MultiParser turns one source file into several catalogs, e.g. a CISO
// Assistant library holding several frameworks. Each Parsed becomes its own
// catalog named after its Title.
type MultiParser func(data []byte) ([]*Parsed, error)

// ExportMeta describes the edition being exported.
type ExportMeta struct {
	CatalogID    int64
	Name         string    // catalog name
	Edition      int       // edition number
	Title        string    // document title, when the source named one
	SourceFormat string    // format the edition was imported from
	Modified     time.Time // when the edition was imported
}

// Exporter writes an edition's nodes in one interchange format.
type Exporter struct {
	Write       func(w io.Writer, meta ExportMeta, nodes []Node) error
	ContentType string // media type of the output
	Ext         string // file name extension including the dot
}

// SetMultiParser registers a parser that may yield several catalogs from one
// file. Call it while wiring, before the service is used.
func (s *Service) SetMultiParser(format string, p MultiParser) {
	if s.multi == nil {
		s.multi = map[string]MultiParser{}
	}
	s.multi[format] = p
}

// SetExporter registers an export format. Call it while wiring, before the
// service is used.
func (s *Service) SetExporter(format string, e Exporter) {
	if s.exporters == nil {
		s.exporters = map[string]Exporter{}
	}
	s.exporters[format] = e
}

// ExportFormats lists the registered export formats, sorted.
func (s *Service) ExportFormats() []string {
	out := make([]string, 0, len(s.exporters))
	for f := range s.exporters {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// EditionByNumber returns a catalog and one of its editions; number 0 means
// the latest. Unknown catalogs and editions give apperr NotFound.
func (s *Service) EditionByNumber(ctx context.Context, id int64, number int) (Catalog, Edition, error) {
	c, err := s.store.Catalog(ctx, id)
	if err != nil {
		return Catalog{}, Edition{}, err
	}
	if number == 0 || number == c.Latest.Number {
		return c, c.Latest, nil
	}
	eds, err := s.store.Editions(ctx, id)
	if err != nil {
		return Catalog{}, Edition{}, err
	}
	for _, e := range eds {
		if e.Number == number {
			return c, e, nil
		}
	}
	return Catalog{}, Edition{}, apperr.E(apperr.NotFound, "catalog.err.catalog_has_edition2", id, number)
}

// ExportFile names the file an export is offered as, and its media type.
type ExportFile struct {
	Name        string
	ContentType string
}

// ExportInfo checks that format is registered and the edition exists, and
// says how the export will be named, without writing anything.
func (s *Service) ExportInfo(ctx context.Context, id int64, edition int, format string) (ExportFile, error) {
	ex, ok := s.exporters[format]
	if !ok {
		return ExportFile{}, apperr.E(apperr.Invalid, "catalog.err.unknown_export_format_use", format, strings.Join(s.ExportFormats(), ", "))
	}
	c, e, err := s.EditionByNumber(ctx, id, edition)
	if err != nil {
		return ExportFile{}, err
	}
	return ExportFile{Name: exportFileName(c.Name, e.Number, ex.Ext), ContentType: ex.ContentType}, nil
}

// Export writes an edition (0: the latest) of catalog id to w in format.
func (s *Service) Export(ctx context.Context, id int64, edition int, format string, w io.Writer) error {
	ex, ok := s.exporters[format]
	if !ok {
		return apperr.E(apperr.Invalid, "catalog.err.unknown_export_format_use", format, strings.Join(s.ExportFormats(), ", "))
	}
	c, e, err := s.EditionByNumber(ctx, id, edition)
	if err != nil {
		return err
	}
	nodes, err := s.Nodes(ctx, e.ID)
	if err != nil {
		return err
	}
	meta := ExportMeta{CatalogID: c.ID, Name: c.Name, Edition: e.Number, Title: e.Title, SourceFormat: e.Format, Modified: e.ImportedAt}
	return ex.Write(w, meta, nodes)
}

// exportFileName gives a download name safe on every file system, keeping
// Japanese letters.
func exportFileName(name string, edition int, ext string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if clean == "" {
		clean = "catalog"
	}
	return fmt.Sprintf("%s-ed%d%s", clean, edition, ext)
}

// ImportAll imports a file that may hold several catalogs (a CISO Assistant
// library with several frameworks); single-catalog formats give one result.
// Every catalog in the file is parsed and validated before anything is
// stored, so a bad file changes nothing.
func (s *Service) ImportAll(ctx context.Context, req ImportRequest) ([]ImportResult, error) {
	format := req.Format
	if format == "" || format == "auto" {
		if len(req.Data) > 0 && len(req.Data) <= MaxImportSize {
			format = DetectFormat(req.SourceName, req.Data)
		}
	}
	mp, ok := s.multi[format]
	if !ok {
		r, err := s.Import(ctx, req)
		if err != nil {
			return nil, err
		}
		return []ImportResult{r}, nil
	}
	return s.importMulti(ctx, req, format, mp)
}

// importMulti parses with a multi-catalog parser and stores each catalog.
func (s *Service) importMulti(ctx context.Context, req ImportRequest, format string, mp MultiParser) ([]ImportResult, error) {
	if len(req.Data) > MaxImportSize {
		return nil, apperr.E(apperr.TooLarge, "catalog.err.file_too_large_mb_limit", len(req.Data)>>20, MaxImportSize>>20)
	}
	if len(req.Data) == 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.file_empty")
	}
	ps, err := mp(req.Data)
	if err != nil {
		return nil, importError(err)
	}
	if len(ps) == 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.catalog_found_file")
	}
	sum := sha256.Sum256(req.Data)
	base := hex.EncodeToString(sum[:])
	names := map[string]bool{}
	type planned struct {
		name, hash string
		p          *Parsed
	}
	plan := make([]planned, 0, len(ps))
	for i, p := range ps {
		if len(p.Nodes) == 0 {
			return nil, apperr.E(apperr.Invalid, "catalog.err.catalog_has_content", i+1, p.Title)
		}
		if err := Validate(p.Nodes); err != nil {
			return nil, apperr.WrapE(apperr.Invalid, err, "catalog.err.catalog", i+1, p.Title)
		}
		name := strings.TrimSpace(p.Title)
		if len(ps) == 1 || name == "" {
			if n := strings.TrimSpace(req.Name); n != "" {
				name = n
				if len(ps) > 1 {
					name = fmt.Sprintf("%s (%d)", n, i+1)
				}
			} else if name == "" {
				name = strings.TrimSuffix(filepath.Base(req.SourceName), filepath.Ext(req.SourceName))
			}
		} else if n := strings.TrimSpace(req.Name); n != "" {
			name = n + " / " + name
		}
		if name == "" || name == "." {
			return nil, apperr.E(apperr.Invalid, "catalog.err.catalog_name_required")
		}
		if names[name] {
			return nil, apperr.E(apperr.Invalid, "catalog.err.two_catalogs_file_are_both", name)
		}
		names[name] = true
		hash := base
		if len(ps) > 1 {
			h := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", base, i)))
			hash = hex.EncodeToString(h[:])
		}
		plan = append(plan, planned{name: name, hash: hash, p: p})
	}
	out := make([]ImportResult, 0, len(plan))
	for _, pl := range plan {
		if c, e, err := s.store.EditionByHash(ctx, pl.hash); err == nil {
			out = append(out, ImportResult{Catalog: c, Edition: e, Duplicate: true})
			continue
		} else if !apperr.Is(err, apperr.NotFound) {
			return out, err
		}
		p := pl.p
		e := Edition{
			Title: p.Title, Format: format, Style: p.Style, Encoding: p.Encoding,
			SourceName: filepath.Base(req.SourceName), SourceHash: pl.hash,
			Nodes: len(p.Nodes), Requirements: p.Requirements(), Warnings: p.Warnings,
			ImportedAt: s.now().UTC().Truncate(time.Second),
		}
		if p.Format != "" {
			e.Format = p.Format
		}
		c, e, err := s.store.CreateEdition(ctx, pl.name, e, p.Nodes)
		if err != nil {
			return out, err
		}
		out = append(out, ImportResult{Catalog: c, Edition: e})
	}
	return out, nil
}

// SetParser registers a single-catalog parser. Call it while wiring, before
// the service is used.
func (s *Service) SetParser(format string, p Parser) {
	if s.parsers == nil {
		s.parsers = map[string]Parser{}
	}
	s.parsers[format] = p
}
