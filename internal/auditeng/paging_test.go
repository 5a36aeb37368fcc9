package auditeng_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"kitei/internal/tracker"
	"kitei/internal/webui/webtest"
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

// TestFindingsArePaged: 130 findings of one engagement are read page by
// page in the order recorded, each once, with the remediation actions
// filed for them (those of the page only) and the same closed state as the
// whole view; the engagement page shows them 50 a page beside the
// checklist's own pager (?findings_after=), a remediation comes back to
// its page, and the API pages them with Link and X-Next-Cursor, the
// engagement's body holding the first 100 and the cursor of the rest.
func TestFindingsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.App.Audits
		ciso, chief, officer := w.P(t, w.CISO), w.P(t, w.Chief), w.P(t, w.Officer)
		e, err := s.OrderAdHoc(ctx, ciso, auditeng.Engagement{Title: "台帳の臨時監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
			Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		items, err := s.Checklist(ctx, e)
		if err != nil || len(items) == 0 {
			t.Fatalf("checklist: %d %v", len(items), err)
		}
		if pg, err := s.FindingsPage(ctx, chief, e.ID, paging.Request{}); err != nil || len(pg.Rows) != 0 || pg.Total != 0 || pg.Next != "" {
			t.Fatalf("no findings yet: %+v %v", pg, err)
		}
		// Findings are ordered by id alone: a cursor naming a sort key was
		// made for another list, refused even while there is nothing to read.
		if _, err := s.FindingsPage(ctx, chief, e.ID, paging.Request{After: paging.Cursor{Key: "2026-04-01", ID: 3}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("a keyed cursor: %v", err)
		}
		const n = 130
		for i := range n {
			if _, err := s.AddFinding(ctx, chief, e.ID, auditeng.Finding{Ref: items[i%len(items)].Ref, Severity: auditeng.Minor,
				Description: fmt.Sprintf("指摘 %03d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, it := range items {
			if _, err := s.SavePaper(ctx, chief, e.ID, it.Ref, auditeng.Conform, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SubmitReport(ctx, chief, e.ID, "指摘多数"); err != nil {
			t.Fatal(err)
		}
		whole, err := s.Engagement(ctx, chief, e.ID)
		if err != nil || len(whole.Findings) != n {
			t.Fatalf("whole: %d %v", len(whole.Findings), err)
		}
		planned := map[int64]bool{}
		for i, f := range whole.Findings {
			if i%10 == 3 {
				if _, err := s.Remediate(ctx, officer, e.ID, f.ID, tracker.Action{Title: "是正", OwnerID: w.Owner.ID, DueOn: "2026-09-30"}); err != nil {
					t.Fatal(err)
				}
				planned[f.ID] = true
			}
		}
		var want []int64
		for _, f := range whole.Findings {
			want = append(want, f.ID)
		}
		walk := func(limit int) []int64 {
			t.Helper()
			var got []int64
			pr := paging.Request{Limit: limit}
			for pages := 0; ; pages++ {
				pg, err := s.FindingsPage(ctx, officer, e.ID, pr)
				if err != nil || len(pg.Rows) > limit || pg.Next != "" && len(pg.Rows) != limit || pages > 50 {
					t.Fatalf("page %d: %d rows, next %q, %v", pages, len(pg.Rows), pg.Next, err)
				}
				for _, f := range pg.Rows {
					if len(f.Actions) > 0 != planned[f.ID] || f.Closed || f.Description == "" {
						t.Fatalf("finding %d: %d actions, closed %v, %q", f.ID, len(f.Actions), f.Closed, f.Description)
					}
					got = append(got, f.ID)
				}
				if pg.Next == "" {
					if len(got) != pg.Total {
						t.Fatalf("read %d, total %d", len(got), pg.Total)
					}
					return got
				}
				if pr.After, err = paging.Parse(pg.Next); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, limit := range []int{50, 7, 1000} {
			if got := walk(limit); !slices.Equal(got, want) {
				t.Fatalf("limit %d: pages %v\nwant %v", limit, got, want)
			}
		}
		v, err := s.EngagementPage(ctx, chief, e.ID, paging.Request{Limit: auditeng.PageSize})
		if err != nil || len(v.Findings) != auditeng.PageSize || v.FindingsTotal != n || v.FindingsNext == "" || v.Closed {
			t.Fatalf("engagement page: %d findings of %d, next %q, closed %v, %v", len(v.Findings), v.FindingsTotal, v.FindingsNext, v.Closed, err)
		}
		if _, err := s.FindingsPage(ctx, w.P(t, w.X), e.ID, paging.Request{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("an auditor of other engagements reads the findings: %v", err)
		}
		if db.Dialect != store.SQLite {
			return
		}

		srv, err := w.App.Web(app.WebOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		do := func(p *authz.Principal, method, path string, form url.Values) *httptest.ResponseRecorder {
			return webtest.Do(ctx, h, p, method, path, form)
		}
		next := regexp.MustCompile(`<a href="([^"]*findings_after=[^"]*)" rel="next">`)
		row := regexp.MustCompile(`<tr data-finding="(\d+)">`)
		var shown []int64
		var second string
		for path := fmt.Sprintf("/audits/engagements/%d", e.ID); path != ""; {
			rec := do(officer, "GET", path, nil)
			body := rec.Body.String()
			rows := row.FindAllStringSubmatch(body, -1)
			if rec.Code != 200 || len(rows) > auditeng.PageSize {
				t.Fatalf("%s: %d, %d findings", path, rec.Code, len(rows))
			}
			for _, m := range rows {
				var id int64
				fmt.Sscan(m[1], &id)
				shown = append(shown, id)
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
				if len(rows) != auditeng.PageSize {
					t.Fatalf("a next link after %d findings", len(rows))
				}
				if second == "" {
					second = path
				}
			}
		}
		if !slices.Equal(shown, want) {
			t.Fatalf("the engagement page shows %v\nwant %v", shown, want)
		}
		if rec := do(officer, "GET", fmt.Sprintf("/audits/engagements/%d?findings_after=%%21", e.ID), nil); rec.Code != http.StatusBadRequest {
			t.Fatalf("a bad findings cursor: %d", rec.Code)
		}
		// A remediation filed on the second page comes back to it.
		u, _ := url.Parse(second)
		fa := u.Query().Get("findings_after")
		rec := do(officer, "POST", fmt.Sprintf("/audits/engagements/%d/findings/%d/actions", e.ID, want[auditeng.PageSize]),
			url.Values{"title": {"是正"}, "owner": {fmt.Sprint(w.Owner.ID)}, "due_on": {"2026-09-30"}, "findings_after": {fa}})
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.Contains(loc, "findings_after="+fa) || !strings.HasSuffix(loc, "#findings") {
			t.Fatalf("remediation: %d, back to %q", rec.Code, loc)
		}

		var api []int64
		for path := fmt.Sprintf("/api/v1/audits/engagements/%d/findings?limit=45", e.ID); path != ""; {
			rec := do(chief, "GET", path, nil)
			var fs []auditeng.Finding
			if err := json.Unmarshal(rec.Body.Bytes(), &fs); rec.Code != 200 || err != nil || len(fs) > 45 {
				t.Fatalf("%s: %d %v", path, rec.Code, err)
			}
			for _, f := range fs {
				api = append(api, f.ID)
			}
			path = ""
			if link := rec.Header().Get("Link"); link != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
				if !strings.Contains(path, "after="+rec.Header().Get("X-Next-Cursor")) {
					t.Fatalf("Link %s", link)
				}
			}
		}
		if !slices.Equal(api, want) {
			t.Fatalf("the API pages hold %v", api)
		}
		var body auditeng.EngagementJSON
		rec = do(chief, "GET", fmt.Sprintf("/api/v1/audits/engagements/%d", e.ID), nil)
		if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != 200 || err != nil || len(body.Findings) != auditeng.APIPageSize ||
			body.FindingsTotal != n || body.FindingsNext == "" {
			t.Fatalf("engagement: %d, %d findings of %d, next %q, %v", rec.Code, len(body.Findings), body.FindingsTotal, body.FindingsNext, err)
		}
		var rest []auditeng.Finding
		rec = do(chief, "GET", fmt.Sprintf("/api/v1/audits/engagements/%d/findings?after=%s", e.ID, body.FindingsNext), nil)
		if err := json.Unmarshal(rec.Body.Bytes(), &rest); err != nil || len(rest) != n-auditeng.APIPageSize || rest[0].ID != want[auditeng.APIPageSize] {
			t.Fatalf("the rest of the findings: %d, %v", len(rest), err)
		}
		if rec := do(chief, "GET", fmt.Sprintf("/api/v1/audits/engagements/%d/findings?limit=0", e.ID), nil); rec.Code != http.StatusBadRequest {
			t.Fatalf("limit 0: %d", rec.Code)
		}
	})
}
