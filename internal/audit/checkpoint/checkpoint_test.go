package checkpoint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/audit"
	"kitei/internal/audit/checkpoint"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func appendN(t *testing.T, db *store.DB, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		ev := &audit.Event{Action: "test.write", ObjectType: "thing", ObjectID: fmt.Sprint(i),
			Detail: audit.Details(map[string]any{"n": i})}
		if err := db.Audit().Append(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

// rewrite edits entry seq and recomputes every later hash and the chain
// head in the database, as someone with write access to the store could.
func rewrite(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	ctx := context.Background()
	var evs []audit.Event
	if _, err := db.Audit().Iterate(ctx, func(e audit.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatal(err)
	}
	prev := audit.Genesis
	for i := range evs {
		e := &evs[i]
		if e.Seq == seq {
			e.Detail = `{"n":"forged"}`
		}
		if e.Seq >= seq {
			e.PrevHash = prev
			e.Hash = e.ComputeHash()
			if _, err := db.W.ExecContext(ctx, `UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4`,
				e.Detail, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = e.Hash
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, prev); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointsCatchARecomputedChain(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		skey, vkey, err := checkpoint.GenerateKey("kitei-audit-test")
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, db, 1, 9)
		if _, err := checkpoint.Write(ctx, db.Audit(), dir, skey); err != nil {
			t.Fatal(err)
		}
		appendN(t, db, 10, 20)
		c, err := checkpoint.Write(ctx, db.Audit(), dir, skey)
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != 20 {
			t.Fatalf("checkpoint size %d, want 20", c.Size)
		}
		appendN(t, db, 21, 25) // entries after the last checkpoint are fine
		res, err := checkpoint.Verify(ctx, db.Audit(), dir, vkey)
		if err != nil || !res.OK || res.Checkpoints != 2 {
			t.Fatalf("untouched trail: %+v %v", res, err)
		}

		rewrite(t, db, 12)
		chain, err := audit.Verify(ctx, db.Audit())
		if err != nil || !chain.OK {
			t.Fatalf("the recomputed chain should fool the chain check alone: %v %v", chain, err)
		}
		res, err = checkpoint.Verify(ctx, db.Audit(), dir, vkey)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || res.FirstSeq != 12 || res.Bad == nil || res.Bad.Size != 20 {
			t.Fatalf("rewrite of entry 12 not named: %+v", res)
		}
		if !strings.Contains(res.String(), "entry 12 was rewritten") {
			t.Fatalf("message: %s", res)
		}
		// A new checkpoint refuses to bless the rewritten trail.
		if _, err := checkpoint.Write(ctx, db.Audit(), dir, skey); err == nil || !strings.Contains(err.Error(), "entry 12") {
			t.Fatalf("checkpoint over a rewritten trail: %v", err)
		}
	})
}

func TestCheckpointSignatureAndKey(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	dir := t.TempDir()
	skey, vkey, _ := checkpoint.GenerateKey("kitei-audit-test")
	_, otherV, _ := checkpoint.GenerateKey("kitei-audit-test")
	appendN(t, db, 1, 3)
	c, err := checkpoint.Write(ctx, db.Audit(), dir, skey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Verify(ctx, db.Audit(), dir, otherV); err == nil {
		t.Fatal("checkpoint verified with another key")
	}
	// Editing the signed text breaks the signature.
	b, _ := os.ReadFile(c.File)
	forged := strings.Replace(string(b), "\n3\n", "\n2\n", 1)
	os.WriteFile(filepath.Join(dir, "checkpoint-000000000002.note"), []byte(forged), 0o640)
	if _, err := checkpoint.Verify(ctx, db.Audit(), dir, vkey); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("forged checkpoint: %v", err)
	}
}
