package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

var reqNextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// reqPageThrough follows a paged page's next links from path and returns the
// keys rowRe's first group finds, page by page; it fails on a page longer
// than size, on a short page with a next link, and on a key seen twice.
func reqPageThrough(t *testing.T, get func(path string) (int, string), path string, rowRe *regexp.Regexp, size int) []string {
	t.Helper()
	seen := map[string]bool{}
	var keys []string
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			t.Fatal("the next links go round in circles")
		}
		code, body := get(path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		ms := rowRe.FindAllStringSubmatch(body, -1)
		path = ""
		if m := reqNextLink.FindStringSubmatch(body); m != nil {
			path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#") // a browser keeps the anchor
			if len(ms) != size {
				t.Fatalf("page %d has %d rows and a next link", pages, len(ms))
			}
		}
		if len(ms) > size {
			t.Fatalf("page %d has %d rows, more than %d", pages, len(ms), size)
		}
		for _, m := range ms {
			if seen[m[1]] {
				t.Fatalf("row %s shown twice", m[1])
			}
			seen[m[1]] = true
			keys = append(keys, m[1])
		}
	}
	return keys
}

// reqAPIThrough follows an API list's X-Next-Cursor and Link headers from
// path and returns every item; it checks both headers name the same page.
func reqAPIThrough[T any](t *testing.T, do func(method, path string) (int, string, http.Header), path string, size int) []T {
	t.Helper()
	var all []T
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			t.Fatal("the cursors go round in circles")
		}
		code, body, hdr := do("GET", path)
		var items []T
		if err := json.Unmarshal([]byte(body), &items); code != 200 || err != nil {
			t.Fatalf("%s: %d %v %s", path, code, err, body)
		}
		if len(items) > size {
			t.Fatalf("%s: %d items, limit %d", path, len(items), size)
		}
		all = append(all, items...)
		path = ""
		if c := hdr.Get("X-Next-Cursor"); c != "" {
			if len(items) != size {
				t.Fatalf("%s: %d items and a next page", path, len(items))
			}
			link := hdr.Get("Link")
			if !strings.Contains(link, "after="+c) || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link %q does not name cursor %q", link, c)
			}
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	return all
}

// TestApprovalListsArePaged files 120 requests and reads the ledger, the
// decision queue, the overdue report and the inbox page by page, on the
// pages and through the API: 50 rows a page on pages, every request once,
// filters kept in the next links, and cursors that are not one refused.
func TestApprovalListsArePaged(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	root, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部"})
	unit, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "A1", Name: "総務課", ParentID: root.ID})
	mk := func(no string, role string, unitID int64) *authz.Principal {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: unit.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: role, UnitID: unitID, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		path, grants, _, _ := o.Grants(ctx, p.ID, time.Now())
		return &authz.Principal{PersonID: p.ID, Login: no, Name: p.Name, UnitPath: path, Grants: grants}
	}
	staff := mk("S1", "", 0)
	officer := mk("O1", authz.RoleDivisionISO, unit.ID)
	office := mk("X1", authz.RoleSecOffice, 0)
	svc := approval.NewService(db.Approvals(), o, nil)
	if err := svc.EnsureBuiltinTypes(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 120
	day := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	for range n {
		if _, err := svc.File(ctx, staff, approval.Input{TypeKey: approval.TypeTakeOut, Values: map[string]string{
			"title": "学会発表資料", "level": "機密性3", "information": "解析結果", "destination": "会議場",
			"starts_on": day, "ends_on": day, "method": "暗号化"}}, true); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := web.New(withAPI(web.Deps{Store: db, Org: o, Approval: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	as := func(p *authz.Principal) func(method, path string) (int, string, http.Header) {
		return func(method, path string) (int, string, http.Header) {
			req := httptest.NewRequest(method, path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.WithContext(authz.WithPrincipal(req.Context(), p)))
			return rec.Code, rec.Body.String(), rec.Header()
		}
	}
	get := func(p *authz.Principal) func(string) (int, string) {
		return func(path string) (int, string) { c, b, _ := as(p)("GET", path); return c, b }
	}
	row := regexp.MustCompile(`<tr><td class="num"><a href="/requests/(\d+)">`)
	all, _ := svc.Mine(ctx, staff)
	want := make([]string, len(all))
	for i, r := range all {
		want[i] = itoa(r.ID)
	}
	check := func(what string, got []string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: %d rows %v, want %d", what, len(got), got, len(want))
		}
	}
	check("ledger", reqPageThrough(t, get(office), "/requests/ledger?type=take_out&status=submitted", row, approval.PageSize))
	// The filters travel in the next link.
	_, body := get(office)("/requests/ledger?type=take_out")
	if m := reqNextLink.FindStringSubmatch(body); m == nil || !strings.Contains(html.UnescapeString(m[1]), "type=take_out") || !strings.Contains(body, "120 件") {
		t.Fatalf("ledger's next link %v", m)
	}
	if code, _ := get(office)("/requests/ledger?after=%21%21"); code != http.StatusBadRequest {
		t.Fatalf("a bad cursor: %d", code)
	}
	check("waiting", reqPageThrough(t, get(officer), "/requests?list=waiting", row, approval.PageSize))
	check("mine", reqPageThrough(t, get(staff), "/requests?list=mine", row, approval.PageSize))
	// The index shows both lists' first pages; the next link opens one.
	_, body = get(staff)("/requests")
	if m := reqNextLink.FindStringSubmatch(body); m == nil || !strings.Contains(m[1], "list=mine") || len(row.FindAllString(body, -1)) != approval.PageSize {
		t.Fatalf("index: next %v", m)
	}

	svc.SetClock(func() time.Time { return time.Now().AddDate(0, 0, 5) })
	got := reqPageThrough(t, get(office), "/requests/overdue", row, approval.PageSize)
	if len(got) != n {
		t.Fatalf("overdue: %d rows", len(got))
	}

	// The API: the ledger and the inbox in pages of 50.
	items := reqAPIThrough[approval.Request](t, as(office), "/api/v1/requests?view=ledger&type=take_out&limit=50", 50)
	var ids []string
	for _, r := range items {
		ids = append(ids, itoa(r.ID))
	}
	check("api ledger", ids)
	if len(reqAPIThrough[approval.Request](t, as(officer), "/api/v1/requests?view=waiting", approval.APIPageSize)) != n {
		t.Fatal("api waiting")
	}
	if len(reqAPIThrough[approval.Overdue](t, as(office), "/api/v1/requests/overdue?limit=7", 7)) != n {
		t.Fatal("api overdue")
	}
	notices := reqAPIThrough[approval.Notice](t, as(officer), "/api/v1/inbox?limit=50", 50)
	if len(notices) < n {
		t.Fatalf("api inbox: %d notices", len(notices))
	}
	for _, q := range []string{"after=%21%21", "limit=0", "limit=1001", "after=" + (itoa(1))} {
		if code, body, _ := as(office)("GET", "/api/v1/requests?view=ledger&"+q); code != http.StatusBadRequest {
			t.Errorf("?%s: %d %s", q, code, body)
		}
	}
	// Marking read answers the inbox's first page, its next link the inbox's.
	code, _, hdr := as(officer)("POST", "/api/v1/inbox/read?limit=10")
	if code != 200 || !strings.HasPrefix(hdr.Get("Link"), "</api/v1/inbox?after=") {
		t.Fatalf("mark read: %d %v", code, hdr)
	}
	noticeRow := regexp.MustCompile(`<tr(?: class="unread")?><td>[^<]*</td>\s*<td><a href="/requests/(\d+)">`)
	if got := reqPageThrough(t, get(officer), "/inbox", noticeRow, approval.PageSize); len(got) < n {
		t.Fatalf("inbox pages: %d rows", len(got))
	}
}
