package store

import "time"

// SetCheckpointTuning sets how often the checkpointer runs and from how
// many WAL frames it starts the WAL over, for stores opened afterwards; the
// returned function restores the defaults.
func SetCheckpointTuning(every time.Duration, resetFrames int64) (restore func()) {
	e, r := checkpointEvery, walResetFrames
	checkpointEvery, walResetFrames = every, resetFrames
	return func() { checkpointEvery, walResetFrames = e, r }
}

// CheckpointResets is how many times the checkpointer has started the WAL
// over (0 on PostgreSQL).
func (db *DB) CheckpointResets() int64 {
	if db.ckpt == nil {
		return 0
	}
	return db.ckpt.resets.Load()
}
