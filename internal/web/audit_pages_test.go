package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"kitei/internal/audit"
	"kitei/internal/catalog"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

func auditServer(t *testing.T, db *store.DB) *env {
	t.Helper()
	svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": testParser})
	authSvc, cookie := signedInAdmin(t) // signs in on a store of its own, keeping this trail as the test writes it
	s, err := web.New(web.Deps{Store: db, Catalogs: svc, Audit: db.Audit(), Auth: authSvc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", StoreName: "SQLite"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &env{db: db, svc: svc, srv: ts, cookie: cookie}
}

func TestAuditPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := auditServer(t, db)
		ctx := context.Background()
		day := time.Date(2026, 4, 1, 10, 0, 0, 0, time.Local)
		for i := 1; i <= 60; i++ {
			actx := audit.WithActor(ctx, audit.Actor{ID: 1, Login: "tanaka", IP: "192.0.2.1"})
			action := audit.ActionLogin
			if i%3 == 0 {
				actx, action = ctx, audit.ActionCatalogImport
			}
			ev := audit.Event{At: day.AddDate(0, 0, i/30), Action: action, ObjectType: "catalog", ObjectID: fmt.Sprint(i),
				Detail: audit.Details(map[string]any{"name": "<b>統一基準</b>"})}
			if err := db.Audit().Append(actx, &ev); err != nil {
				t.Fatal(err)
			}
		}

		resp, body := e.get(t, "/audit")
		if resp.StatusCode != 200 {
			t.Fatalf("/audit: %d\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"監査証跡", "該当 60 件", "60 件中 50 件を表示", "サインイン", "システム", "tanaka",
			"&lt;b&gt;統一基準", `rel="next"`, `href="/audit.csv"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/audit lacks %q", want)
			}
		}
		if strings.Contains(body, "<b>統一基準") {
			t.Error("detail not escaped")
		}

		// Newest first, page by page, with the filter kept: every entry of
		// tanaka's once, in order, whatever the page size.
		var seqs []string
		path := "/audit?actor=tanaka&limit=15"
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			resp, body := e.get(t, path)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			for _, m := range regexp.MustCompile(`<td class="num">(\d+)</td>`).FindAllStringSubmatch(body, -1) {
				seqs = append(seqs, m[1])
			}
			if next := nextHref(body); next != "" && (!strings.Contains(next, "actor=tanaka") || !strings.Contains(next, "limit=15")) {
				t.Fatalf("next link lost the filter: %s", next)
			}
			if pages == 1 && !strings.Contains(body, `rel="first"`) {
				t.Error("second page has no link back to the first")
			}
			if pages == 1 && !regexp.MustCompile(`href="/audit\?[^"]*after=[^"]*verify=1#verify"`).MatchString(body) {
				t.Error("the verify link does not stay on the page")
			}
			path = nextHref(body)
		}
		want := []string{}
		for i := 59; i >= 1; i-- {
			if i%3 != 0 {
				want = append(want, fmt.Sprint(i))
			}
		}
		if fmt.Sprint(seqs) != fmt.Sprint(want) {
			t.Fatalf("paged trail = %v\nwant %v", seqs, want)
		}
		// A period is read by time: the cursor carries it, each entry once.
		seqs = nil
		path = "/audit?from=2026-04-01&to=2026-04-02&limit=7"
		for pages := 0; path != ""; pages++ {
			resp, body := e.get(t, path)
			if resp.StatusCode != 200 || pages > 10 {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			for _, m := range regexp.MustCompile(`<td class="num">(\d+)</td>`).FindAllStringSubmatch(body, -1) {
				seqs = append(seqs, m[1])
			}
			path = nextHref(body)
			if path != "" && !strings.Contains(path, "from=2026-04-01") {
				t.Fatalf("next link lost the period: %s", path)
			}
		}
		want = nil
		for i := 59; i >= 1; i-- {
			want = append(want, fmt.Sprint(i))
		}
		if fmt.Sprint(seqs) != fmt.Sprint(want) {
			t.Fatalf("the period over the pages = %v", seqs)
		}
		if resp, _ := e.get(t, "/audit?after=x!"); resp.StatusCode != 400 {
			t.Errorf("bad cursor: %d", resp.StatusCode)
		}

		_, body = e.get(t, "/audit?action=catalog&from=2026-04-02&to=2026-04-02")
		if !strings.Contains(body, "該当 10 件") || !strings.Contains(body, "csv?action=catalog&amp;from=2026-04-02") {
			t.Errorf("filtered page:\n%s", body)
		}
		if resp, body := e.get(t, "/audit?from=yesterday"); resp.StatusCode != 400 || !strings.Contains(body, "2026-04-01 の形式") {
			t.Errorf("bad date: %d", resp.StatusCode)
		}
		_, body = e.get(t, "/audit?verify=1")
		if !strings.Contains(body, "改ざんはありません（60 件）") {
			t.Errorf("verify box:\n%s", body)
		}
		_, body = e.get(t, "/audit?verify=1&lang=en")
		if !strings.Contains(body, "The audit trail is intact (60 entries).") {
			t.Errorf("English verify box missing")
		}

		resp, body = e.get(t, "/audit.csv?actor=tanaka")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
		}
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if !strings.HasPrefix(body, "\uFEFFseq,") || len(lines) != 41 || !strings.HasPrefix(lines[1], "1,") {
			t.Fatalf("csv has %d lines:\n%.300s", len(lines), body)
		}
		if !strings.Contains(body, "統一基準") {
			t.Error("csv lost Japanese text")
		}
		// The export itself is in the trail.
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: "audit.export"}); n != 1 {
			t.Errorf("export audited %d times", n)
		}

		if _, err := db.W.Exec(`DELETE FROM audit_events WHERE seq = 30`); err != nil {
			t.Fatal(err)
		}
		_, body = e.get(t, "/audit?verify=1")
		if !strings.Contains(body, "監査証跡の 30 件目に異常があります：この記録は削除されています。") || !strings.Contains(body, `role="alert"`) {
			t.Errorf("tampering not shown:\n%s", body)
		}
	})
}

func TestAuditRoutesDeclarePermission(t *testing.T) {
	authSvc, cookie := signedInAdmin(t)
	s, err := web.New(web.Deps{Auth: authSvc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	routes := s.Routes()
	for _, p := range []string{"GET /audit", "GET /audit.csv"} {
		if routes[p] != "audit.read" {
			t.Errorf("%s guarded by %q", p, routes[p])
		}
	}
	// Without an audit store the pages answer 404 instead of failing.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/audit", nil)
	req.AddCookie(cookie)
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("no audit store: %d", rec.Code)
	}
}
