package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"kitei/internal/authz"
	"kitei/internal/register"
)

func runRegister(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"import": registerImport,
		"export": registerExport,
	}
	if len(args) == 0 {
		return usageErr("kitei register import|export KIND … (KIND: assets, systems, services)")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown register command %q (import, export)", args[0])
	}
	return f(ctx, env, args[1:])
}

func registerImport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "register import")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei register import assets|systems|services FILE [--json]")
	}
	kind, ok := register.ParseKind(pos[0])
	if !ok {
		return usageErr("unknown register %q: use assets, systems or services", pos[0])
	}
	st, err := os.Stat(pos[1])
	if err != nil {
		return err
	}
	if st.Size() > register.MaxImportSize {
		return fmt.Errorf("%s is too large; the limit is %d MB", pos[1], register.MaxImportSize>>20)
	}
	data, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	t, err := register.ReadFile(kind, filepath.Base(pos[1]), data)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := registry(db).Import(ctx, authz.System, t)
	rep.Localize(cliLang(env))
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

func registerExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "register export")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "xlsx", "xlsx or csv")
	out := fs.String("o", "", "output file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" || (*format != "xlsx" && *format != "csv") {
		return usageErr("kitei register export assets|systems|services --format xlsx|csv -o FILE")
	}
	kind, ok := register.ParseKind(pos[0])
	if !ok {
		return usageErr("unknown register %q: use assets, systems or services", pos[0])
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := registry(db).Export(ctx, authz.System, kind)
	if err != nil {
		return err
	}
	if *format == "xlsx" {
		return writeFileAtomic(*out, func(f *os.File) error { return register.WriteXLSX(f, t) })
	}
	return writeFileAtomic(*out, func(f *os.File) error { return register.WriteCSV(f, t) })
}
