package store_test

import (
	"context"
	"testing"
	"time"

	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
)

// TestSelfcheckActionsMoveToTracker puts improvement actions in the
// self-inspection table of the schema before migration 00012, migrates,
// and finds them on the tracker with their source, requirement, owner,
// due date and status, and through selfcheck's own view.
func TestSelfcheckActionsMoveToTracker(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			svc := selfcheck.NewService(db.Selfchecks(), catalog.NewService(db.Catalogs(), nil))
			defer svc.Close()
			fx, err := bench.Generate(ctx, db, svc, bench.FixtureOptions{People: 4, Items: 3, PerUnit: 2})
			if err != nil {
				t.Fatal(err)
			}
			owner := fx.People[1]
			at := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC).Format(time.RFC3339Nano)
			for _, row := range []struct {
				item         int64
				title, state string
			}{{fx.ItemIDs[0], "手順書を改訂する", "in_progress"}, {0, "全体研修を行う", "done"}} {
				if _, err := db.W.ExecContext(ctx, `INSERT INTO sc_actions (campaign_id, item_id, unit_id, title, owner_id, due_on,
					status, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '2026-09-30', $6, '着手済み', $7, $7)`,
					fx.CampaignID, row.item, owner.UnitID, row.title, owner.ID, row.state, at); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			acts, err := db.Tracker().Actions(ctx, tracker.Filter{Scope: tracker.ScopeFilter{All: true}, SourceKind: tracker.FromSelfcheckItem})
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != 2 {
				t.Fatalf("tracker has %d self-inspection actions after the migration, want 2: %+v", len(acts), acts)
			}
			byTitle := map[string]tracker.Action{}
			for _, a := range acts {
				byTitle[a.Title] = a
			}
			a := byTitle["手順書を改訂する"]
			if a.Source.ID != fx.CampaignID || a.Source.Item != fx.ItemIDs[0] || a.OwnerID != owner.ID || a.DueOn != "2026-09-30" ||
				a.Status != tracker.InProgress || a.Note != "着手済み" || a.UnitID != owner.UnitID || a.Source.Link == "" {
				t.Errorf("migrated action = %+v", a)
			}
			if len(a.Requirements) != 1 || a.Requirements[0].Ref == "" || a.Requirements[0].CatalogID == 0 {
				t.Errorf("migrated action requirements = %+v", a.Requirements)
			}
			if b := byTitle["全体研修を行う"]; b.Status != tracker.Done || b.Source.Item != 0 || len(b.Requirements) != 0 {
				t.Errorf("org-wide action = %+v", b)
			}
			// Self-inspection still sees them, and new ones land on the tracker.
			old, err := svc.Actions(ctx, fx.CampaignID)
			if err != nil || len(old) != 2 {
				t.Fatalf("selfcheck actions = %v, %v", old, err)
			}
			n, err := svc.CreateAction(ctx, selfcheck.Action{CampaignID: fx.CampaignID, ItemID: fx.ItemIDs[1], UnitID: owner.UnitID,
				Title: "点検を追加実施する", OwnerID: owner.ID, DueOn: "2026-12-01"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Tracker().Action(ctx, n.ID)
			if err != nil || got.Source.Kind != tracker.FromSelfcheckItem || got.Title != "点検を追加実施する" || len(got.Requirements) != 1 {
				t.Fatalf("new selfcheck action on the tracker = %+v, %v", got, err)
			}
			var left int
			if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'sc_actions' AND table_schema = current_schema()`).Scan(&left); err == nil && left != 0 {
				t.Errorf("sc_actions still exists")
			}
		})
	}
}
