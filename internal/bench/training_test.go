package bench

import (
	"context"
	"testing"

	"kitei/internal/store/storetest"
)

// TestTrainingBenchSmall runs `kitei bench training` at a small size on
// every engine: every person completes the course over HTTP with answers
// checked by the server, the store holds every completion, and every
// training page answers with everyone loaded. (Figures are measured by
// hand, never asserted here.)
func TestTrainingBenchSmall(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			res, err := RunTraining(context.Background(), TrainingOptions{DSN: dsn, People: 300, Clients: 12, PageRuns: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Completed != 300 || res.StoredCompleted != 300 || res.Errors != 0 || res.Requests != 900 {
				t.Fatalf("%+v", res)
			}
			if len(res.Pages) != 10 || res.Slowest.Path == "" || res.P99ms <= 0 {
				t.Fatalf("pages: %+v", res.Pages)
			}
			t.Logf("%s: %.0f completions/s, p50 %.1f ms, p99 %.1f ms, slowest page %s %.1f ms", engine, res.CompletionsSec,
				res.P50ms, res.P99ms, res.Slowest.Path, res.Slowest.P50)
		})
	}
}
