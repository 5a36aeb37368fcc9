package store_test

import (
	"context"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

const (
	parentDoc = "1||組織\n1(a)|1|最高情報セキュリティ責任者を置くこと。\n1(b)|1|統括情報セキュリティ責任者は、例外措置の手続を定めること。\n1(c)|1|統括情報セキュリティ責任者は、教育実施計画を策定すること。\n"
	childDoc  = "A||体制\nA1|A|最高情報セキュリティ責任者を置くこと。\nA2|A|統括情報セキュリティ責任者は、例外措置の手続を定めること。\n"
)

func TestCrosswalkLinks(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: 7, Login: "sato"})
		cats := newService(db)
		p, err := cats.Import(ctx, catalog.ImportRequest{Name: "parent", SourceName: "p.txt", Data: []byte(parentDoc)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := cats.Import(ctx, catalog.ImportRequest{Name: "child", SourceName: "c.txt", Data: []byte(childDoc)})
		if err != nil {
			t.Fatal(err)
		}
		svc := crosswalk.NewService(db.Crosswalk(), cats)
		from := crosswalk.EditionRef{Catalog: c.Catalog.ID}
		to := crosswalk.EditionRef{Catalog: p.Catalog.ID}

		sugg, n, err := svc.Suggest(ctx, from, to, crosswalk.Options{Top: 2}, true)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(sugg) || n == 0 {
			t.Fatalf("saved %d of %d suggestions", n, len(sugg))
		}
		if sugg[0].From != "A1" || sugg[0].To != "1(a)" {
			t.Errorf("first suggestion %+v", sugg[0])
		}
		// Saving again adds nothing.
		if _, n2, err := svc.Suggest(ctx, from, to, crosswalk.Options{Top: 2}, true); err != nil || n2 != 0 {
			t.Fatalf("second save: %d new, %v", n2, err)
		}
		links, err := svc.Links(ctx, crosswalk.Filter{FromEdition: c.Edition.ID, ToEdition: p.Edition.ID})
		if err != nil || len(links) != len(sugg) {
			t.Fatalf("links %d, %v", len(links), err)
		}
		var a1, a2wrong crosswalk.Link
		for _, l := range links {
			if l.Status != crosswalk.StatusSuggested || l.Kind != crosswalk.KindDerivedFrom || l.Score <= 0 {
				t.Errorf("stored suggestion %+v", l)
			}
			if l.FromRef == "A1" && l.ToRef == "1(a)" {
				a1 = l
			}
			if l.FromRef == "A2" && l.ToRef != "1(b)" {
				a2wrong = l
			}
		}
		// Reject one, confirm one.
		got, err := svc.Review(ctx, a1.ID, crosswalk.StatusConfirmed, crosswalk.KindEquivalent, "同文")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != crosswalk.StatusConfirmed || got.Kind != crosswalk.KindEquivalent || got.ConfirmedBy != "sato" || got.ConfirmedAt.IsZero() || got.Note != "同文" {
			t.Errorf("confirmed %+v", got)
		}
		if a2wrong.ID != 0 {
			if got, err := svc.Review(ctx, a2wrong.ID, crosswalk.StatusRejected, "", ""); err != nil || got.Status != crosswalk.StatusRejected {
				t.Fatalf("reject: %+v %v", got, err)
			}
		}
		// A new round of suggestions leaves reviewed links alone.
		if _, _, err := svc.Suggest(ctx, from, to, crosswalk.Options{Top: 2}, true); err != nil {
			t.Fatal(err)
		}
		if l, err := svc.Link(ctx, a1.ID); err != nil || l.Status != crosswalk.StatusConfirmed || l.Kind != crosswalk.KindEquivalent {
			t.Errorf("after resuggest %+v %v", l, err)
		}
		// Pick another target by hand; the pair is unique, so picking it
		// again updates the same link.
		l1, err := svc.Pick(ctx, from, to, "A2", "1(c)", crosswalk.KindRelated, crosswalk.StatusConfirmed, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := svc.Pick(ctx, from, to, "A2", "1(c)", crosswalk.KindPartial, crosswalk.StatusConfirmed, "一部", 0)
		if err != nil || l2.ID != l1.ID || l2.Kind != crosswalk.KindPartial || l2.Note != "一部" {
			t.Fatalf("pick again %+v %v", l2, err)
		}
		if _, err := svc.Pick(ctx, from, to, "A9", "1(c)", "", "", "", 0); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown ref: %v", err)
		}
		// Bulk confirmation above a score.
		n, err = svc.ConfirmAbove(ctx, from, to, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		left, _ := svc.Links(ctx, crosswalk.Filter{FromEdition: c.Edition.ID, Status: crosswalk.StatusSuggested})
		if len(left) != 0 || n == 0 {
			t.Errorf("bulk confirmed %d, %d still suggested", n, len(left))
		}
		if _, err := svc.Review(ctx, 99999, crosswalk.StatusConfirmed, "", ""); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown link: %v", err)
		}
		if _, err := svc.Review(ctx, a1.ID, crosswalk.StatusConfirmed, "same", ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("bad kind: %v", err)
		}
		// Every change is in the audit trail, chain intact.
		res, err := audit.Verify(ctx, db.Audit())
		if err != nil || !res.OK {
			t.Fatalf("audit verify: %+v %v", res, err)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: crosswalk.ActionConfirm})
		if err != nil || len(evs) < 3 {
			t.Errorf("confirm events %d %v", len(evs), err)
		}
	})
}
