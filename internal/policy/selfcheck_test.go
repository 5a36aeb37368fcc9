package policy_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"kitei/internal/authz"
	"kitei/internal/policy"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestSelfcheckFromPublishedVersion: a self-inspection campaign made from
// the published version of a 対策基準 derived from seed 002 (no hand
// copying: the version is a catalog edition) works like one made from the
// imported parent for the same sections — the same items, roles,
// questions and checklists — and is answered, tallied and followed per
// unit through the self-inspection service.
func TestSelfcheckFromPublishedVersion(t *testing.T) {
	data := seed(t, "002_ea0d584469b154be.txt")
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc, sc := w.a.Policy, w.a.Selfcheck
		parent := w.importSeed(t, "統一基準", "002.txt", data)
		sections := []string{"1.2.2", "1.2.4", "1.5.1"}
		d, err := svc.Create(ctx, w.chief, policy.CreateInput{Name: "対策基準", Origin: policy.OriginDerived, Catalog: parent.Catalog.ID, Sections: sections})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(ctx, w.chief, d.ID, 0, ""); err != nil {
			t.Fatal(err)
		}
		if d, err = svc.Decide(ctx, w.ciso, d.ID, 1, policy.Decision{Approve: true, Deliberation: "委員会で了承", EffectiveOn: svc.Today()}); err != nil {
			t.Fatal(err)
		}
		cat, err := w.a.Catalogs.Get(ctx, d.CatalogID)
		if err != nil {
			t.Fatal(err)
		}

		day := time.Now()
		campaign := func(name string, editionID int64) (selfcheck.Campaign, []selfcheck.Item, selfcheck.PublishResult) {
			c, err := sc.CreateCampaign(ctx, selfcheck.Campaign{Name: name, FiscalYear: day.Year(),
				OpensOn: day.AddDate(0, 0, -1).Format(selfcheck.DateLayout), ClosesOn: day.AddDate(0, 0, 30).Format(selfcheck.DateLayout)})
			if err != nil {
				t.Fatal(err)
			}
			items, err := sc.AddItems(ctx, c.ID, editionID, sections)
			if err != nil {
				t.Fatal(err)
			}
			// The office gives a role to items whose subject names none,
			// the same way for both campaigns.
			for _, it := range items {
				if len(it.Roles) == 0 {
					it.Roles = []string{authz.RoleChiefISO}
					if err := sc.UpdateItem(ctx, it); err != nil {
						t.Fatal(err)
					}
				}
			}
			if items, err = sc.Items(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			res, err := sc.Publish(ctx, c.ID, sc.Today())
			if err != nil {
				t.Fatal(err)
			}
			return c, items, res
		}
		fromPolicy, pItems, pRes := campaign("対策基準による自己点検", cat.Latest.ID)
		_, iItems, iRes := campaign("統一基準による自己点検", parent.Edition.ID)

		if len(pItems) == 0 || len(pItems) != len(iItems) {
			t.Fatalf("%d items from the published version, %d from the imported catalog", len(pItems), len(iItems))
		}
		for i := range pItems {
			a, b := pItems[i], iItems[i]
			if a.NodeRef != b.NodeRef || a.SectionRef != b.SectionRef || a.Question != b.Question || !slices.Equal(a.Roles, b.Roles) {
				t.Errorf("item %d differs:\n policy   %+v\n imported %+v", i, a, b)
			}
		}
		if pRes != iRes || pRes.Checklists != 7 {
			t.Errorf("publication: from the policy %+v, from the imported catalog %+v", pRes, iRes)
		}

		// A staff member answers; the roll-up and the officer's progress
		// see it.
		me := w.staff[0]
		view, err := sc.MyChecklist(ctx, fromPolicy.ID, me.PersonID)
		if err != nil || len(view.Items) == 0 {
			t.Fatalf("staff checklist = %+v %v", view, err)
		}
		for _, it := range view.Items {
			if _, err := sc.SaveAnswer(ctx, fromPolicy.ID, me.PersonID, it.ID, selfcheck.Yes, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := sc.Submit(ctx, fromPolicy.ID, me.PersonID); err != nil {
			t.Fatal(err)
		}
		r, err := sc.Rollup(ctx, authz.System, fromPolicy.ID, -1)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Total.Yes != len(view.Items) {
			t.Errorf("roll-up yes = %d, want %d", r.Total.Total.Yes, len(view.Items))
		}
		_, total, err := sc.Progress(ctx, w.officer, fromPolicy.ID)
		if err != nil || total.Submitted != 1 || total.Submitted+total.InProgress+total.NotStarted != 4 {
			t.Errorf("the officer's progress = %+v %v", total, err)
		}
	})
}
