package backup_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"kitei/internal/auth"
	"kitei/internal/backup"
	"kitei/internal/store"
)

var cheap = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// TestBackupDuringWriteRush copies the store while writers commit, restores
// the copy into a fresh store and checks it: the audit chain verifies, every
// account has its password history row (each came in one transaction), and
// a backup taken after the rush restores to exactly the source's row counts.
func TestBackupDuringWriteRush(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "live.db"), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := auth.NewService(db.Auth(), nil, nil)
	svc.Hash = cheap

	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		written atomic.Int64
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if _, _, err := svc.CreateUser(ctx, auth.NewUser{Login: fmt.Sprintf("w%d-%d", w, i), Name: "rush"}); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	for written.Load() < 40 {
		runtime.Gosched()
	}
	mid := filepath.Join(dir, "mid.kitei")
	if err := backup.Backup(ctx, db, mid); err != nil {
		t.Fatal(err)
	}
	for written.Load() < 80 {
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()

	// The copy taken mid-rush is one consistent snapshot.
	rep := restoreAndCheck(t, mid, filepath.Join(dir, "from-mid.db"))
	if rep.Rows["users"] == 0 || rep.Rows["users"] != rep.Rows["password_history"] {
		t.Fatalf("mid-rush copy is not one snapshot: %d users, %d password rows", rep.Rows["users"], rep.Rows["password_history"])
	}
	if rep.Rows["users"] >= written.Load() {
		t.Fatalf("mid-rush copy has all %d users: it was not taken during the rush", rep.Rows["users"])
	}

	// After the rush: same rows per table as the source.
	final := filepath.Join(dir, "final.kitei")
	if err := backup.Backup(ctx, db, final); err != nil {
		t.Fatal(err)
	}
	want, err := db.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := restoreAndCheck(t, final, filepath.Join(dir, "from-final.db")).Rows
	if len(got) != len(want) {
		t.Fatalf("tables: got %d, want %d", len(got), len(want))
	}
	for tab, n := range want {
		if got[tab] != n {
			t.Errorf("table %s: restored %d rows, source %d", tab, got[tab], n)
		}
	}
	if want["users"] != written.Load() {
		t.Fatalf("source has %d users, %d written", want["users"], written.Load())
	}

	// kitei never overwrites: neither an existing backup nor a store with data.
	if err := backup.Backup(ctx, db, final); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	if err := backup.Restore(ctx, final, "sqlite:"+filepath.Join(dir, "from-final.db")); err == nil {
		t.Fatal("restore into a store with data succeeded")
	}
}

func restoreAndCheck(t *testing.T, file, target string) backup.Report {
	t.Helper()
	ctx := context.Background()
	if err := backup.Restore(ctx, file, "sqlite:"+target); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite:"+target, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := backup.Check(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Audit.OK {
		t.Fatalf("audit verify after restore: %s", rep.Audit)
	}
	if rep.Audit.Entries != rep.Rows["audit_events"] || rep.Audit.Entries == 0 {
		t.Fatalf("audit: %d entries verified, %d rows", rep.Audit.Entries, rep.Rows["audit_events"])
	}
	return rep
}
