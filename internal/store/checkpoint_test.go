package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kitei/internal/store"
)

// TestBackgroundCheckpoint: the writer checkpoints only past 16,000 pages,
// so when a few megabytes of commits reach the main database file, the
// background checkpointer did it.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := store.Open(context.Background(), "sqlite:"+path, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE ck (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	row := strings.Repeat("点検", 2000) // ~12 KB a row
	for i := 0; i < 400; i++ {        // ~5 MB in 400 commits
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ck (v) VALUES ($1)`, row)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.Stat(path)
		if err == nil && st.Size() > 4<<20 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("main database file is %d bytes: the WAL was not checkpointed in the background", st.Size())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCheckpointerStartsWALOver: under a steady stream of commits, with a
// reader busy beside them, the WAL is started over by the checkpointer
// (not by the writer's own auto-checkpoint, a last resort far above), so it
// stays small while many times its size is written through it.
func TestCheckpointerStartsWALOver(t *testing.T) {
	defer store.SetCheckpointTuning(20*time.Millisecond, 100)()
	path := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.W.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto < 16000 {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v): the writer must not checkpoint in its commits", auto, err)
	}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE ck (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n)
			db.R.QueryRowContext(ctx, `SELECT length(v) FROM ck ORDER BY rowid DESC LIMIT 1`).Scan(&n)
			time.Sleep(time.Millisecond)
		}
	}()
	row := strings.Repeat("点検", 1300) // ~8 KB, three pages a commit
	written, maxWAL := 0, int64(0)
	deadline := time.Now().Add(20 * time.Second)
	for written < 24<<20 || db.CheckpointResets() < 3 {
		if time.Now().After(deadline) {
			break
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ck (v) VALUES ($1)`, row)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		written += len(row)
		if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > maxWAL {
			maxWAL = st.Size()
		}
	}
	close(stop)
	<-readerDone
	if r := db.CheckpointResets(); r < 3 {
		t.Fatalf("the checkpointer started the WAL over %d times in %d MB of commits", r, written>>20)
	}
	if maxWAL > 8<<20 {
		t.Fatalf("the WAL grew to %d bytes while %d were written: it was not started over", maxWAL, written)
	}
	t.Logf("%d MB written, WAL at most %d KB, %d restarts", written>>20, maxWAL>>10, db.CheckpointResets())
}
