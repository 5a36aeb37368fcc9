package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"kitei/internal/bench"
)

// runBenchPages fills a store with a year of data and times every list
// page as the office would (issue #20: under 150 ms and 200 KB each at
// 20,000 people). It exits non-zero when a page is over the target or
// answers an error, unless --no-fail.
func runBenchPages(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "bench pages")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temporary folder)")
	people := fs.Int("people", 20000, "people in the generated organisation")
	runs := fs.Int("runs", 5, "timed loads of each page")
	answered := fs.Int("answered", 10, "percent of the people who have answered and submitted the self-inspection")
	only := fs.String("only", "", "time only the routes whose pattern contains this text")
	asJSON := fs.Bool("json", false, "print one JSON object")
	logProgress := fs.Bool("log", false, "print progress on stderr (always, unless --json)")
	noFail := fs.Bool("no-fail", false, "exit 0 even when a page is over the target or answers an error")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *people < bench.MinYearPeople || *runs < 1 || *answered < 1 || *answered > 100 {
		return usageErr("--people must be at least %d, --runs positive, --answered between 1 and 100", bench.MinYearPeople)
	}
	var log io.Writer
	if !*asJSON || *logProgress {
		log = env.Stderr
	}
	res, err := bench.RunPages(ctx, bench.PagesOptions{DSN: *dsn, People: *people, Runs: *runs, Only: *only, Log: log,
		Year: bench.YearOptions{Answered: *answered}})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := json.NewEncoder(env.Stdout).Encode(res); err != nil {
			return err
		}
	} else {
		bench.PrintPages(env.Stdout, res)
	}
	if res.Failed() && !*noFail {
		return fmt.Errorf("%d page loads over the target (p50 %.0f ms, %d KB), %d errors", res.OverCount, res.TargetMs,
			res.TargetBytes>>10, res.ErrorCount)
	}
	return nil
}
