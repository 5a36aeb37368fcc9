package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestSaveAnswersOneBatch stores group commits directly: the last write to
// a key wins, comments of any text come back as written, the checklists
// start, the tallies count each stored answer once (also when the
// statements are padded to a prepared shape), and a later batch that
// changes an answer moves its tally.
func TestSaveAnswersOneBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, fx := selfcheckFixture(t, db, 20)
		st := db.Selfchecks()
		a, err := st.ChecklistOf(ctx, fx.CampaignID, fx.People[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.ChecklistOf(ctx, fx.CampaignID, fx.People[17].ID)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 7, 9, 30, 0, 123456789, time.UTC)
		w := func(cl selfcheck.Checklist, item int, v selfcheck.Value, comment string) selfcheck.AnswerWrite {
			return selfcheck.AnswerWrite{CampaignID: fx.CampaignID, ChecklistID: cl.ID, UnitID: cl.UnitID,
				ItemID: fx.ItemIDs[item], Value: v, Comment: comment, At: at}
		}
		odd := "「引用」 \"quoted\" back\\slash <b>&amp;</b>\n改行\t$1 ?"
		batch := []selfcheck.AnswerWrite{
			w(a, 0, selfcheck.Yes, ""),
			w(b, 1, selfcheck.Partial, "一部"),
			w(a, 0, selfcheck.No, odd), // replaces the first write to (a, 0)
			w(a, 1, selfcheck.NA, ""),
		}
		for i, err := range st.SaveAnswers(ctx, batch) {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		got := map[int64]selfcheck.Answer{}
		as, err := st.Answers(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range as {
			got[x.ItemID] = x
		}
		if x := got[fx.ItemIDs[0]]; len(as) != 2 || x.Value != selfcheck.No || x.Comment != odd || !x.AnsweredAt.Equal(at) {
			t.Fatalf("answers of a: %+v", as)
		}
		if x := got[fx.ItemIDs[1]]; x.Value != selfcheck.NA {
			t.Fatalf("a item 1: %+v", x)
		}
		if cl, _ := st.ChecklistOf(ctx, fx.CampaignID, fx.People[3].ID); cl.Status != selfcheck.InProgress || cl.Answered != 2 {
			t.Fatalf("checklist a: %+v", cl)
		}
		tally := func() (yes, partial, no, na int) {
			ts, err := st.Tallies(ctx, fx.CampaignID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ts {
				yes, partial, no, na = yes+x.Yes, partial+x.Partial, no+x.No, na+x.NA
			}
			return
		}
		if y, p, n, na := tally(); y != 0 || p != 1 || n != 1 || na != 1 {
			t.Fatalf("tallies yes %d partial %d no %d na %d", y, p, n, na)
		}
		for i, err := range st.SaveAnswers(ctx, []selfcheck.AnswerWrite{w(a, 0, selfcheck.Yes, "")}) {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if y, p, n, na := tally(); y != 1 || p != 1 || n != 0 || na != 1 {
			t.Fatalf("after the change: yes %d partial %d no %d na %d", y, p, n, na)
		}
		// Nine writes: on SQLite the statements are padded to twelve rows,
		// which must change nothing.
		var nine []selfcheck.AnswerWrite
		for item := 2; item <= 10; item++ {
			nine = append(nine, w(b, item, selfcheck.Yes, ""))
		}
		for i, err := range st.SaveAnswers(ctx, nine) {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if y, p, n, na := tally(); y != 10 || p != 1 || n != 0 || na != 1 {
			t.Fatalf("after nine more: yes %d partial %d no %d na %d", y, p, n, na)
		}
		if bs, err := st.Answers(ctx, b.ID); err != nil || len(bs) != 10 {
			t.Fatalf("answers of b: %d, %v", len(bs), err)
		}
	})
}

// TestSaveAnswersRefusesAndRecounts mixes refused and stored writes in one
// batch (a submitted checklist, then a closed campaign) and has eight
// writers overwrite the same answers concurrently with batches in
// different orders: nothing deadlocks, and every tally equals a recount
// of the stored answers.
func TestSaveAnswersRefusesAndRecounts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, fx := selfcheckFixture(t, db, 20)
		st := db.Selfchecks()
		at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		lists := make([]selfcheck.Checklist, 8)
		for i := range lists {
			cl, err := st.ChecklistOf(ctx, fx.CampaignID, fx.People[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			lists[i] = cl
		}
		w := func(cl selfcheck.Checklist, item int, v selfcheck.Value) selfcheck.AnswerWrite {
			return selfcheck.AnswerWrite{CampaignID: fx.CampaignID, ChecklistID: cl.ID, UnitID: cl.UnitID,
				ItemID: fx.ItemIDs[item], Value: v, At: at}
		}
		key := func(err error) string {
			var e *apperr.Error
			if errors.As(err, &e) {
				return e.Key
			}
			return fmt.Sprint(err)
		}

		// Checklist 0 answered in full and submitted.
		var all []selfcheck.AnswerWrite
		for item := range fx.ItemIDs {
			all = append(all, w(lists[0], item, selfcheck.Yes))
		}
		for i, err := range st.SaveAnswers(ctx, all) {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if err := st.Submit(ctx, lists[0].ID, at); err != nil {
			t.Fatal(err)
		}
		errs := st.SaveAnswers(ctx, []selfcheck.AnswerWrite{w(lists[1], 0, selfcheck.No), w(lists[0], 0, selfcheck.No)})
		if errs[0] != nil || key(errs[1]) != "selfcheck.err.checklist_already_submitted_answers_longer" {
			t.Fatalf("mixed batch: %v", errs)
		}
		if as, _ := st.Answers(ctx, lists[0].ID); as[0].Value != selfcheck.Yes {
			t.Fatalf("the submitted checklist changed: %+v", as[0])
		}

		// Eight writers, each rewriting items 0–5 of checklists 1–7 in its
		// own order, twenty rounds each.
		var wg sync.WaitGroup
		failed := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(uint64(g), 7))
				for round := 0; round < 20; round++ {
					var batch []selfcheck.AnswerWrite
					for _, c := range rnd.Perm(7) {
						for item := 0; item < 6; item++ {
							batch = append(batch, w(lists[c+1], item, selfcheck.Values[rnd.IntN(4)]))
						}
					}
					for _, err := range st.SaveAnswers(ctx, batch) {
						if err != nil {
							failed <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(failed)
		for err := range failed {
			t.Fatal(err)
		}
		recount := map[[2]int64]*[5]int{} // unit, item → counts by value
		unitOf := map[int64]int64{}
		for _, p := range fx.People {
			unitOf[p.ID] = p.UnitID
		}
		err := st.EachAnswer(ctx, fx.CampaignID, func(person, item int64, v selfcheck.Value) {
			k := [2]int64{unitOf[person], item}
			if recount[k] == nil {
				recount[k] = new([5]int)
			}
			recount[k][v]++
		})
		if err != nil {
			t.Fatal(err)
		}
		ts, err := st.Tallies(ctx, fx.CampaignID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ts {
			want := recount[[2]int64{x.UnitID, x.ItemID}]
			if want == nil {
				want = new([5]int)
			}
			if got := [5]int{0, x.Yes, x.Partial, x.No, x.NA}; got != *want {
				t.Fatalf("tally of unit %d item %d: %v, recount %v", x.UnitID, x.ItemID, got, *want)
			}
			delete(recount, [2]int64{x.UnitID, x.ItemID})
		}
		if len(recount) != 0 {
			t.Fatalf("answers without a tally: %v", recount)
		}

		// A closed campaign refuses every write.
		if err := st.SetStatus(ctx, fx.CampaignID, selfcheck.Closed); err != nil {
			t.Fatal(err)
		}
		if errs := st.SaveAnswers(ctx, []selfcheck.AnswerWrite{w(lists[2], 0, selfcheck.NA)}); key(errs[0]) != "selfcheck.err.campaign_closed_answers_longer_changed2" {
			t.Fatalf("closed campaign: %v", errs)
		}
	})
}
