package auditeng_test

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
	"time"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/paging"
	"kitei/internal/paging/pagingtest"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestEngagementListsArePaged: 120 engagements starting on five days are
// read page by page by start date (ties by id), each once; an outside
// auditor's pages leave out the engagements whose access has ended,
// without gaps; the engagement page shows its checklist 50 requirements a
// page.
func TestEngagementListsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.App.Audits
		ciso, chief, x := w.P(t, w.CISO), w.P(t, w.Chief), w.P(t, w.X)
		const n = 120
		var mine []int64 // the outside auditor's, while access lasts
		for i := range n {
			e, err := s.OrderAdHoc(ctx, ciso, auditeng.Engagement{Title: fmt.Sprintf("臨時監査 %03d", i), UnitID: w.Audited.ID, CatalogID: w.CatalogID,
				Scope: []string{"2.1.2"}, StartsOn: fmt.Sprintf("2026-06-%02d", 10+i%5), EndsOn: "2026-06-30"})
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				until := "2026-12-31"
				if i%2 == 0 {
					until = "2026-06-20"
				} else {
					mine = append(mine, e.ID)
				}
				if err := s.AssignAuditor(ctx, chief, e.ID, w.X.ID, true, until); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.Now = time.Date(2026, 7, 1, 1, 0, 0, 0, time.UTC) // some outside access has ended
		walk := func(p *authz.Principal, limit int) []int64 {
			t.Helper()
			read := func(pr paging.Request) (auditeng.Page[auditeng.Engagement], error) {
				return s.EngagementsPage(ctx, p, pr)
			}
			return pagingtest.Walk(t, limit, read, func(e auditeng.Engagement) int64 { return e.ID })
		}
		all, err := s.Engagements(ctx, ciso)
		if err != nil || len(all) != n {
			t.Fatalf("engagements: %d %v", len(all), err)
		}
		var want []int64
		for _, e := range all {
			want = append(want, e.ID)
		}
		if got := walk(ciso, 50); !slices.Equal(got, want) {
			t.Fatalf("pages %v\nwant %v", got, want)
		}
		got := walk(x, 7)
		slices.Sort(got)
		if !slices.Equal(got, mine) {
			t.Fatalf("the outside auditor pages %v, want %v", got, mine)
		}
		if _, err := s.EngagementsPage(ctx, w.P(t, w.Owner), paging.Request{}); err != nil && !apperr.Is(err, apperr.Forbidden) {
			t.Fatal(err)
		}
		if db.Dialect != store.SQLite {
			return
		}

		// The pages.
		srv, err := w.App.Web(app.WebOptions{})
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
		follow := func(p *authz.Principal, start string, row *regexp.Regexp) []string {
			t.Helper()
			var keys []string
			for path := start; path != ""; {
				rec := get(p, path)
				body := rec.Body.String()
				rows := row.FindAllStringSubmatch(body, -1)
				if rec.Code != 200 || len(rows) > auditeng.PageSize || len(body) > 200<<10 {
					t.Fatalf("%s: %d, %d rows, %d bytes", path, rec.Code, len(rows), len(body))
				}
				for _, m := range rows {
					keys = append(keys, m[1])
				}
				path = ""
				if m := next.FindStringSubmatch(body); m != nil {
					path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
					if len(rows) != auditeng.PageSize {
						t.Fatalf("%s: a next link after %d rows", start, len(rows))
					}
				}
			}
			return keys
		}
		ids := follow(ciso, "/audits", regexp.MustCompile(`<tr><td><a href="/audits/engagements/(\d+)">`))
		if len(ids) != n || len(slices.Compact(slices.Clone(ids))) != n {
			t.Fatalf("/audits shows %d engagements", len(ids))
		}
		big, err := s.OrderAdHoc(ctx, ciso, auditeng.Engagement{Title: "全章の監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
			Scope: []string{"2.1", "2.2", "2.3", "2.4", "2.5"}, StartsOn: "2026-07-01", EndsOn: "2026-07-31"})
		if err != nil {
			t.Fatal(err)
		}
		items, err := s.Checklist(ctx, big)
		if err != nil || len(items) <= auditeng.PageSize {
			t.Fatalf("the big checklist has %d requirements, %v", len(items), err)
		}
		refs := follow(ciso, fmt.Sprintf("/audits/engagements/%d", big.ID), regexp.MustCompile(`<tr data-ref="([^"]+)">`))
		var wantRefs []string
		for _, it := range items {
			wantRefs = append(wantRefs, it.Ref)
		}
		if !slices.Equal(refs, wantRefs) {
			t.Fatalf("the checklist pages show %d of %d requirements", len(refs), len(items))
		}
		if rec := get(ciso, "/audits?after=%21"); rec.Code != http.StatusBadRequest {
			t.Fatalf("a bad cursor: %d", rec.Code)
		}
		var api int
		for path := "/api/v1/audits/engagements?limit=45"; path != ""; {
			rec := get(ciso, path)
			var es []auditeng.Engagement
			if err := json.Unmarshal(rec.Body.Bytes(), &es); rec.Code != 200 || err != nil || len(es) > 45 {
				t.Fatalf("%s: %d %v", path, rec.Code, err)
			}
			api += len(es)
			path = ""
			if link := rec.Header().Get("Link"); link != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			}
		}
		if api != n+1 {
			t.Fatalf("the API pages hold %d engagements", api)
		}
	})
}
