package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/catalog"
)

// Catalogs implements catalog.Store.
type Catalogs struct{ db *DB }

// Catalogs returns the catalog store.
func (db *DB) Catalogs() *Catalogs { return &Catalogs{db: db} }

var _ catalog.Store = (*Catalogs)(nil)

const editionCols = `e.id, e.catalog_id, e.number, e.title, e.format, e.style, e.encoding,
	e.source_name, e.source_hash, e.nodes, e.requirements, e.warnings, e.imported_at`

const catalogCols = `c.id, c.name, c.created_at`

type scanner interface{ Scan(dest ...any) error }

func scanCatalogEdition(row scanner) (catalog.Catalog, catalog.Edition, error) {
	var (
		c                 catalog.Catalog
		e                 catalog.Edition
		created, imported string
		warnings          string
	)
	err := row.Scan(&c.ID, &c.Name, &created,
		&e.ID, &e.CatalogID, &e.Number, &e.Title, &e.Format, &e.Style, &e.Encoding,
		&e.SourceName, &e.SourceHash, &e.Nodes, &e.Requirements, &warnings, &imported)
	if err != nil {
		return c, e, err
	}
	c.CreatedAt = parseTime(created)
	e.ImportedAt = parseTime(imported)
	if warnings != "" {
		e.Warnings = strings.Split(warnings, "\n")
	}
	c.Latest = e
	return c, e, nil
}

// EditionByHash implements catalog.Store.
func (s *Catalogs) EditionByHash(ctx context.Context, hash string) (catalog.Catalog, catalog.Edition, error) {
	row := s.db.R.QueryRowContext(ctx, `SELECT `+catalogCols+`, `+editionCols+`
		FROM editions e JOIN catalogs c ON c.id = e.catalog_id
		WHERE e.source_hash = $1 ORDER BY e.id LIMIT 1`, hash)
	c, e, err := scanCatalogEdition(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, e, apperr.E(apperr.NotFound, "catalog.err.edition_content")
	}
	return c, e, err
}

// CreateEdition implements catalog.Store.
func (s *Catalogs) CreateEdition(ctx context.Context, name string, e catalog.Edition, nodes []catalog.Node) (catalog.Catalog, catalog.Edition, error) {
	var c catalog.Catalog
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := formatTime(e.ImportedAt)
		err := tx.QueryRowContext(ctx, `SELECT id, name, created_at FROM catalogs WHERE name = $1`, name).
			Scan(&c.ID, &c.Name, new(string))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `INSERT INTO catalogs (name, created_at) VALUES ($1, $2) RETURNING id`,
				name, now).Scan(&c.ID); err != nil {
				return err
			}
			c.Name, c.CreatedAt = name, e.ImportedAt
		case err != nil:
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM editions WHERE catalog_id = $1`,
			c.ID).Scan(&e.Number); err != nil {
			return err
		}
		e.CatalogID = c.ID
		if err := tx.QueryRowContext(ctx, `INSERT INTO editions (catalog_id, number, title, format, style, encoding,
			source_name, source_hash, nodes, requirements, warnings, imported_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			c.ID, e.Number, e.Title, e.Format, e.Style, e.Encoding, e.SourceName, e.SourceHash,
			e.Nodes, e.Requirements, strings.Join(e.Warnings, "\n"), now).Scan(&e.ID); err != nil {
			return err
		}
		if err := insertNodes(ctx, tx, s.db.Dialect, e.ID, nodes); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{
			Action: audit.ActionCatalogImport, ObjectType: "catalog", ObjectID: strconv.FormatInt(c.ID, 10),
			Detail: audit.Details(map[string]any{"name": c.Name, "edition": e.Number, "nodes": e.Nodes,
				"requirements": e.Requirements, "source": e.SourceName, "source_hash": e.SourceHash}),
		})
	})
	if err != nil {
		return c, e, fmt.Errorf("store catalog: %w", err)
	}
	c.Latest = e
	return c, e, nil
}

// insertNodes writes nodes in multi-row statements (fewer round trips).
func insertNodes(ctx context.Context, tx *sql.Tx, d Dialect, editionID int64, nodes []catalog.Node) error {
	const cols = 12
	const batch = 80 // 960 parameters, under SQLite's limit
	depth := make(map[string]int, len(nodes))
	var (
		sb   strings.Builder
		args []any
	)
	for start := 0; start < len(nodes); start += batch {
		end := min(start+batch, len(nodes))
		sb.Reset()
		args = args[:0]
		sb.WriteString(`INSERT INTO nodes (edition_id, ord, ref, parent_ref, depth, kind, title, body,
			requirement, subject, category, refs) VALUES `)
		for i := start; i < end; i++ {
			n := nodes[i]
			dep := 0
			if n.Parent != "" {
				dep = depth[n.Parent] + 1
			}
			depth[n.Ref] = dep
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for k := 0; k < cols; k++ {
				if k > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(d.Placeholder(len(args) + k + 1))
			}
			sb.WriteByte(')')
			args = append(args, editionID, i, n.Ref, n.Parent, dep, n.Kind, n.Title, n.Text,
				n.Requirement, n.Subject, n.Category, strings.Join(n.References, "\n"))
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

const latestJoin = `FROM catalogs c JOIN editions e ON e.catalog_id = c.id
	AND e.number = (SELECT MAX(number) FROM editions x WHERE x.catalog_id = c.id)`

// ListCatalogs implements catalog.Store.
func (s *Catalogs) ListCatalogs(ctx context.Context) ([]catalog.Catalog, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+catalogCols+`, `+editionCols+` `+latestJoin+` ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.Catalog
	for rows.Next() {
		c, _, err := scanCatalogEdition(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Catalog implements catalog.Store.
func (s *Catalogs) Catalog(ctx context.Context, id int64) (catalog.Catalog, error) {
	c, _, err := scanCatalogEdition(s.db.R.QueryRowContext(ctx,
		`SELECT `+catalogCols+`, `+editionCols+` `+latestJoin+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.E(apperr.NotFound, "catalog.err.catalog_id", id)
	}
	return c, err
}

// Editions implements catalog.Store.
func (s *Catalogs) Editions(ctx context.Context, catalogID int64) ([]catalog.Edition, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+catalogCols+`, `+editionCols+`
		FROM editions e JOIN catalogs c ON c.id = e.catalog_id WHERE c.id = $1 ORDER BY e.number DESC`, catalogID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.Edition
	for rows.Next() {
		_, e, err := scanCatalogEdition(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, apperr.E(apperr.NotFound, "catalog.err.catalog_id", catalogID)
	}
	return out, nil
}

// EditionNodes implements catalog.Store.
func (s *Catalogs) EditionNodes(ctx context.Context, editionID int64) ([]catalog.Node, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT ref, parent_ref, kind, title, body, requirement, subject, category, refs
		FROM nodes WHERE edition_id = $1 ORDER BY ord`, editionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.Node
	for rows.Next() {
		var n catalog.Node
		var refs string
		if err := rows.Scan(&n.Ref, &n.Parent, &n.Kind, &n.Title, &n.Text, &n.Requirement, &n.Subject, &n.Category, &refs); err != nil {
			return nil, err
		}
		if refs != "" {
			n.References = strings.Split(refs, "\n")
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
