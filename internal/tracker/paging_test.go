package tracker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/paging/pagingtest"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
	"kitei/internal/web"
)

// fileActions files n actions of unit for owner, due on seven days only
// (many ties in the order).
func fileActions(t *testing.T, svc *tracker.Service, p *authz.Principal, unit, owner int64, n int) {
	t.Helper()
	for i := range n {
		if _, err := svc.Create(context.Background(), p, tracker.Action{Source: tracker.Source{Kind: tracker.FromReview, Label: "点検"},
			UnitID: unit, Title: fmt.Sprintf("改善措置 %03d", i), OwnerID: owner, DueOn: fmt.Sprintf("2026-07-%02d", 1+(i*5)%7)}); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(acts []tracker.Action) []int64 {
	var out []int64
	for _, a := range acts {
		out = append(out, a.ID)
	}
	return out
}

// TestActionListsArePaged: 130 actions due on seven days are read page by
// page in the order of the whole list (due date, then id), each once.
func TestActionListsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		const n = 130
		fileActions(t, w.svc, w.officerP, w.unit.ID, w.owner.ID, n)
		id := func(a tracker.Action) int64 { return a.ID }
		all, err := w.svc.Followed(ctx, w.officerP, tracker.Filter{})
		if err != nil || len(all) != n {
			t.Fatalf("followed: %d %v", len(all), err)
		}
		want := ids(all)
		if got := pagingtest.Walk(t, 50, func(pr paging.Request) (tracker.Page[tracker.Action], error) {
			return w.svc.FollowedPage(ctx, w.officerP, tracker.Filter{}, pr)
		}, id); !slices.Equal(got, want) {
			t.Fatalf("followed pages %v\nwant %v", got, want)
		}
		if got := pagingtest.Walk(t, 7, func(pr paging.Request) (tracker.Page[tracker.Action], error) {
			return w.svc.MinePage(ctx, w.ownerP, true, pr)
		}, id); !slices.Equal(got, want) {
			t.Fatalf("mine pages %v", got)
		}
		if got := pagingtest.Walk(t, 100, func(pr paging.Request) (tracker.Page[tracker.Action], error) {
			return w.svc.VisiblePage(ctx, w.ownerP, tracker.Filter{}, pr)
		}, id); !slices.Equal(got, want) {
			t.Fatalf("visible pages %v", got)
		}
		if _, err := w.svc.FollowedPage(ctx, w.ownerP, tracker.Filter{}, paging.Request{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("the owner follows: %v", err)
		}
	})
}

// TestActionPagesOverHTTP: the unit list shows 50 actions and a next link
// that keeps the filters; the API pages with Link and X-Next-Cursor and
// refuses a bad cursor.
func TestActionPagesOverHTTP(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(a.Close)
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit, err := a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: "A", Name: "総務課", Kind: "課"})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "E1", Name: "職員", UnitID: unit.ID, Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	officer := &authz.Principal{PersonID: owner.ID, UnitPath: unit.Path, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: unit.Path},
		{Role: authz.RoleStaff, UnitPath: unit.Path}}}
	const n = 120
	fileActions(t, a.Tracker, officer, unit.ID, owner.ID, n)
	srv, err := web.New(a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil).WithContext(authz.WithPrincipal(ctx, officer))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	row := regexp.MustCompile(`<tr><td><a href="/actions/(\d+)">`)
	seen := map[string]bool{}
	for _, start := range []string{"/actions/unit?kind=review&open=1", "/actions"} {
		clear(seen)
		for path := start; path != ""; {
			rec := get(path)
			body := rec.Body.String()
			rows := row.FindAllStringSubmatch(body, -1)
			if rec.Code != 200 || len(rows) > tracker.PageSize {
				t.Fatalf("%s: %d, %d rows", path, rec.Code, len(rows))
			}
			for _, m := range rows {
				if seen[m[1]] {
					t.Fatalf("%s: action %s twice", start, m[1])
				}
				seen[m[1]] = true
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
				if len(rows) != tracker.PageSize || strings.HasPrefix(start, "/actions/unit") && !strings.Contains(path, "kind=review") {
					t.Fatalf("next %s after %d rows", path, len(rows))
				}
			}
		}
		if len(seen) != n {
			t.Fatalf("%s shows %d actions", start, len(seen))
		}
	}
	if rec := get("/actions/unit?after=%21"); rec.Code != http.StatusBadRequest {
		t.Fatalf("a bad cursor: %d", rec.Code)
	}
	var got int
	for path := "/api/v1/actions?limit=32"; path != ""; {
		rec := get(path)
		var acts []tracker.Action
		if err := json.Unmarshal(rec.Body.Bytes(), &acts); rec.Code != 200 || err != nil || len(acts) > 32 {
			t.Fatalf("%s: %d %v", path, rec.Code, err)
		}
		got += len(acts)
		path = ""
		if link := rec.Header().Get("Link"); link != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			if !strings.Contains(path, "after="+rec.Header().Get("X-Next-Cursor")) {
				t.Fatalf("Link %s", link)
			}
		}
	}
	if got != n {
		t.Fatalf("the API pages hold %d actions", got)
	}
	if rec := get("/api/v1/actions?limit=0"); rec.Code != http.StatusBadRequest {
		t.Fatalf("limit 0: %d", rec.Code)
	}
}
