package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/store"
)

func runOrg(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"import": orgImport,
		"export": orgExport,
		"units":  orgUnits,
		"people": orgPeople,
	}
	if len(args) == 0 {
		return usageErr("kitei org import|export|units|people …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown org command %q (import, export, units, people)", args[0])
	}
	return f(ctx, env, args[1:])
}

// cliLang is the language of messages for the terminal: Japanese when the
// locale says so, English otherwise.
func cliLang(env *Env) i18n.Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := env.Getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "ja") {
				return i18n.Ja
			}
			return i18n.En
		}
	}
	return i18n.En
}

func orgImport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "org import")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "auto", "auto, xlsx or csv")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("kitei org import FILE [FILE…] [--format auto|xlsx|csv] [--json]")
	}
	var tables []org.Table
	for _, name := range pos {
		data, err := readOrgFile(name)
		if err != nil {
			return err
		}
		ts, err := org.ReadFile(filepath.Base(name), data, *format)
		if err != nil {
			return err
		}
		tables = append(tables, ts...)
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := orgService(db).Import(ctx, authz.System, tables)
	lang := cliLang(env)
	rep.Localize(lang)
	if *asJSON {
		if jerr := writeJSON(env.Stdout, rep); jerr != nil {
			return jerr
		}
		return err
	}
	for _, e := range rep.Errors {
		col := ""
		if e.Column != "" {
			col = " " + e.Column
		}
		val := ""
		if e.Value != "" {
			val = fmt.Sprintf(" (%q)", e.Value)
		}
		fmt.Fprintf(env.Stderr, "%s row %d%s: %s%s\n", e.Sheet, e.Row, col, e.Message, val)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported: %s\n", rep)
	return nil
}

func readOrgFile(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", name)
	}
	if st.Size() > org.MaxImportSize {
		return nil, fmt.Errorf("%s is too large; the limit is %d MB", name, org.MaxImportSize>>20)
	}
	return os.ReadFile(name)
}

func orgExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "org export")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "xlsx", "xlsx (one workbook) or csv (three files)")
	out := fs.String("o", "", "output file; for csv, FILE.csv becomes FILE_units.csv, FILE_people.csv and FILE_assignments.csv")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *out == "" || (*format != "xlsx" && *format != "csv") {
		return usageErr("kitei org export --format xlsx|csv -o FILE")
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := orgService(db).ExportTables(ctx, authz.System)
	if err != nil {
		return err
	}
	if *format == "xlsx" {
		return writeFileAtomic(*out, func(f *os.File) error { return org.WriteXLSX(f, tables) })
	}
	base := strings.TrimSuffix(*out, filepath.Ext(*out))
	for _, t := range tables {
		name := base + "_" + t.Sheet + ".csv"
		if err := writeFileAtomic(name, func(f *os.File) error { return org.WriteCSV(f, t) }); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, name)
	}
	return nil
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// failed export never leaves half a file.
func writeFileAtomic(name string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".kitei-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

func orgUnits(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "org units")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	retired := fs.Bool("retired", false, "include retired units")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	units, err := orgService(db).Units(ctx, org.UnitFilter{Scope: authz.Everywhere, IncludeRetired: *retired})
	if err != nil {
		return err
	}
	if *asJSON {
		if units == nil {
			units = []org.Unit{}
		}
		return writeJSON(env.Stdout, units)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tKIND\tRETIRED")
	for _, u := range units {
		r := ""
		if u.Retired {
			r = "retired"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", strings.Repeat("  ", u.Depth), u.Code, u.Name, u.Kind, r)
	}
	return tw.Flush()
}

func orgPeople(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "org people")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	q := fs.String("q", "", "search name, kana, employee number or e-mail")
	unit := fs.String("unit", "", "only this unit code and the units below it")
	status := fs.String("status", "", "active, leave or left")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := orgService(db)
	f := org.PersonFilter{Scope: authz.Everywhere, Query: *q, Status: *status}
	if *unit != "" {
		u, err := svc.UnitByCode(ctx, *unit)
		if err != nil {
			return err
		}
		f.UnitID, f.Subtree = u.ID, true
	}
	people, _, err := svc.People(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if people == nil {
			people = []org.Person{}
		}
		return writeJSON(env.Stdout, people)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "EMPLOYEE_NO\tNAME\tUNIT\tSTATUS\tEMAIL")
	for _, p := range people {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.EmployeeNo, p.Name, p.UnitCode, p.Status, p.Email)
	}
	return tw.Flush()
}

// ensureRoles seeds the built-in role catalogue after migrations.
func ensureRoles(ctx context.Context, db *store.DB) error {
	if err := orgService(db).EnsureBuiltinRoles(ctx); err != nil {
		return fmt.Errorf("role catalogue: %w", err)
	}
	return nil
}
