package store

import (
	"context"
	"database/sql"
	"os"
	"time"
)

// checkpointPages is the WAL size, in 4 KiB pages, above which the
// background checkpointer copies the WAL into the database file.
const checkpointPages = 1000

// startCheckpointer runs PASSIVE checkpoints on its own connection whenever
// the WAL has grown past checkpointPages. A passive checkpoint never blocks
// writers, so commits keep only the cost of syncing the WAL. It returns a
// function that stops it and closes the connection.
func startCheckpointer(ck *sql.DB, walPath string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			st, err := os.Stat(walPath)
			if err != nil || st.Size() < checkpointPages*4096 {
				continue
			}
			ck.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}()
	return func() {
		cancel()
		<-done
		ck.Close()
	}
}
