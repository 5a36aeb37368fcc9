package risk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/risk"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestRiskListsArePaged: 130 risks whose values repeat (many ties in the
// order) are read page by page in the register's order, each once; a
// campaign of 25 units shows them 10 at a time in detail, by code.
func TestRiskListsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		ctx := context.Background()
		s := w.a.Risk
		officer, chief := w.principal(t, w.officer), w.principal(t, w.chief)
		units := []int64{w.unitA.ID, w.unitB.ID}
		for i := range 23 {
			u, err := w.a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: fmt.Sprintf("C%02d", 23-i), Name: fmt.Sprintf("課%02d", i), Kind: "課"})
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, u.ID)
		}
		c, err := s.StartCampaign(ctx, authz.System, risk.CampaignInput{Name: "評価", DueOn: w.day.AddDate(0, 1, 0).Format("2006-01-02"), Units: units})
		if err != nil {
			t.Fatal(err)
		}
		const n = 130
		for i := range n {
			if _, err := s.Create(ctx, officer, risk.Input{Title: fmt.Sprintf("リスク %03d", i), SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, CampaignID: c.ID,
				Impact: 1 + i%3, Threat: 1 + i/3%3, Vulnerability: 1 + i/9%2, Treatment: risk.Reduce}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.List(ctx, officer, risk.Filter{})
		if err != nil || len(all) != n {
			t.Fatalf("list: %d %v", len(all), err)
		}
		var want []int64
		for _, x := range all {
			want = append(want, x.ID)
		}
		var got []int64
		pr := paging.Request{Limit: 50}
		for pages := 0; ; pages++ {
			pg, err := s.ListPage(ctx, officer, risk.Filter{}, pr)
			if err != nil || pg.Total != n || len(pg.Rows) > 50 || pages > 5 {
				t.Fatalf("page %d: %d rows of %d, %v", pages, len(pg.Rows), pg.Total, err)
			}
			for _, x := range pg.Rows {
				got = append(got, x.ID)
			}
			if pg.Next == "" {
				break
			}
			if pr.After, err = paging.Parse(pg.Next); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged %v\nwhole %v", got, want)
		}
		if _, err := s.ListPage(ctx, officer, risk.Filter{}, paging.Request{After: paging.Cursor{Key: "x", ID: 3}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("a cursor without values: %v", err)
		}

		var codes []string
		pr = paging.Request{Limit: risk.CampaignUnits}
		for pages := 0; ; pages++ {
			v, err := s.CampaignPage(ctx, chief, c.ID, 0, pr, i18n.Ja)
			if err != nil || len(v.Campaign.Units) != 25 || len(v.Units) > risk.CampaignUnits || pages > 5 {
				t.Fatalf("campaign page %d: %d of %d units, %v", pages, len(v.Units), len(v.Campaign.Units), err)
			}
			for _, u := range v.Units {
				codes = append(codes, u.UnitCode)
				if u.UnitID == w.unitB.ID && len(u.Risks) != n {
					t.Fatalf("unit B shows %d risks", len(u.Risks))
				}
			}
			if v.Next == "" {
				break
			}
			if pr.After, err = paging.Parse(v.Next); err != nil {
				t.Fatal(err)
			}
		}
		if len(codes) != 25 || !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != 25 {
			t.Fatalf("campaign units %v", codes)
		}
		if v, err := s.CampaignPage(ctx, chief, c.ID, w.unitB.ID, paging.Request{}, i18n.Ja); err != nil || len(v.Units) != 1 || len(v.Units[0].Risks) != n {
			t.Fatalf("unit B alone: %v", err)
		}
		if _, err := s.CampaignPage(ctx, officer, c.ID, w.unitA.ID, paging.Request{}, i18n.Ja); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's officer opening unit A: %v", err)
		}
		if db.Dialect != store.SQLite {
			return
		}

		srv, err := web.New(w.a.WebDeps(app.WebOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		get := func(p *authz.Principal, path string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("GET", path, nil).WithContext(authz.WithPrincipal(ctx, p))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			return rec
		}
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
		row := regexp.MustCompile(`<td><a href="/risks/(\d+)">`)
		var shown []string
		for path := "/risks?q=" + "リスク"; path != ""; {
			rec := get(officer, path)
			body := rec.Body.String()
			rows := row.FindAllStringSubmatch(body, -1)
			if rec.Code != 200 || len(rows) > risk.PageSize {
				t.Fatalf("%s: %d, %d rows", path, rec.Code, len(rows))
			}
			for _, m := range rows {
				shown = append(shown, m[1])
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(path, "q=") || len(rows) != risk.PageSize {
					t.Fatalf("next %s", path)
				}
			}
		}
		if strings.Join(shown, ",") != strings.Trim(strings.Join(strings.Fields(fmt.Sprint(want)), ","), "[]") {
			t.Fatalf("the pages show %d risks", len(shown))
		}
		rec := get(chief, fmt.Sprintf("/risks/campaigns/%d", c.ID))
		body := rec.Body.String()
		if rec.Code != 200 || strings.Count(body, `<section class="risk-unit"`) != risk.CampaignUnits || !next.MatchString(body) ||
			strings.Count(body, fmt.Sprintf(`href="/risks/campaigns/%d?unit=`, c.ID)) != 25 {
			t.Fatalf("campaign page: %d", rec.Code)
		}
		if rec := get(officer, "/api/v1/risks?limit=1001"); rec.Code != http.StatusBadRequest {
			t.Fatalf("limit 1001: %d", rec.Code)
		}
		var api []int64
		for path := "/api/v1/risks?limit=60"; path != ""; {
			rec := get(officer, path)
			var rs []risk.Risk
			if err := json.Unmarshal(rec.Body.Bytes(), &rs); rec.Code != 200 || err != nil {
				t.Fatalf("%s: %d %v", path, rec.Code, err)
			}
			for _, x := range rs {
				api = append(api, x.ID)
			}
			path = ""
			if link := rec.Header().Get("Link"); link != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			}
		}
		if !slices.Equal(api, want) {
			t.Fatalf("api pages %v", api)
		}
	})
}
