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
