package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kitei/internal/selfcheck"
	"kitei/internal/store"
)

// BenchmarkSaveAnswers times one group commit of n answers from n people
// (the writer's work in the rush) on an in-memory SQLite store, so the
// figure is the statements' CPU without the WAL sync.
func BenchmarkSaveAnswers(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{4, 32, 256} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db, err := store.Open(ctx, "sqlite::memory:", store.Options{Migrate: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			_, fx := selfcheckFixture(b, db, 400)
			st := db.Selfchecks()
			var cls []selfcheck.Checklist
			for _, p := range fx.People {
				cl, err := st.ChecklistOf(ctx, fx.CampaignID, p.ID)
				if err != nil {
					b.Fatal(err)
				}
				cls = append(cls, cl)
			}
			ws := make([]selfcheck.AnswerWrite, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range ws {
					cl := cls[(i*n+j)%len(cls)]
					ws[j] = selfcheck.AnswerWrite{CampaignID: fx.CampaignID, ChecklistID: cl.ID, UnitID: cl.UnitID,
						ItemID: fx.ItemIDs[(i+j)%len(fx.ItemIDs)], Value: selfcheck.Values[(i+j)%4], Comment: "手順書の整備が未完了のため", At: time.Now()}
				}
				for _, err := range st.SaveAnswers(ctx, ws) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1000, "µs/answer")
		})
	}
}
