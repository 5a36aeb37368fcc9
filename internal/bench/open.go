package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"kitei/internal/app"
	"kitei/internal/store"
)

// benchLogger discards everything below warnings: the benchmarks print
// their own progress.
func benchLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// progress prints a benchmark's progress lines to w (nil: nowhere).
func progress(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}

// openBench opens the store a benchmark runs on (a fresh SQLite file in a
// temporary folder when dsn is empty) with every service over it. It
// returns the DSN it used and a close that stops the services, closes the
// store and removes the temporary folder.
func openBench(ctx context.Context, dsn string) (string, *store.DB, *app.App, func(), error) {
	cleanup := func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "kitei-bench-")
		if err != nil {
			return "", nil, nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		cleanup()
		return "", nil, nil, nil, err
	}
	a := app.New(db, benchLogger())
	return dsn, db, a, func() { a.Close(); db.Close(); cleanup() }, nil
}
