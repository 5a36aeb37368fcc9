package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestSchemasMatch migrates a SQLite and a PostgreSQL store and compares
// what the two migration trees built: tables, columns (normalised type,
// NOT NULL, default, primary key), indexes (name, columns, unique,
// partial), unique constraints, foreign keys (columns, referenced table
// and columns, ON DELETE) and CHECK constraints. Types are compared as
// the engines' common classes: integer (INTEGER, BIGINT, BOOLEAN), text,
// real, blob. On PostgreSQL every id and every column referring to one
// must also be BIGINT, so ids cannot overflow on one engine only.
func TestSchemasMatch(t *testing.T) {
	dsn := os.Getenv(storetest.EnvPostgres)
	if dsn == "" {
		t.Skip("set " + storetest.EnvPostgres + " to compare the SQLite and PostgreSQL schemas")
	}
	for _, l := range compareSchemas(t, storetest.SQLite(t), storetest.Postgres(t, dsn)) {
		t.Error(l)
	}
}

// TestSchemaComparisonCatchesDifferences changes a migrated PostgreSQL
// schema behind the migrations' back and checks the comparison reports
// each change.
func TestSchemaComparisonCatchesDifferences(t *testing.T) {
	dsn := os.Getenv(storetest.EnvPostgres)
	if dsn == "" {
		t.Skip("set " + storetest.EnvPostgres + " to compare the SQLite and PostgreSQL schemas")
	}
	pg := storetest.Postgres(t, dsn)
	for _, stmt := range []string{
		`ALTER TABLE people ADD COLUMN nickname TEXT`,
		`DROP INDEX units_path`,
		`ALTER TABLE roles ALTER COLUMN ord SET DEFAULT 5`,
		`ALTER TABLE sessions ALTER COLUMN ip DROP NOT NULL`,
		`ALTER TABLE notices ALTER COLUMN person_id TYPE INTEGER`,
		`CREATE UNIQUE INDEX units_name ON units(name) WHERE retired_at IS NULL`,
	} {
		if _, err := pg.W.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	got := compareSchemas(t, storetest.SQLite(t), pg)
	for _, want := range []string{
		`only in PostgreSQL: column people.nickname text notnull=false default=""`,
		`only in SQLite:     index units_path on units(path) unique=false where=""`,
		`only in PostgreSQL: column roles.ord integer notnull=true default="5"`,
		`only in SQLite:     column roles.ord integer notnull=true default="0"`,
		`only in PostgreSQL: column sessions.ip text notnull=false`,
		`only in PostgreSQL: POSTGRES TYPE MISMATCH notices.person_id is integer, refers to people.id (bigint)`,
		`only in PostgreSQL: index units_name on units(name) unique=true where="retired_atisnull"`,
	} {
		if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("not reported: %s\ngot:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if len(got) != 8 {
		t.Errorf("%d differences reported, want 8:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// compareSchemas reads both schemas and returns their differences.
func compareSchemas(t *testing.T, lite, pg *store.DB) []string {
	t.Helper()
	l, p := readSQLiteSchema(t, lite), readPostgresSchema(t, pg)
	if len(l) < 100 || len(p) < 100 {
		t.Fatalf("only %d SQLite and %d PostgreSQL facts read", len(l), len(p))
	}
	return diffLines(l, p)
}

// A schema is one line per fact, sorted, so two schemas compare as sets
// and a difference reads as the fact one engine lacks.
func diffLines(lite, pg []string) []string {
	var out []string
	for _, l := range lite {
		if _, found := slices.BinarySearch(pg, l); !found {
			out = append(out, "only in SQLite:     "+l)
		}
	}
	for _, l := range pg {
		if _, found := slices.BinarySearch(lite, l); !found {
			out = append(out, "only in PostgreSQL: "+l)
		}
	}
	return out
}

// normType maps a declared type to its class.
func normType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case t == "integer", t == "int", t == "bigint", t == "smallint", t == "boolean", t == "int8", t == "int4":
		return "integer"
	case t == "text", strings.HasPrefix(t, "varchar"), strings.HasPrefix(t, "character"):
		return "text"
	case t == "real", t == "double precision", t == "float", t == "numeric":
		return "real"
	case t == "blob", t == "bytea":
		return "blob"
	}
	return "?" + t
}

var castRE = regexp.MustCompile(`::[a-z ]+`)

// normDefault writes a default the same way for both engines: no casts,
// booleans as 0/1, no surrounding parentheses.
func normDefault(d sql.NullString) string {
	if !d.Valid {
		return ""
	}
	s := strings.TrimSpace(castRE.ReplaceAllString(d.String, ""))
	for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	switch strings.ToLower(s) {
	case "false":
		return "0"
	case "true":
		return "1"
	case "null":
		return ""
	}
	// PostgreSQL quotes a negative number default ('-1'::integer).
	if len(s) > 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		if _, err := strconv.ParseFloat(s[1:len(s)-1], 64); err == nil {
			return s[1 : len(s)-1]
		}
	}
	return s
}

// normExpr writes a CHECK or partial-index expression without spaces,
// parentheses, casts or case.
func normExpr(s string) string {
	s = castRE.ReplaceAllString(strings.ToLower(s), "")
	return strings.NewReplacer(" ", "", "(", "", ")", "", "\n", "", "\t", "").Replace(s)
}

func query(t *testing.T, db *sql.DB, q string, args ...any) *sql.Rows {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return rows
}

func scanAll(t *testing.T, rows *sql.Rows, dest ...any) func() bool {
	t.Helper()
	return func() bool {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			return false
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		return true
	}
}

// skipTable leaves out the migration tool's own table.
func skipTable(name string) bool { return name == "goose_db_version" }

var checkRE = regexp.MustCompile(`(?i)\bCHECK\s*\(([^()]*(\([^()]*\))?[^()]*)\)`)

func readSQLiteSchema(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	type tbl struct{ name, sql string }
	var tables []tbl
	var tb tbl
	for next := scanAll(t, query(t, db.R, `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`), &tb.name, &tb.sql); next(); {
		if !skipTable(tb.name) {
			tables = append(tables, tb)
		}
	}
	for _, tb := range tables {
		add("table %s", tb.name)
		pk := map[string]bool{}
		var (
			cid, notnull, pkn int
			name, typ         string
			dflt              sql.NullString
		)
		var pkCols []string
		for next := scanAll(t, query(t, db.R, `SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, tb.name),
			&cid, &name, &typ, &notnull, &dflt, &pkn); next(); {
			if pkn > 0 {
				pk[name] = true
				pkCols = append(pkCols, name)
			}
			add("column %s.%s %s notnull=%v default=%q", tb.name, name, normType(typ), notnull == 1 || pkn > 0, normDefault(dflt))
		}
		add("primary key %s(%s)", tb.name, strings.Join(pkCols, ","))
		// Indexes: those made by CREATE INDEX by name, those of UNIQUE
		// constraints by their columns (the engines name them differently).
		type idx struct {
			name          string
			unique        bool
			origin        string
			partial       bool
			cols          []string
			partialClause string
		}
		var idxs []idx
		var (
			seq            int
			iname, origin  string
			unique, partia int
		)
		for next := scanAll(t, query(t, db.R, `SELECT seq, name, "unique", origin, partial FROM pragma_index_list(?)`, tb.name),
			&seq, &iname, &unique, &origin, &partia); next(); {
			idxs = append(idxs, idx{name: iname, unique: unique == 1, origin: origin, partial: partia == 1})
		}
		for _, ix := range idxs {
			var (
				seqno, icid int
				col         sql.NullString
			)
			for next := scanAll(t, query(t, db.R, `SELECT seqno, cid, name FROM pragma_index_info(?) ORDER BY seqno`, ix.name), &seqno, &icid, &col); next(); {
				ix.cols = append(ix.cols, col.String)
			}
			switch ix.origin {
			case "pk":
				// The primary key is compared above.
			case "u":
				add("unique %s(%s)", tb.name, strings.Join(ix.cols, ","))
			default:
				where := ""
				if ix.partial {
					var def string
					if err := db.R.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, ix.name).Scan(&def); err != nil {
						t.Fatal(err)
					}
					if _, w, ok := strings.Cut(strings.ToUpper(def), " WHERE "); ok {
						where = normExpr(def[len(def)-len(w):])
					}
				}
				add("index %s on %s(%s) unique=%v where=%q", ix.name, tb.name, strings.Join(ix.cols, ","), ix.unique, where)
			}
		}
		// Foreign keys, grouped by constraint id.
		type fk struct {
			ref, onDelete string
			from, to      []string
		}
		fks := map[int]*fk{}
		var (
			id, fseq                         int
			ref, from, onUpdate, onDel, mtch string
			to                               sql.NullString
		)
		for next := scanAll(t, query(t, db.R, `SELECT id, seq, "table", "from", "to", on_update, on_delete, "match" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, tb.name),
			&id, &fseq, &ref, &from, &to, &onUpdate, &onDel, &mtch); next(); {
			if fks[id] == nil {
				fks[id] = &fk{ref: ref, onDelete: strings.ToLower(onDel)}
			}
			fks[id].from = append(fks[id].from, from)
			fks[id].to = append(fks[id].to, to.String)
		}
		for _, f := range fks {
			if f.to[0] == "" { // REFERENCES t without columns: its primary key
				f.to = []string{"id"}
			}
			add("foreign key %s(%s) references %s(%s) on delete %s", tb.name, strings.Join(f.from, ","), f.ref, strings.Join(f.to, ","), f.onDelete)
		}
		for _, m := range checkRE.FindAllStringSubmatch(tb.sql, -1) {
			add("check %s %s", tb.name, normExpr(m[1]))
		}
	}
	sort.Strings(out)
	return out
}

func readPostgresSchema(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var (
		table, col, typ, nullable string
		dflt                      sql.NullString
	)
	tables := map[string]bool{}
	for next := scanAll(t, query(t, db.R, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`), &table); next(); {
		if !skipTable(table) {
			tables[table] = true
			add("table %s", table)
		}
	}
	// Primary keys first: a primary key column is NOT NULL on both engines.
	pk := map[string][]string{}
	for next := scanAll(t, query(t, db.R, `SELECT c.conrelid::regclass::text, a.attname
		FROM pg_constraint c
		JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, ord) ON true
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.contype = 'p' AND c.connamespace = current_schema()::regnamespace
		ORDER BY 1, k.ord`), &table, &col); next(); {
		pk[table] = append(pk[table], col)
	}
	for tb := range tables {
		add("primary key %s(%s)", tb, strings.Join(pk[tb], ","))
	}
	bigint := map[string]string{} // table.column → PostgreSQL type, for the id checks
	var identity string
	for next := scanAll(t, query(t, db.R, `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
		FROM information_schema.columns WHERE table_schema = current_schema()`), &table, &col, &typ, &nullable, &dflt, &identity); next(); {
		if !tables[table] {
			continue
		}
		bigint[table+"."+col] = typ
		add("column %s.%s %s notnull=%v default=%q", table, col, normType(typ), nullable == "NO", normDefault(dflt))
	}
	// Indexes: constraint-backed ones (primary key, UNIQUE) by columns,
	// the others by name.
	var (
		iname      string
		unique     bool
		constraint sql.NullString
		pred       sql.NullString
		ncols      int
		indexrelid int64
	)
	type pgIdx struct {
		table, name   string
		unique        bool
		contype, pred sql.NullString
		n             int
		oid           int64
	}
	var idxs []pgIdx
	for next := scanAll(t, query(t, db.R, `SELECT t.relname, i.relname, ix.indisunique, c.contype::text, pg_get_expr(ix.indpred, ix.indrelid), ix.indnatts, ix.indexrelid::bigint
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid AND c.contype IN ('p', 'u')
		WHERE t.relnamespace = current_schema()::regnamespace`), &table, &iname, &unique, &constraint, &pred, &ncols, &indexrelid); next(); {
		idxs = append(idxs, pgIdx{table, iname, unique, constraint, pred, ncols, indexrelid})
	}
	for _, ix := range idxs {
		if !tables[ix.table] {
			continue
		}
		var cols []string
		for k := 1; k <= ix.n; k++ {
			var c string
			if err := db.R.QueryRow(`SELECT pg_get_indexdef($1::oid, $2, true)`, ix.oid, k).Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, strings.Trim(c, `"`))
		}
		switch ix.contype.String {
		case "p":
		case "u":
			add("unique %s(%s)", ix.table, strings.Join(cols, ","))
		default:
			where := ""
			if ix.pred.Valid {
				where = normExpr(ix.pred.String)
			}
			add("index %s on %s(%s) unique=%v where=%q", ix.name, ix.table, strings.Join(cols, ","), ix.unique, where)
		}
	}
	// Foreign keys and checks.
	var (
		from, ref, to, onDel, def string
		contype                   string
	)
	for next := scanAll(t, query(t, db.R, `SELECT c.contype::text, c.conrelid::regclass::text, COALESCE(c.confrelid::regclass::text, ''),
			COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), ''),
			COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), ''),
			c.confdeltype::text, pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		WHERE c.contype IN ('f', 'c') AND c.connamespace = current_schema()::regnamespace`),
		&contype, &table, &ref, &from, &to, &onDel, &def); next(); {
		if !tables[table] {
			continue
		}
		if contype == "c" {
			if m := checkRE.FindStringSubmatch(def); m != nil {
				add("check %s %s", table, normExpr(m[1]))
			} else {
				add("check %s %s", table, normExpr(def))
			}
			continue
		}
		action := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[onDel]
		add("foreign key %s(%s) references %s(%s) on delete %s", table, from, ref, to, action)
		// A reference is as wide as what it refers to.
		for i, f := range strings.Split(from, ",") {
			target := ref + "." + strings.Split(to, ",")[i]
			if bigint[table+"."+f] != bigint[target] {
				add("POSTGRES TYPE MISMATCH %s.%s is %s, refers to %s (%s)", table, f, bigint[table+"."+f], target, bigint[target])
			}
		}
	}
	for c, typ := range bigint {
		if strings.HasSuffix(c, ".id") && typ != "bigint" && !strings.HasPrefix(c, "audit_head.") {
			add("POSTGRES TYPE MISMATCH %s is %s, ids are bigint", c, typ)
		}
	}
	_ = identity
	sort.Strings(out)
	return out
}
