package ops_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kitei/internal/audit"
	"kitei/internal/audit/checkpoint"
	"kitei/internal/ops"
	"kitei/internal/store/storetest"
)

// TestCheckpointJobOncePerPeriod: two replicas run the job for the same
// period; one checkpoint is written, and it verifies.
func TestCheckpointJobOncePerPeriod(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	dir := t.TempDir()
	skey, vkey, _ := checkpoint.GenerateKey("kitei-audit")
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	os.WriteFile(keyFile, []byte(skey), 0o600)
	db.Audit().Append(ctx, &audit.Event{Action: "test.x"})
	cfg := ops.Config{Dir: dir, KeyFile: keyFile, Every: time.Hour}
	now := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	for _, owner := range []string{"a", "b"} {
		if err := ops.RunCheckpoint(ctx, db.Audit(), db.Selfchecks(), cfg, owner, now); err != nil {
			t.Fatal(err)
		}
	}
	db.Audit().Append(ctx, &audit.Event{Action: "test.y"})
	if err := ops.RunCheckpoint(ctx, db.Audit(), db.Selfchecks(), cfg, "b", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cps, err := checkpoint.Read(dir, vkey)
	if err != nil || len(cps) != 2 || cps[0].Size != 1 || cps[1].Size != 2 {
		t.Fatalf("checkpoints: %+v %v", cps, err)
	}
	if res, err := checkpoint.Verify(ctx, db.Audit(), dir, vkey); err != nil || !res.OK {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
