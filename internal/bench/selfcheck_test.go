package bench

import (
	"context"
	"testing"
	"time"

	"kitei/internal/store/storetest"
)

// TestSelfcheckBenchSmall runs the benchmark at a small size on every
// engine: it must answer everything and lose nothing. (Figures are measured
// by hand with `kitei bench selfcheck`, never asserted here.)
func TestSelfcheckBenchSmall(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			res, err := RunSelfcheck(context.Background(), SelfcheckOptions{DSN: dsn, People: 300, Items: 10, Clients: 20,
				RawFor: 200 * time.Millisecond, RollupRuns: 3})
			if err != nil {
				t.Fatal(err)
			}
			if res.AnswersTotal != 3000 || res.Errors != 0 || res.LostAcknowledged != 0 || res.RollupAnswers != 3000 {
				t.Fatalf("%+v", res)
			}
			t.Logf("%s: %.0f answers/s, p99 %.1f ms, raw %.0f/s, ratio %.2f", engine, res.AnswersPerSec, res.P99ms,
				res.RawCommitsPerSec, res.Ratio)
		})
	}
}
