package cli

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"kitei/internal/backup"
	"kitei/internal/store"
)

// runBackup: kitei backup -o FILE — a consistent copy of a SQLite store
// while kitei serves. PostgreSQL: pg_dump (README § Backup).
func runBackup(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "backup")
	dsn := dbFlag(fs, env)
	out := fs.String("o", "", "backup file to write (must not exist)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("kitei backup -o FILE [--db DSN]")
	}
	db, err := store.Open(ctx, *dsn, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := backup.Backup(ctx, db, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written: %s\n", *out)
	return nil
}

// runRestore: kitei restore FILE --db sqlite:NEW — into an empty store,
// then checks it. kitei restore --check --db DSN checks a store restored
// by other means (pg_restore).
func runRestore(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "restore")
	dsn := dbFlag(fs, env)
	checkOnly := fs.Bool("check", false, "only check the store named by --db (after pg_restore): rows per table and the audit chain")
	asJSON := fs.Bool("json", false, "print the check as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if !*checkOnly {
		if len(pos) != 1 {
			return usageErr("kitei restore FILE --db DSN, or kitei restore --check --db DSN")
		}
		if err := backup.Restore(ctx, pos[0], *dsn); err != nil {
			return err
		}
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := backup.Check(ctx, db)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(env.Stdout, rep); err != nil {
			return err
		}
	} else {
		names := make([]string, 0, len(rep.Rows))
		for n := range rep.Rows {
			names = append(names, n)
		}
		sort.Strings(names)
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TABLE\tROWS")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%d\n", n, rep.Rows[n])
		}
		tw.Flush()
		fmt.Fprintln(env.Stdout, rep.Audit.String())
	}
	if !rep.Audit.OK {
		return fmt.Errorf("%w at entry %d (%s): %s", errBroken, rep.Audit.Seq, rep.Audit.Problem, rep.Audit.Reason)
	}
	return nil
}
