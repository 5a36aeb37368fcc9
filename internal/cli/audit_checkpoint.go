package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"kitei/internal/audit/checkpoint"
	"kitei/internal/store"
)

type cpFlags struct {
	dir, vkey *string
}

// checkpointFlags adds --checkpoints and --vkey to audit verify.
func checkpointFlags(fs *flag.FlagSet, env *Env) cpFlags {
	return cpFlags{
		dir: fs.String("checkpoints", env.Getenv("KITEI_AUDIT_CHECKPOINTS"),
			"also prove the trail extends every signed checkpoint in this folder (env KITEI_AUDIT_CHECKPOINTS)"),
		vkey: fs.String("vkey", env.Getenv("KITEI_AUDIT_VKEY"),
			"verifier key file of the checkpoints (default: FOLDER/audit.vkey; env KITEI_AUDIT_VKEY)"),
	}
}

var errRewritten = errors.New("audit trail rewritten")

func (c cpFlags) verify(ctx context.Context, env *Env, db *store.DB) error {
	if *c.dir == "" {
		return nil
	}
	vfile := *c.vkey
	if vfile == "" {
		vfile = filepath.Join(*c.dir, "audit.vkey")
	}
	vkey, err := os.ReadFile(vfile)
	if err != nil {
		return fmt.Errorf("verifier key: %w", err)
	}
	res, err := checkpoint.Verify(ctx, db.Audit(), *c.dir, string(vkey))
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("%w: %s", errRewritten, res.Reason)
	}
	fmt.Fprintln(env.Stdout, res.String())
	return nil
}

// auditKeygen writes a new checkpoint signing key (keep it outside the
// store, readable by kitei only) and its verifier key.
func auditKeygen(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit keygen")
	name := fs.String("name", "kitei-audit", "key name, written into every signature")
	keyFile := fs.String("key", "", "signing key file to create (mode 0600)")
	vkeyFile := fs.String("vkey", "", "verifier key file to create (put a copy into the checkpoint folder as audit.vkey)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *vkeyFile == "" {
		return usageErr("kitei audit keygen --key FILE --vkey FILE [--name NAME]")
	}
	skey, vkey, err := checkpoint.GenerateKey(*name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*keyFile, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(*vkeyFile, []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "signing key: %s\nverifier key: %s (%s)\n", *keyFile, *vkeyFile, vkey)
	return nil
}

// auditCheckpoint writes one signed checkpoint now (serve writes them
// periodically when KITEI_AUDIT_CHECKPOINTS and KITEI_AUDIT_KEY are set).
func auditCheckpoint(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit checkpoint")
	dsn := dbFlag(fs, env)
	dir := fs.String("dir", env.Getenv("KITEI_AUDIT_CHECKPOINTS"), "checkpoint folder (env KITEI_AUDIT_CHECKPOINTS)")
	keyFile := fs.String("key", env.Getenv("KITEI_AUDIT_KEY"), "signing key file (env KITEI_AUDIT_KEY)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" || *keyFile == "" {
		return usageErr("kitei audit checkpoint --dir FOLDER --key FILE")
	}
	skey, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := checkpoint.Write(ctx, db.Audit(), *dir, string(skey))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "checkpoint of %d entries: %s\n", c.Size, c.File)
	return nil
}
