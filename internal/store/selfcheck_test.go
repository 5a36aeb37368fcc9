package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/org"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
)

func selfcheckFixture(t testing.TB, db *store.DB, people int) (*selfcheck.Service, *bench.Fixture) {
	t.Helper()
	svc := selfcheck.NewService(db.Selfchecks(), catalog.NewService(db.Catalogs(), nil))
	t.Cleanup(svc.Close)
	fx, err := bench.Generate(context.Background(), db, svc, bench.FixtureOptions{People: people, Items: 12, PerUnit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return svc, fx
}

func TestSelfcheckAnswerPath(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, fx := selfcheckFixture(t, db, 30)
		c, err := svc.Campaign(ctx, fx.CampaignID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != selfcheck.Published || c.Items != 12 || c.Checklists != 30 {
			t.Fatalf("campaign = %+v", c)
		}
		p := fx.People[5]
		item := fx.ItemIDs[0]

		// Refusals with a clear code.
		if _, err := selfcheck.ParseValue("maybe"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad value: %v", err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, item, selfcheck.Partial, "  "); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("partial without comment: %v", err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, item, selfcheck.Value(9), ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("value 9: %v", err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, 987654, selfcheck.Yes, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("item not on checklist: %v", err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, 987654, item, selfcheck.Yes, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("person without checklist: %v", err)
		}

		// Answer everything; change one answer; the tally follows.
		for i, it := range fx.ItemIDs {
			v := selfcheck.Values[i%4]
			if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, it, v, "理由"); err != nil {
				t.Fatalf("save %d: %v", it, err)
			}
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, fx.ItemIDs[1], selfcheck.No, "未実施"); err != nil {
			t.Fatal(err)
		}
		v, err := svc.MyChecklist(ctx, c.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Checklist.Answered != 12 || v.Checklist.Status != selfcheck.InProgress || len(v.Items) != 12 {
			t.Fatalf("checklist = %+v", v.Checklist)
		}
		if a := v.Items[1].Answer; a == nil || a.Value != selfcheck.No || a.Comment != "未実施" {
			t.Fatalf("changed answer = %+v", a)
		}
		r, err := svc.Rollup(ctx, authz.System, c.ID, -1)
		if err != nil {
			t.Fatal(err)
		}
		if tot := r.Total.Total; tot.Answered() != 12 || tot.Yes != 3 || tot.Partial != 2 || tot.No != 4 || tot.NA != 3 {
			t.Fatalf("tally = %+v", tot)
		}
		if len(r.Sections) != 6 || len(r.Rows) != 1 {
			t.Fatalf("sections %d rows %d", len(r.Sections), len(r.Rows))
		}

		// Submit only when complete; nothing changes after.
		q := fx.People[6]
		if _, err := svc.SaveAnswer(ctx, c.ID, q.ID, item, selfcheck.Yes, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.Submit(ctx, c.ID, q.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("incomplete submit: %v", err)
		}
		if err := svc.Submit(ctx, c.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, p.ID, item, selfcheck.Yes, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("save after submit: %v", err)
		}
		rows, total, err := svc.Progress(ctx, authz.System, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if total.Submitted != 1 || total.InProgress != 1 || total.NotStarted != 28 || len(rows) != 5 {
			t.Fatalf("progress %+v rows %d", total, len(rows))
		}
		// A unit officer sees only their unit.
		officer := &authz.Principal{PersonID: p.ID, UnitPath: p.UnitPath, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: p.UnitPath}}}
		if _, total, _ := svc.Progress(ctx, officer, c.ID); total.NotStarted+total.InProgress+total.Submitted != 10 {
			t.Errorf("scoped progress = %+v", total)
		}
		other := fx.People[25]
		if _, err := svc.ItemAnswers(ctx, officer, c.ID, item, other.UnitID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("foreign unit drill-down: %v", err)
		}
		if _, err := svc.ChecklistFor(ctx, officer, c.ID, other.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("foreign checklist: %v", err)
		}
		as, err := svc.ItemAnswers(ctx, officer, c.ID, fx.ItemIDs[1], p.UnitID)
		if err != nil || len(as) != 1 || as[0].Code != "no" {
			t.Errorf("drill-down = %+v %v", as, err)
		}

		// Reminders reach the people who have not submitted, once per job.
		n, err := svc.Remind(ctx, officer, c.ID, p.UnitID)
		if err != nil || n != 9 {
			t.Errorf("remind = %d %v", n, err)
		}
		ns, err := svc.Notices(ctx, q.ID)
		if err != nil || len(ns) != 1 || ns[0].CampaignID != c.ID {
			t.Errorf("notices = %+v %v", ns, err)
		}

		// Improvement action.
		a, err := svc.CreateAction(ctx, selfcheck.Action{CampaignID: c.ID, ItemID: fx.ItemIDs[1], UnitID: p.UnitID,
			Title: "手順書を整備する", OwnerID: fx.Officers[p.UnitID], DueOn: "2027-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		a.Status, a.Note = selfcheck.ActionInProgress, "草案作成中"
		if _, err := svc.UpdateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
		acts, err := svc.Actions(ctx, c.ID)
		if err != nil || len(acts) != 1 || acts[0].Status != selfcheck.ActionInProgress || acts[0].OwnerName == "" {
			t.Errorf("actions = %+v %v", acts, err)
		}

		// A closed campaign refuses answers.
		if err := svc.CloseCampaign(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveAnswer(ctx, c.ID, q.ID, item, selfcheck.Yes, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("closed campaign: %v", err)
		}
	})
}

// TestSelfcheckConcurrentSaves checks that every acknowledged save is
// stored and that the tallies equal the answers, under concurrency.
func TestSelfcheckConcurrentSaves(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, fx := selfcheckFixture(t, db, 60)
		var wg sync.WaitGroup
		errs := make(chan error, len(fx.People))
		for _, p := range fx.People {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, it := range fx.ItemIDs {
					v := selfcheck.Values[(int(p.ID)+i)%4]
					if _, err := svc.SaveAnswer(ctx, fx.CampaignID, p.ID, it, v, "c"); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		idx := map[int64]int{}
		for i, it := range fx.ItemIDs {
			idx[it] = i
		}
		lost, total := 0, 0
		err := db.Selfchecks().EachAnswer(ctx, fx.CampaignID, func(person, item int64, v selfcheck.Value) {
			total++
			if v != selfcheck.Values[(int(person)+idx[item])%4] {
				lost++
			}
		})
		if err != nil || lost != 0 || total != 60*12 {
			t.Fatalf("lost %d of %d: %v", lost, total, err)
		}
		r, err := svc.Rollup(ctx, authz.System, fx.CampaignID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Total.Answered() != 60*12 || len(r.Rows) != 1 {
			t.Fatalf("rollup total %+v rows %d", r.Total.Total, len(r.Rows))
		}
	})
}

func TestSelfcheckJobsClaimedOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, fx := selfcheckFixture(t, db, 20)
		// Two replicas over the same store, on a day inside the reminder window.
		closes := time.Now().AddDate(0, 0, 30)
		at := func() time.Time { return closes.AddDate(0, 0, -2) }
		other := selfcheck.NewService(db.Selfchecks(), catalog.NewService(db.Catalogs(), nil))
		defer other.Close()
		svc.Now, other.Now = at, at
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i, s := range []*selfcheck.Service{svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.RunDueReminders(ctx, fmt.Sprintf("replica-%d", i))
				if err != nil {
					t.Error(err)
				}
				sent[i] = n
			}()
		}
		wg.Wait()
		if sent[0]+sent[1] != 20 {
			t.Fatalf("sent %v, want 20 in all", sent)
		}
		if n, err := svc.RunDueReminders(ctx, "replica-0"); err != nil || n != 0 {
			t.Fatalf("second run sent %d %v", n, err)
		}
		ns, _ := svc.Notices(ctx, fx.People[3].ID)
		if len(ns) != 1 {
			t.Fatalf("notices = %d", len(ns))
		}
	})
}

// TestSelfcheckItemsFromSeed builds a campaign from seed 000: roles come
// from each requirement's subject, sections from the document's parts.
func TestSelfcheckItemsFromSeed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testshared.Seeds(t), "000_666dad1990f509b5.txt"))
	if err != nil {
		t.Skip(err)
	}
	db := storetest.SQLite(t)
	ctx := context.Background()
	cats := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": jptext.Parse})
	res, err := cats.Import(ctx, catalog.ImportRequest{Name: "000", SourceName: "000.txt", Format: "jptext", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	svc := selfcheck.NewService(db.Selfchecks(), cats)
	defer svc.Close()
	c, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: "令和8年度自己点検", FiscalYear: 2026,
		OpensOn: "2026-10-01", ClosesOn: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	items, err := svc.AddItems(ctx, c.ID, res.Edition.ID, []string{"2.3.1", "8.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) < 10 {
		t.Fatalf("%d items", len(items))
	}
	counts := map[string]int{}
	sections := map[string]bool{}
	for _, it := range items {
		for _, r := range it.Roles {
			counts[r]++
		}
		sections[it.SectionRef] = true
		if len(it.Roles) == 0 {
			t.Errorf("%s (%s) has no role", it.NodeRef, it.Subject)
		}
	}
	if counts[authz.RoleStaff] == 0 || counts[authz.RoleChiefISO] == 0 {
		t.Errorf("roles = %v", counts)
	}
	if len(sections) != 2 {
		t.Errorf("sections = %v", sections)
	}
	// Rewrite a question; roles stay editable while a draft.
	it := items[0]
	it.Question = "自己点検の計画を毎年作っていますか。"
	it.Roles = []string{authz.RoleChiefISO, authz.RoleSecOffice}
	if err := svc.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Items(ctx, c.ID)
	if got[0].Question != it.Question || len(got[0].Roles) != 2 {
		t.Errorf("updated item = %+v", got[0])
	}
}

// A campaign made from every requirement of seed 000 keeps the items whose
// subject names no role; publishing refuses and names them, the one-click
// assignment gives them a role, and then the campaign publishes.
func TestCampaignFromWholeSeedPublishes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testshared.Seeds(t), "000_666dad1990f509b5.txt"))
	if err != nil {
		t.Skip(err)
	}
	db := storetest.SQLite(t)
	ctx := context.Background()
	cats := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": jptext.Parse})
	res, err := cats.Import(ctx, catalog.ImportRequest{Name: "000", SourceName: "000.txt", Format: "jptext", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部", Kind: "部"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "E1", Name: "職員", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"}); err != nil {
		t.Fatal(err)
	}
	svc := selfcheck.NewService(db.Selfchecks(), cats)
	defer svc.Close()
	c, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: "全項目", FiscalYear: 2026, OpensOn: "2026-10-01", ClosesOn: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	items, err := svc.AddItems(ctx, c.ID, res.Edition.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	unmapped := selfcheck.Unmapped(items)
	if len(items) < 300 || len(unmapped) == 0 {
		t.Fatalf("%d items, %d without a role: the seed should leave some subjects unrecognised", len(items), len(unmapped))
	}
	_, err = svc.Publish(ctx, c.ID, "2026-10-01")
	if apperr.KeyOf(err) != "selfcheck.err.these_items_have_role_answer" || !strings.Contains(err.Error(), unmapped[0].NodeRef) {
		t.Fatalf("publish with roleless items: %v", err)
	}
	if _, err := svc.AssignUnmapped(ctx, c.ID, "no_such_role"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown role accepted: %v", err)
	}
	n, err := svc.AssignUnmapped(ctx, c.ID, authz.RoleStaff)
	if err != nil || n != len(unmapped) {
		t.Fatalf("assigned %d of %d: %v", n, len(unmapped), err)
	}
	after, _ := svc.Items(ctx, c.ID)
	if left := selfcheck.Unmapped(after); len(left) != 0 {
		t.Fatalf("%d items still without a role", len(left))
	}
	pr, err := svc.Publish(ctx, c.ID, "2026-10-01")
	if err != nil {
		t.Fatal(err)
	}
	if pr.Checklists != 1 {
		t.Errorf("publish = %+v", pr)
	}
	if _, err := svc.AssignUnmapped(ctx, c.ID, authz.RoleStaff); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("roles changed after publishing: %v", err)
	}
}
