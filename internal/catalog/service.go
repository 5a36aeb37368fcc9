package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
)

// Catalog is a named rulebook; its content lives in editions.
type Catalog struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Latest    Edition   `json:"latest"`
}

// Edition is one imported version of a catalog. Editions never change after
// import, so anything derived from one (search index, exports) can be cached.
type Edition struct {
	ID           int64     `json:"id"`
	CatalogID    int64     `json:"catalog_id"`
	Number       int       `json:"number"`
	Title        string    `json:"title"`
	Format       string    `json:"format"`
	Style        string    `json:"style"`
	Encoding     string    `json:"encoding"`
	SourceName   string    `json:"source_name"`
	SourceHash   string    `json:"source_hash"`
	Nodes        int       `json:"nodes"`
	Requirements int       `json:"requirements"`
	Warnings     []string  `json:"warnings"`
	ImportedAt   time.Time `json:"imported_at"`
}

// Store persists catalogs. Implemented by internal/store.
type Store interface {
	// EditionByHash finds an edition with this source hash in any catalog;
	// it returns apperr NotFound when there is none.
	EditionByHash(ctx context.Context, hash string) (Catalog, Edition, error)
	// CreateEdition stores nodes as the next edition of the catalog called
	// name, creating the catalog when it does not exist, in one transaction.
	CreateEdition(ctx context.Context, name string, e Edition, nodes []Node) (Catalog, Edition, error)
	ListCatalogs(ctx context.Context) ([]Catalog, error)
	// Catalog returns apperr NotFound for an unknown id.
	Catalog(ctx context.Context, id int64) (Catalog, error)
	Editions(ctx context.Context, catalogID int64) ([]Edition, error)
	// EditionNodes returns the nodes of an edition in document order.
	EditionNodes(ctx context.Context, editionID int64) ([]Node, error)
}

// Parser turns source bytes into a parsed catalog.
type Parser func(data []byte) (*Parsed, error)

// Service imports, lists and searches catalogs.
type Service struct {
	store   Store
	parsers map[string]Parser
	now     func() time.Time

	multi     map[string]MultiParser // formats that may hold several catalogs
	exporters map[string]Exporter

	mu    sync.Mutex
	cache map[int64]*editionCache // by edition id
}

// NewService returns a service over store with the given format parsers
// (format name → parser). Format "auto" picks by content.
func NewService(store Store, parsers map[string]Parser) *Service {
	return &Service{store: store, parsers: parsers, now: time.Now, cache: map[int64]*editionCache{}}
}

// ImportRequest is one file to import.
type ImportRequest struct {
	Name       string // catalog name; defaults to the file name without extension
	SourceName string // file name as given by the user
	Format     string // auto, jptext, oscal, ciso …
	Data       []byte
}

// ImportResult says what an import did.
type ImportResult struct {
	Catalog   Catalog `json:"catalog"`
	Edition   Edition `json:"edition"`
	Duplicate bool    `json:"duplicate"` // the same content was already imported; nothing changed
}

// Import parses req.Data and stores it as a new catalog or a new edition of
// the catalog named req.Name. The same content imported again changes
// nothing and reports the existing edition.
func (s *Service) Import(ctx context.Context, req ImportRequest) (ImportResult, error) {
	if len(req.Data) > MaxImportSize {
		return ImportResult{}, apperr.E(apperr.TooLarge, "catalog.err.file_too_large_mb_limit", len(req.Data)>>20, MaxImportSize>>20)
	}
	if len(req.Data) == 0 {
		return ImportResult{}, apperr.E(apperr.Invalid, "catalog.err.file_empty")
	}
	sum := sha256.Sum256(req.Data)
	hash := hex.EncodeToString(sum[:])
	if c, e, err := s.store.EditionByHash(ctx, hash); err == nil {
		return ImportResult{Catalog: c, Edition: e, Duplicate: true}, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return ImportResult{}, err
	}
	format := req.Format
	if format == "" || format == "auto" {
		format = DetectFormat(req.SourceName, req.Data)
	}
	if mp, ok := s.multi[format]; ok {
		rs, err := s.importMulti(ctx, req, format, mp)
		if err != nil {
			return ImportResult{}, err
		}
		return rs[0], nil
	}
	parse, ok := s.parsers[format]
	if !ok {
		return ImportResult{}, apperr.E(apperr.Invalid, "catalog.err.unknown_format", format)
	}
	p, err := parse(req.Data)
	if err != nil {
		return ImportResult{}, importError(err)
	}
	if len(p.Nodes) == 0 {
		return ImportResult{}, apperr.E(apperr.Invalid, "catalog.err.content_found_file")
	}
	if err := Validate(p.Nodes); err != nil {
		return ImportResult{}, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(req.SourceName), filepath.Ext(req.SourceName))
	}
	if name == "" || name == "." {
		name = p.Title
	}
	if name == "" {
		return ImportResult{}, apperr.E(apperr.Invalid, "catalog.err.catalog_name_required")
	}
	e := Edition{
		Title: p.Title, Format: p.Format, Style: p.Style, Encoding: p.Encoding,
		SourceName: filepath.Base(req.SourceName), SourceHash: hash,
		Nodes: len(p.Nodes), Requirements: p.Requirements(), Warnings: p.Warnings,
		ImportedAt: s.now().UTC().Truncate(time.Second),
	}
	c, e, err := s.store.CreateEdition(ctx, name, e, p.Nodes)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Catalog: c, Edition: e}, nil
}

// importError gives parser errors the Invalid code and a readable message.
func importError(err error) error {
	if apperr.CodeOf(err) != apperr.Internal {
		return err
	}
	switch {
	case errors.Is(err, ErrTooLarge):
		return apperr.Cause(apperr.TooLarge, err)
	default:
		return apperr.Cause(apperr.Invalid, err)
	}
}

// Validate checks the invariants every importer must keep: refs present and
// unique, parents known and listed before their children.
func Validate(nodes []Node) error {
	seen := make(map[string]bool, len(nodes))
	for i, n := range nodes {
		if n.Ref == "" {
			return apperr.E(apperr.Invalid, "catalog.err.node_has_ref", i+1)
		}
		if seen[n.Ref] {
			return apperr.E(apperr.Invalid, "catalog.err.ref_appears_twice", n.Ref)
		}
		if n.Parent != "" && !seen[n.Parent] {
			return apperr.E(apperr.Invalid, "catalog.err.node_names_parent_does_come", n.Ref, n.Parent)
		}
		seen[n.Ref] = true
	}
	return nil
}

// List returns every catalog with its latest edition.
func (s *Service) List(ctx context.Context) ([]Catalog, error) { return s.store.ListCatalogs(ctx) }

// Get returns one catalog with its latest edition.
func (s *Service) Get(ctx context.Context, id int64) (Catalog, error) {
	return s.store.Catalog(ctx, id)
}

// Editions returns a catalog's editions, newest first.
func (s *Service) Editions(ctx context.Context, id int64) ([]Edition, error) {
	return s.store.Editions(ctx, id)
}

// Nodes returns the nodes of an edition in document order (cached: editions
// are immutable).
func (s *Service) Nodes(ctx context.Context, editionID int64) ([]Node, error) {
	ec, err := s.edition(ctx, editionID)
	if err != nil {
		return nil, err
	}
	return ec.nodes, nil
}

// Node returns one node of an edition by ref.
func (s *Service) Node(ctx context.Context, editionID int64, ref string) (Node, error) {
	ec, err := s.edition(ctx, editionID)
	if err != nil {
		return Node{}, err
	}
	i, ok := ec.byRef[ref]
	if !ok {
		return Node{}, apperr.E(apperr.NotFound, "catalog.err.node_catalog", ref)
	}
	return ec.nodes[i], nil
}
