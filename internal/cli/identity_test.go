package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestAuditVerifyWithCheckpoints: keygen, a checkpoint, then entry 2 is
// rewritten and every later hash and the chain head recomputed in the
// store. audit verify --checkpoints fails and names entry 2.
func TestAuditVerifyWithCheckpoints(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cps := filepath.Join(dir, "checkpoints")
			key, vkey := filepath.Join(dir, "audit.key"), filepath.Join(cps, "audit.vkey")
			if code, _, errs := run(t, "user", "create", "alice", "--db", dsn); code != 0 {
				t.Fatal(errs)
			}
			if code, _, errs := run(t, "user", "create", "bob", "--db", dsn); code != 0 {
				t.Fatal(errs)
			}
			if code, _, errs := run(t, "audit", "keygen", "--key", key, "--vkey", filepath.Join(dir, "v")); code != 0 {
				t.Fatal(errs)
			}
			if code, out, errs := run(t, "audit", "checkpoint", "--dir", cps, "--key", key, "--db", dsn); code != 0 || !strings.Contains(out, "checkpoint of 2 entries") {
				t.Fatalf("%d %s %s", code, out, errs)
			}
			if code, _, _ := run(t, "audit", "verify", "--checkpoints", cps, "--vkey", filepath.Join(dir, "v"), "--db", dsn); code != 0 {
				t.Fatal("intact trail refused")
			}
			// The default verifier key is FOLDER/audit.vkey.
			copyFile(t, filepath.Join(dir, "v"), vkey)

			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var evs []audit.Event
			db.Audit().Iterate(ctx, func(e audit.Event) error { evs = append(evs, e); return nil })
			prev := evs[0].Hash
			for i := 1; i < len(evs); i++ {
				e := evs[i]
				if i == 1 {
					e.Detail = `{"login":"mallory"}`
				}
				e.PrevHash, e.Hash = prev, ""
				e.Hash = e.ComputeHash()
				if _, err := db.W.Exec(`UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.Detail, e.PrevHash, e.Hash, e.Seq); err != nil {
					t.Fatal(err)
				}
				prev = e.Hash
			}
			db.W.Exec(`UPDATE audit_head SET hash = $1 WHERE id = 1`, prev)
			db.Close()

			if code, _, _ := run(t, "audit", "verify", "--db", dsn); code != 0 {
				t.Fatal("the chain alone should not notice the recomputed chain")
			}
			code, _, errs := run(t, "audit", "verify", "--checkpoints", cps, "--db", dsn)
			if code == 0 || !strings.Contains(errs, "entry 2 was rewritten") {
				t.Fatalf("exit %d: %s", code, errs)
			}
		})
	}
}

// TestUserToken: kitei user token prints a token that authenticates as the
// account, only on stdout.
func TestUserToken(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	if code, _, errs := run(t, "user", "create", "robot", "--name", "CI", "--db", dsn); code != 0 {
		t.Fatal(errs)
	}
	if code, _, _ := run(t, "user", "token", "robot", "--db", dsn); code != 2 {
		t.Fatal("token without --name accepted")
	}
	code, out, errs := run(t, "user", "token", "robot", "--name", "nightly export", "--db", dsn)
	if code != 0 {
		t.Fatal(errs)
	}
	token := strings.TrimSpace(out)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := auth.NewService(db.Auth(), nil, nil)
	u, _ := svc.UserByLogin(ctx, "robot")
	// The one-time password must be changed before tokens work.
	db.W.Exec(`UPDATE users SET must_change_password = 0 WHERE id = $1`, u.ID)
	id, err := svc.AuthenticateToken(ctx, token)
	if err != nil || id.User.Login != "robot" {
		t.Fatalf("token %q: %v", token, err)
	}
	toks, _ := svc.Tokens(ctx, u.ID)
	if len(toks) != 1 || toks[0].Name != "nightly export" {
		t.Fatalf("tokens: %+v", toks)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
