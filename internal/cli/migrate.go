package cli

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "migrate")
	dsn := dbFlag(fs, env)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		fmt.Fprintln(env.Stdout, s)
	}
	return nil
}
