package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"kitei/internal/audit"
	"kitei/internal/catalog"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// appendConcurrently appends n events from several goroutines per store.
func appendConcurrently(t *testing.T, n int, dbs ...*store.DB) {
	t.Helper()
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db := dbs[w%len(dbs)]
			ctx := audit.WithActor(context.Background(), audit.Actor{ID: int64(w + 1), Login: fmt.Sprintf("user%d", w), IP: "192.0.2.1"})
			for i := w; i < n; i += writers {
				ev := audit.Event{Action: audit.ActionLogin, ObjectType: "user", ObjectID: fmt.Sprint(w + 1),
					Detail: audit.Details(map[string]any{"i": i, "note": "ログイン"})}
				if err := db.Audit().Append(ctx, &ev); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func verify(t *testing.T, db *store.DB) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), db.Audit())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAuditChainDetectsTampering(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		const n = 40
		cases := []struct {
			name    string
			tamper  []string
			seq     int64
			problem audit.Problem
		}{
			{"edit detail", []string{`UPDATE audit_events SET detail = '{"i":0}' WHERE seq = 17`}, 17, audit.Edited},
			{"edit actor", []string{`UPDATE audit_events SET actor = 'nobody' WHERE seq = 3`}, 3, audit.Edited},
			{"delete middle", []string{`DELETE FROM audit_events WHERE seq = 20`}, 20, audit.Deleted},
			{"delete last", []string{fmt.Sprintf(`DELETE FROM audit_events WHERE seq = %d`, n)}, n, audit.Truncated},
			{"swap", []string{
				`UPDATE audit_events SET seq = -1 WHERE seq = 9`,
				`UPDATE audit_events SET seq = 9 WHERE seq = 12`,
				`UPDATE audit_events SET seq = 12 WHERE seq = -1`,
			}, 9, audit.Reordered},
			{"delete head", []string{`DELETE FROM audit_head`}, 0, audit.NoHead},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// Each case starts from an empty trail.
				for _, q := range []string{`DELETE FROM audit_events`, `DELETE FROM audit_head`,
					`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '` + audit.Genesis + `')`} {
					if _, err := db.W.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				appendConcurrently(t, n, db)
				res := verify(t, db)
				if !res.OK || res.Entries != n || res.Head.Seq != n {
					t.Fatalf("fresh chain does not verify: %v", res)
				}
				for _, q := range c.tamper {
					if _, err := db.W.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				res = verify(t, db)
				if res.OK || res.Seq != c.seq || res.Problem != c.problem {
					t.Fatalf("got %v, want entry %d %s", res, c.seq, c.problem)
				}
			})
		}
	})
}

func TestAuditAppendAcrossReplicas(t *testing.T) {
	dsn, ok := storetest.DSNs(t)["postgres"]
	if !ok {
		t.Skip("set " + storetest.EnvPostgres + " to run on PostgreSQL")
	}
	ctx := context.Background()
	var dbs []*store.DB
	for i := 0; i < 3; i++ {
		db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	appendConcurrently(t, 90, dbs...)
	if res := verify(t, dbs[0]); !res.OK || res.Entries != 90 {
		t.Fatalf("three replicas appending: %v", res)
	}
}

func TestAuditListFilters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		add := func(day int, actor, action, otype, oid string) {
			t.Helper()
			ev := audit.Event{At: base.AddDate(0, 0, day), Actor: actor, Action: action, ObjectType: otype, ObjectID: oid}
			if err := db.Audit().Append(ctx, &ev); err != nil {
				t.Fatal(err)
			}
		}
		add(0, "tanaka", "auth.login", "user", "1")
		add(1, "tanaka", "auth.login_failed", "user", "1")
		add(2, "sato", "authz.deny", "catalog", "3")
		add(3, "sato", "catalog.import", "catalog", "3")
		add(4, "system", "catalog.import", "catalog", "4")

		cases := []struct {
			f    audit.Filter
			want []int64
		}{
			{audit.Filter{}, []int64{5, 4, 3, 2, 1}},
			{audit.Filter{Actor: "sato"}, []int64{4, 3}},
			{audit.Filter{Action: "auth"}, []int64{2, 1}},
			{audit.Filter{Action: "auth."}, []int64{2, 1}},
			{audit.Filter{Action: "auth.login"}, []int64{1}},
			{audit.Filter{Action: "authz"}, []int64{3}},
			{audit.Filter{ObjectType: "catalog", ObjectID: "3"}, []int64{4, 3}},
			{audit.Filter{From: base.AddDate(0, 0, 1), To: base.AddDate(0, 0, 3)}, []int64{3, 2}},
			{audit.Filter{Limit: 2}, []int64{5, 4}},
			{audit.Filter{Limit: 2, Offset: 2}, []int64{3, 2}},
			{audit.Filter{Offset: 4}, []int64{1}},
		}
		for _, c := range cases {
			got, err := db.Audit().List(ctx, c.f)
			if err != nil {
				t.Fatalf("%+v: %v", c.f, err)
			}
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(c.want) {
				t.Errorf("List(%+v) = %v, want %v", c.f, seqs, c.want)
			}
			n, err := db.Audit().Count(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if c.f.Limit == 0 && c.f.Offset == 0 && n != int64(len(c.want)) {
				t.Errorf("Count(%+v) = %d, want %d", c.f, n, len(c.want))
			}
		}
		got, _ := db.Audit().List(ctx, audit.Filter{Limit: 1})
		if e := got[0]; e.At != base.AddDate(0, 0, 4) || e.Actor != "system" || e.Detail != "{}" || e.Hash == "" {
			t.Errorf("stored event read back as %+v", e)
		}
	})
}

func TestAuditCommitsWithTheChange(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: 5, Login: "kobayashi", IP: "203.0.113.9"})
		// A failed transaction leaves no audit entry and the chain intact.
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if err := store.AppendAudit(ctx, tx, db.Dialect, &audit.Event{Action: "user.create"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if err == nil {
			t.Fatal("expected failure")
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{}); n != 0 {
			t.Fatalf("rolled-back change left %d audit entries", n)
		}
		// A catalog import is audited with the actor from the context.
		_, _, err = db.Catalogs().CreateEdition(ctx, "統一基準", catalog.Edition{
			Format: "jptext", SourceHash: "abc", Nodes: 1, ImportedAt: time.Now(),
		}, []catalog.Node{{Ref: "1", Kind: "chapter", Title: "総則"}})
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: "catalog.import"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("import audit = %v, %v", evs, err)
		}
		e := evs[0]
		if e.Actor != "kobayashi" || e.ActorID != 5 || e.IP != "203.0.113.9" || e.ObjectType != "catalog" ||
			e.ObjectID == "" || e.DetailMap()["name"] != "統一基準" {
			t.Fatalf("import audited as %+v", e)
		}
		if res := verify(t, db); !res.OK || res.Entries != 1 {
			t.Fatalf("%v", res)
		}
	})
}
