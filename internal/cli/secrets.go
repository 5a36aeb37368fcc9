package cli

import (
	"context"
	"fmt"
	"os"

	"kitei/internal/secrets"
	"kitei/internal/store"
)

// loadSecrets gives the store the key of secrets at rest (from
// KITEI_SECRET_KEY_FILE or KITEI_SECRET_KEY) and seals what is not yet
// sealed under its first key: plain secrets from before encryption was
// turned on, and secrets under an older key after a rotation.
func loadSecrets(ctx context.Context, db *store.DB) error {
	kr, err := secrets.FromEnv(os.Getenv)
	if err != nil || kr == nil {
		return err
	}
	db.Secrets = kr
	_, err = db.ResealSecrets(ctx)
	return err
}

func runSecrets(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("kitei secrets keygen|rotate …")
	}
	switch args[0] {
	case "keygen":
		// A key line for KITEI_SECRET_KEY_FILE (or KITEI_SECRET_KEY).
		fmt.Fprintln(env.Stdout, secrets.NewKey())
		return nil
	case "rotate":
		fs := flags(env, "secrets rotate")
		dsn := dbFlag(fs, env)
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if kr, err := secrets.FromEnv(os.Getenv); err != nil {
			return err
		} else if kr == nil {
			return usageErr("set KITEI_SECRET_KEY_FILE to a file with the NEW key on its first line and the old keys after it")
		}
		db, err := store.Open(ctx, *dsn, store.Options{Migrate: true})
		if err != nil {
			return err
		}
		defer db.Close()
		db.Secrets, _ = secrets.FromEnv(os.Getenv)
		n, err := db.ResealSecrets(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%d secrets sealed under key %s; the older keys can now be removed from the key file\n", n, db.Secrets.Primary())
		return nil
	}
	return usageErr("unknown secrets command %q (keygen, rotate)", args[0])
}
