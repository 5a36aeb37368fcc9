package cli

import (
	"context"
	"fmt"
	"io"

	"kitei/internal/app"
	"kitei/internal/demo"
	"kitei/internal/i18n"
)

// runDemo fills an empty store with the demo organisation.
func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "demo")
	dsn := dbFlag(fs, env)
	people := fs.Int("people", 300, "how many fictitious people")
	seeds := fs.String("seeds", "", "folder of the seed rulebooks (default: shared/seeds beside the working folder, when found)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.New(db, nil)
	defer a.Close()
	return fillDemo(ctx, env.Stdout, a, demo.Options{People: *people, SeedsDir: *seeds})
}

// fillDemo fills the store and prints the demo accounts once.
func fillDemo(ctx context.Context, w io.Writer, a *app.App, o demo.Options) error {
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		return err
	}
	res, err := demo.Fill(ctx, a, o)
	if err != nil {
		return err
	}
	t := func(key string, args ...any) string { return i18n.T(i18n.Ja, key, args...) }
	fmt.Fprintln(w, t("demo.done", res.Units, res.People, res.Catalogs))
	for _, n := range res.Notes {
		fmt.Fprintln(w, t(n))
	}
	fmt.Fprintln(w, t("demo.accounts"))
	for _, acc := range res.Accounts {
		fmt.Fprintf(w, "  %-14s %-16s %s (%s)\n", acc.Login, acc.Password, acc.Name, acc.Role)
	}
	fmt.Fprintln(w, t("demo.accounts.note"))
	return nil
}
