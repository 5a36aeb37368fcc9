package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kitei/internal/api"
	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
)

// scServer serves the API over a generated organisation (people in 課 of
// ten, items answered by everyone, every third person answering) as the
// security office.
func scServer(t *testing.T, people, items int) (*httptest.Server, *bench.Fixture) {
	t.Helper()
	db := storetest.SQLite(t)
	ctx := context.Background()
	cats := catalog.NewService(db.Catalogs(), nil)
	svc := selfcheck.NewService(db.Selfchecks(), cats)
	t.Cleanup(svc.Close)
	fx, err := bench.Generate(ctx, db, svc, bench.FixtureOptions{People: people, Items: items, PerUnit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range fx.People {
		if i%3 != 0 {
			continue
		}
		for j, it := range fx.ItemIDs {
			if _, err := svc.SaveAnswer(ctx, fx.CampaignID, p.ID, it, selfcheck.Values[(i+j)%4], "理由"); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := api.New(api.Deps{Catalogs: cats, Selfcheck: svc, Version: "test"})
	office := &authz.Principal{PersonID: fx.ChiefISO, Login: "office", Grants: []authz.Grant{{Role: authz.RoleChiefISO}}}
	mux := http.NewServeMux()
	for _, r := range a.Routes() {
		h := r.Handler
		mux.HandleFunc(r.Method+" "+r.Path, func(w http.ResponseWriter, req *http.Request) {
			h(w, req.WithContext(authz.WithPrincipal(req.Context(), office)))
		})
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts, fx
}

// page is one answer of a paged list.
type page struct {
	status int
	body   []byte
	next   string // X-Next-Cursor
	link   string // the URL of Link rel="next"
}

func get(t *testing.T, u string) page {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: b, next: resp.Header.Get("X-Next-Cursor")}
	if l := resp.Header.Get("Link"); l != "" {
		target, rel, _ := strings.Cut(l, ";")
		if strings.TrimSpace(rel) != `rel="next"` {
			t.Fatalf("%s: Link %q", u, l)
		}
		p.link = strings.Trim(strings.TrimSpace(target), "<>")
	}
	return p
}

// walkAPI follows Link rel="next" from path and returns every page's
// rows (rows reads them from a body, with the body's "next" field when it
// has one). Every page but the last has limit rows and a cursor in both
// headers (and in the body when it is an object).
func walkAPI(t *testing.T, ts *httptest.Server, path string, limit int, rows func(body []byte) (n int, ids []int64, next string, object bool)) []int64 {
	t.Helper()
	var all []int64
	u := ts.URL + path
	for pages := 0; u != ""; pages++ {
		if pages > 500 {
			t.Fatalf("%s: no end", path)
		}
		p := get(t, u)
		if p.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, p.status, p.body)
		}
		n, ids, next, object := rows(p.body)
		all = append(all, ids...)
		if p.link == "" {
			if p.next != "" || next != "" {
				t.Fatalf("%s: cursor %q/%q without a Link", u, p.next, next)
			}
			break
		}
		if n != limit {
			t.Fatalf("%s: %d rows and a next page, want %d", u, n, limit)
		}
		if object && next != p.next {
			t.Fatalf("%s: body next %q, header %q", u, next, p.next)
		}
		lu, err := url.Parse(p.link)
		if err != nil || lu.Query().Get("after") != p.next || lu.Query().Get("limit") != fmt.Sprint(limit) {
			t.Fatalf("%s: Link %q does not carry the cursor %q and the limit", u, p.link, p.next)
		}
		u = ts.URL + p.link
	}
	seen := map[int64]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("%s: %d on two pages", path, id)
		}
		seen[id] = true
	}
	return all
}

func TestSelfcheckAPIPages(t *testing.T) {
	ts, fx := scServer(t, 340, 23) // 34 課, 4 部 and the root; 23 items
	base := fmt.Sprintf("/api/v1/selfcheck/campaigns/%d", fx.CampaignID)

	// Items: a JSON array, cursor in the headers only.
	itemIDs := walkAPI(t, ts, base+"/items?limit=5", 5, func(b []byte) (int, []int64, string, bool) {
		var items []selfcheck.Item
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		return len(items), ids, "", false
	})
	if fmt.Sprint(itemIDs) != fmt.Sprint(fx.ItemIDs) {
		t.Fatalf("items paged %v, want %v", itemIDs, fx.ItemIDs)
	}
	if p := get(t, ts.URL+base+"/items"); p.status != 200 || p.next != "" || strings.Count(string(p.body), `"question"`) != 23 {
		t.Fatalf("items, default page: %d next %q", p.status, p.next)
	}
	if p := get(t, ts.URL+base+"/items?unmapped=1"); p.status != 200 || string(p.body) != "[]\n" && string(p.body) != "[]" {
		t.Fatalf("items without a role: %d %s", p.status, p.body)
	}

	// Progress: an object with "next"; the total is the whole scope's on every page.
	units := map[int64]bool{}
	var totals []string
	walkAPI(t, ts, base+"/progress?limit=7", 7, func(b []byte) (int, []int64, string, bool) {
		var doc api.ProgressDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, u := range doc.Units {
			ids = append(ids, u.UnitID)
			units[u.UnitID] = true
		}
		totals = append(totals, fmt.Sprint(doc.Total))
		return len(doc.Units), ids, doc.Next, true
	})
	if len(units) != fx.Units {
		t.Errorf("progress paged %d units, want %d", len(units), fx.Units)
	}
	for _, tot := range totals[1:] {
		if tot != totals[0] {
			t.Errorf("totals differ between pages: %v", totals)
		}
	}

	// Roll-up rows.
	rows := walkAPI(t, ts, base+"/rollup?limit=6", 6, func(b []byte) (int, []int64, string, bool) {
		var doc api.RollupDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Sections) == 0 || doc.Total.Total.Answered() == 0 || doc.UnitRows == 0 {
			t.Fatalf("rollup page without sections or total: %s", b)
		}
		var ids []int64
		for _, r := range doc.Rows {
			ids = append(ids, r.Unit.ID)
		}
		return len(doc.Rows), ids, doc.Next, true
	})
	if len(rows) != 34 {
		t.Errorf("rollup paged %d unit rows, want the 34 課 with answers", len(rows))
	}
	if p := get(t, ts.URL+base+"/rollup?level=1&limit=100"); p.status != 200 || strings.Count(string(p.body), `"depth"`) != 4+1 {
		t.Errorf("rollup at the 部: %d, %d rows", p.status, strings.Count(string(p.body), `"depth"`)-1)
	}

	// Item figures, weakest first.
	stats := walkAPI(t, ts, base+"/rollup/items?limit=4", 4, func(b []byte) (int, []int64, string, bool) {
		var doc api.ItemStatsDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, it := range doc.Items {
			ids = append(ids, it.ItemID)
			if it.Rate == nil || i > 0 && *doc.Items[i-1].Rate > *it.Rate {
				t.Fatalf("item figures not weakest first: %s", b)
			}
		}
		return len(doc.Items), ids, doc.Next, true
	})
	if len(stats) != len(fx.ItemIDs) {
		t.Errorf("item figures: %d of %d items", len(stats), len(fx.ItemIDs))
	}

	// Campaigns.
	if p := get(t, ts.URL+"/api/v1/selfcheck/campaigns?limit=1"); p.status != 200 || p.next != "" || !strings.HasPrefix(string(p.body), "[") {
		t.Errorf("campaigns: %d %q %s", p.status, p.next, p.body)
	}

	// Refusals: a cursor that is none, one of another list, a limit out of range.
	for _, q := range []string{
		base + "/items?after=%25%25", base + "/items?after=" + url.QueryEscape("bm90IGEgY3Vyc29y"), base + "/items?limit=0",
		base + "/items?limit=1001", base + "/items?unmapped=perhaps", base + "/progress?after=*", base + "/rollup?limit=x",
		base + "/rollup/items?after=!", "/api/v1/selfcheck/campaigns?after=abc!", "/api/v1/selfcheck/campaigns?limit=-1",
	} {
		p := get(t, ts.URL+q)
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(p.body, &e)
		if p.status != http.StatusBadRequest || e.Error != "bad_request" {
			t.Errorf("GET %s: %d %s, want 400 bad_request", q, p.status, p.body)
		}
	}
	if p := get(t, ts.URL+"/api/v1/selfcheck/campaigns/99999/items"); p.status != http.StatusNotFound {
		t.Errorf("items of no campaign: %d", p.status)
	}
}

// TestCatalogAPIPages: a catalog's nodes come a page at a time in document
// order, the whole tree or one section's subtree.
func TestCatalogAPIPages(t *testing.T) {
	ts, a := newServer(t)
	var doc strings.Builder
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&doc, "%d|規定%dを守ること。\n", i, i)
	}
	if code, m, _ := do(t, "POST", ts.URL+"/api/v1/catalogs?name=a", []byte(doc.String())); code != http.StatusCreated {
		t.Fatalf("import %d %v", code, m)
	}
	_ = a
	refs := func(b []byte) (int, []int64, string, bool) {
		var d api.CatalogDocument
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, n := range d.Nodes {
			var i int64
			fmt.Sscan(n.Ref, &i)
			ids = append(ids, i)
		}
		return len(d.Nodes), ids, d.Next, true
	}
	got := walkAPI(t, ts, "/api/v1/catalogs/1?limit=4", 4, refs)
	if len(got) != 25 || got[0] != 1 || got[24] != 25 {
		t.Fatalf("nodes paged: %v", got)
	}
	if p := get(t, ts.URL+"/api/v1/catalogs/1"); p.status != 200 || p.next != "" || strings.Count(string(p.body), `"ref"`) != 25 {
		t.Fatalf("default page: %d %q", p.status, p.next)
	}
	for _, q := range []string{"?after=zzz", "?limit=0", "?after=" + catalog.NodeKey("7", 3).String()} {
		if p := get(t, ts.URL+"/api/v1/catalogs/1"+q); p.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, p.status)
		}
	}
	if p := get(t, ts.URL+"/api/v1/catalogs/1?under=99"); p.status != http.StatusNotFound {
		t.Errorf("under a node that does not exist: %d", p.status)
	}
}

// TestCatalogAPISubtree pages the subtree of one section.
func TestCatalogAPISubtree(t *testing.T) {
	db := storetest.SQLite(t)
	cats := catalog.NewService(db.Catalogs(), nil)
	ctx := context.Background()
	nodes := []catalog.Node{{Ref: "1", Kind: catalog.KindPart, Title: "第1部"}}
	for s := 1; s <= 3; s++ {
		nodes = append(nodes, catalog.Node{Ref: fmt.Sprintf("1.%d", s), Parent: "1", Kind: catalog.KindSection, Title: "節"})
		for i := 1; i <= 9; i++ {
			nodes = append(nodes, catalog.Node{Ref: fmt.Sprintf("1.%d(%d)", s, i), Parent: fmt.Sprintf("1.%d", s),
				Kind: catalog.KindItem, Requirement: true, Text: "守ること。"})
		}
	}
	nodes = append(nodes, catalog.Node{Ref: "2", Kind: catalog.KindPart, Title: "第2部"})
	_, ed, err := db.Catalogs().CreateEdition(ctx, "木", catalog.Edition{Format: "json", SourceHash: "x", Nodes: len(nodes)}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	req := pagingReq(t, "", 4)
	for {
		ns, next, err := cats.NodesPage(ctx, ed.ID, "1.2", req)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			got = append(got, n.Ref)
		}
		if next == "" {
			break
		}
		req = pagingReq(t, next, 4)
	}
	if len(got) != 9 || got[0] != "1.2(1)" || got[8] != "1.2(9)" {
		t.Fatalf("subtree of 1.2: %v", got)
	}
	all, _, err := cats.NodesPage(ctx, ed.ID, "1", pagingReq(t, "", 100))
	if err != nil || len(all) != 30 {
		t.Fatalf("subtree of 1: %d nodes, %v", len(all), err)
	}
	// A cursor from outside the subtree is refused.
	if _, _, err := cats.NodesPage(ctx, ed.ID, "1.2", pagingReq(t, catalog.NodeKey("1.3(1)", 22).String(), 4)); err == nil {
		t.Error("a cursor outside the subtree was taken")
	}
}

func pagingReq(t *testing.T, after string, limit int) paging.Request {
	t.Helper()
	c, err := paging.Parse(after)
	if err != nil {
		t.Fatal(err)
	}
	return paging.Request{After: c, Limit: limit}
}

// TestPagedRoutesDocumentTheirCursor: every paged list says in the OpenAPI
// document how to ask for the next page.
func TestPagedRoutesDocumentTheirCursor(t *testing.T) {
	db := storetest.SQLite(t)
	cats := catalog.NewService(db.Catalogs(), nil)
	svc := selfcheck.NewService(db.Selfchecks(), cats)
	defer svc.Close()
	doc := api.New(api.Deps{Catalogs: cats, Selfcheck: svc}).Document()
	paths := doc["paths"].(map[string]map[string]any)
	for _, p := range []string{"/api/v1/selfcheck/campaigns", "/api/v1/selfcheck/campaigns/{id}/items",
		"/api/v1/selfcheck/campaigns/{id}/progress", "/api/v1/selfcheck/campaigns/{id}/rollup",
		"/api/v1/selfcheck/campaigns/{id}/rollup/items", "/api/v1/catalogs/{id}"} {
		op, ok := paths[p]["get"].(map[string]any)
		if !ok {
			t.Fatalf("%s: no GET", p)
		}
		params, _ := op["parameters"].([]map[string]any)
		have := map[string]string{}
		for _, pm := range params {
			have[pm["name"].(string)] = pm["description"].(string)
		}
		if !strings.Contains(have["after"], "next") || !strings.Contains(have["limit"], "default") {
			t.Errorf("%s: after %q, limit %q", p, have["after"], have["limit"])
		}
	}
}
