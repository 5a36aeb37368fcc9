package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
	"kitei/internal/web"
)

// TestMeasurePageSizes prints the size and median time of the pages and API
// answers issue #20 names, at KITEI_MEASURE people (e.g. 20000) with 616
// items, plus a draft campaign over every requirement of seed 000 and the
// tree of seed 002. It only measures (skipped unless KITEI_MEASURE is set);
// the bounds themselves are checked by TestCampaignPagesStaySmall.
func TestMeasurePageSizes(t *testing.T) {
	people := 0
	fmt.Sscan(os.Getenv("KITEI_MEASURE"), &people)
	if people <= 0 {
		t.Skip("set KITEI_MEASURE=20000 to measure")
	}
	db := storetest.SQLite(t)
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer a.Selfcheck.Close()
	t0 := time.Now()
	fx, err := bench.Generate(ctx, db, a.Selfcheck, bench.FixtureOptions{People: people, Items: 616})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d people, %d units, %d items in %v", len(fx.People), fx.Units, len(fx.ItemIDs), time.Since(t0))
	// Some answers, so that roll-ups have tallies in every unit.
	for i, p := range fx.People {
		if i%50 != 0 {
			continue
		}
		for j, it := range fx.ItemIDs[:20] {
			if _, err := a.Selfcheck.SaveAnswer(ctx, fx.CampaignID, p.ID, it, bench.AnswerValue(i, j), "コメント"); err != nil {
				t.Fatal(err)
			}
		}
	}
	seeds := testshared.Seeds(t)
	var draft int64
	var cat002 int64
	for _, f := range []struct{ name, file string }{{"NIES", "000_666dad1990f509b5.txt"}, {"統一基準", "002_ea0d584469b154be.txt"}} {
		data, err := os.ReadFile(filepath.Join(seeds, f.file))
		if err != nil {
			t.Skip(err)
		}
		res, err := a.Catalogs.Import(ctx, catalog.ImportRequest{Name: f.name, SourceName: f.file, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if f.name == "NIES" {
			c, err := a.Selfcheck.CreateCampaign(ctx, selfcheck.Campaign{Name: "全項目", FiscalYear: 2026, OpensOn: "2026-10-01", ClosesOn: "2026-10-31"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Selfcheck.AddItems(ctx, c.ID, res.Edition.ID, nil); err != nil {
				t.Fatal(err)
			}
			draft = c.ID
		} else {
			cat002 = res.Catalog.ID
		}
	}
	srv, err := web.New(a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	office := &authz.Principal{PersonID: fx.ChiefISO, Login: "c", Grants: []authz.Grant{{Role: authz.RoleChiefISO}}}
	officeStaff := &authz.Principal{PersonID: fx.ChiefISO, Login: "c", Grants: []authz.Grant{{Role: authz.RoleChiefISO}, {Role: authz.RoleStaff}}}
	var officer *authz.Principal
	for unit, person := range fx.Officers {
		for _, p := range fx.People {
			if p.ID == person {
				officer = &authz.Principal{PersonID: person, Login: "o", Grants: []authz.Grant{
					{Role: authz.RoleStaff, UnitPath: p.UnitPath}, {Role: authz.RoleDivisionISO, UnitPath: p.UnitPath}}}
			}
		}
		_ = unit
		break
	}
	staffP := &authz.Principal{PersonID: fx.People[7].ID, Login: "s", Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: fx.People[7].UnitPath}}}
	measure := func(who string, p *authz.Principal, path string) {
		var sizes []int
		var times []time.Duration
		code := 0
		for i := 0; i < 5; i++ {
			req := httptest.NewRequest("GET", path, nil)
			req = req.WithContext(authz.WithPrincipal(req.Context(), p))
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			times = append(times, time.Since(t0))
			sizes = append(sizes, rec.Body.Len())
			code = rec.Code
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		t.Logf("%-8s %-60s %3d %8.1f KB %7.1f ms", who, path, code, float64(sizes[0])/1024, float64(times[2].Microseconds())/1000)
		if code != http.StatusOK {
			t.Errorf("%s %s: %d", who, path, code)
		}
	}
	c := fx.CampaignID
	st := db.Selfchecks()
	for name, fn := range map[string]func() error{
		"Campaign":     func() error { _, err := st.Campaign(ctx, c); return err },
		"Units":        func() error { _, err := st.Units(ctx); return err },
		"UnitStatuses": func() error { _, err := st.UnitStatuses(ctx, c); return err },
		"Tallies":      func() error { _, err := st.Tallies(ctx, c); return err },
		"Items":        func() error { _, err := st.Items(ctx, c); return err },
		"RoleNames":    func() error { _, err := st.RoleNames(ctx); return err },
	} {
		var ts []time.Duration
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			if err := fn(); err != nil {
				t.Fatal(err)
			}
			ts = append(ts, time.Since(t0))
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		t.Logf("store %-14s %7.1f ms", name, float64(ts[2].Microseconds())/1000)
	}
	for _, m := range []struct {
		who  string
		p    *authz.Principal
		path string
	}{
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d", c)},
		{"officer", officer, fmt.Sprintf("/selfcheck/campaigns/%d", c)},
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d", draft)},
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d?unmapped=1", draft)},
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d/results", c)},
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d/results?item=%d", c, fx.ItemIDs[0])},
		{"staff", staffP, fmt.Sprintf("/selfcheck/campaigns/%d/my", c)},
		{"office", office, fmt.Sprintf("/catalogs/%d?open=%%E7%%AC%%AC2%%E7%%B7%%A8", cat002)},
		{"office", office, fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/rollup/items", c)},
		{"office", office, fmt.Sprintf("/selfcheck/campaigns/%d/summary", c)},
		{"office", officeStaff, "/selfcheck"},
		{"office", office, fmt.Sprintf("/catalogs/%d", cat002)},
		{"office", office, fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/items", c)},
		{"office", office, fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/progress", c)},
		{"office", office, fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/rollup", c)},
		{"office", office, "/api/v1/selfcheck/campaigns"},
		{"office", office, fmt.Sprintf("/api/v1/catalogs/%d", cat002)},
	} {
		measure(m.who, m.p, m.path)
	}
}
