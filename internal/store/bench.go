package store

import (
	"context"
	"database/sql"
	"time"
)

// RawCommitRate measures the store's raw durable-commit rate: one client
// inserting one row per transaction, each committed before the next, for
// about d. It is the yardstick `kitei bench` compares the answer rush
// with; the scratch table is dropped afterwards.
func (db *DB) RawCommitRate(ctx context.Context, d time.Duration) (float64, error) {
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kitei_bench_raw (n INTEGER NOT NULL, v TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	defer db.W.ExecContext(context.Background(), `DROP TABLE kitei_bench_raw`)
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO kitei_bench_raw (n, v) VALUES ($1, $2)`, n, "実施している")
			return err
		}); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
