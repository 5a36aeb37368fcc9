package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// SQLite checkpoints. A commit on the writer only appends its pages to the
// WAL and syncs the WAL; copying them into the database file (and syncing
// that) is the checkpointer's job, on its own connection, so that a commit
// does not wait for it. Two things it must not leave to the writer:
//
//   - The copying. With SQLite's default, the commit that takes the WAL past
//     wal_autocheckpoint checkpoints inline; here the writer's
//     wal_autocheckpoint is only a last resort (writerAutoCheckpoint).
//   - Starting the WAL over. A PASSIVE checkpoint never resets the WAL; the
//     writer starts it from the beginning at its next transaction only if
//     every frame in it has been copied. Under a steady stream of commits the
//     background checkpoint never catches up with the very last one, so the
//     WAL grew until the writer's own auto-checkpoint did it, and then every
//     commit checkpointed inline (copy and sync of the database file) until a
//     moment came with no reader in the way. Instead, once the WAL holds
//     walResetFrames and the background checkpoint has caught up, the
//     checkpointer runs one PASSIVE checkpoint through the writer's own
//     connection, queued like any transaction: it only has the frames of the
//     commits made meanwhile to copy, and the writer's next transaction
//     starts the WAL over.
var (
	// checkpointEvery is how often the background checkpoint runs. Each one
	// syncs the database file, and that sync competes with the commits' WAL
	// syncs for the disk. The pages a rush keeps rewriting (a person's
	// answers, their checklist, the unit's tallies) are copied once per
	// checkpoint however often they were committed, so one a second copies
	// far fewer pages, and syncs far less often, than one every 200 ms.
	checkpointEvery = time.Second
	// walResetFrames is the WAL size, in frames (4 KiB pages), from which
	// the checkpointer starts the WAL over.
	walResetFrames int64 = 16384
)

// writerAutoCheckpoint is the writer's wal_autocheckpoint: a last resort
// that only a WAL four times walResetFrames reaches (the checkpointer stopped,
// or readers that never let it start the WAL over).
const writerAutoCheckpoint = 65536

// checkpointStats counts what the checkpointer did (read by tests).
type checkpointStats struct {
	resets atomic.Int64 // times the WAL was made ready to start over
}

// startCheckpointer runs the background checkpoints on ck (a connection of
// its own) and starts the WAL over through w (the writer) as described
// above. It returns a function that stops it and closes ck.
func startCheckpointer(ck, w *sql.DB, st *checkpointStats) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			t.Reset(checkpointEvery)
			var busy, frames, copied int64
			if err := ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
				continue
			}
			if frames < walResetFrames {
				continue
			}
			// Caught up: copy what was committed meanwhile on the writer,
			// so that its next transaction finds every frame copied. A
			// reader still on an older snapshot keeps frames from being
			// copied (or the WAL from starting over): try again soon.
			if copied == frames {
				err := w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
				if err == nil && busy == 0 && copied == frames {
					st.resets.Add(1)
					continue
				}
			}
			t.Reset(checkpointEvery / 10)
		}
	}()
	return func() {
		cancel()
		<-done
		ck.Close()
	}
}
