package store_test

import (
	"context"
	"testing"
	"time"

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
