package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
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

// TestRushBounded: a bounded rush stops starting saves at its duration,
// keeps its pace, draws its people from the whole list (not the first
// few), and marks every save answered 200 as acknowledged.
func TestRushBounded(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen[r.Header.Get(PersonHeader)]++
		mu.Unlock()
	}))
	defer srv.Close()
	people := make([]Person, 2000)
	for i := range people {
		people[i] = Person{ID: int64(i + 1)}
	}
	r := &Rush{BaseURL: srv.URL, CampaignID: 1, People: people, ItemIDs: []int64{1, 2, 3, 4, 5}, Clients: 8,
		Rate: 400, Duration: 500 * time.Millisecond, Spread: true}
	r.Run(context.Background())
	n := r.Answered()
	if r.Errors != 0 || n < 150 || n > 210 || len(r.Latencies) != n || len(r.SendLags) != n {
		t.Fatalf("answered %d (errors %d, %d latencies, %d lags): want 200 at 400/s for 0.5 s", n, r.Errors, len(r.Latencies), len(r.SendLags))
	}
	if r.Elapsed > 3*time.Second {
		t.Fatalf("a 0.5 s rush took %s", r.Elapsed)
	}
	far := 0
	for p := range seen {
		if id, _ := strconv.Atoi(p); id > 200 {
			far++
		}
	}
	if far < len(seen)/2 {
		t.Fatalf("%d of the %d people answering are beyond the first 200 of 2000: not drawn from the whole list", far, len(seen))
	}
}
