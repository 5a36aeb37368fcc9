package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"kitei/internal/api"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func TestCrosswalkAPI(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		cats := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": lines})
		a := api.New(api.Deps{Catalogs: cats, Crosswalk: crosswalk.NewService(db.Crosswalk(), cats), Version: "test"})
		mux := http.NewServeMux()
		for _, r := range a.Routes() {
			mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
		}
		ts := httptest.NewServer(mux)
		defer ts.Close()
		ctx := context.Background()
		imp := func(name, doc string) string {
			r, err := cats.Import(ctx, catalog.ImportRequest{Name: name, SourceName: name, Data: []byte(doc)})
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(r.Catalog.ID, 10)
		}
		std := imp("基準", "1|統括情報セキュリティ責任者は、例外措置の手続を定めること。\n2|行政事務従事者は、教育を受講すること。")
		pol := imp("方針", "A|統括情報セキュリティ責任者は、例外措置の手続を定めること。\nB|業務従事者は、教育を受講すること。")
		base := ts.URL + "/api/v1/crosswalk"

		code, _, body := do(t, "GET", base+"/suggestions?from="+pol+"&to="+std+"&top=1", nil)
		var sugg []crosswalk.Suggestion
		if code != 200 || json.Unmarshal(body, &sugg) != nil || len(sugg) != 2 || sugg[0].From != "A" || sugg[0].To != "1" || sugg[1].To != "2" {
			t.Fatalf("suggestions: %d %s", code, body)
		}
		code, m, _ := do(t, "POST", base+"/suggestions?from="+pol+"&to="+std+"&top=1", nil)
		if code != 200 || m["new"] != float64(2) {
			t.Fatalf("save: %d %v", code, m)
		}
		code, _, body = do(t, "GET", base+"/links?from="+pol+"&to="+std+"&status=suggested", nil)
		var links []crosswalk.Link
		if code != 200 || json.Unmarshal(body, &links) != nil || len(links) != 2 {
			t.Fatalf("links: %d %s", code, body)
		}
		code, m, _ = do(t, "PATCH", base+"/links/"+strconv.FormatInt(links[0].ID, 10), []byte(`{"status":"confirmed","kind":"equivalent"}`))
		if code != 200 || m["status"] != "confirmed" || m["kind"] != "equivalent" {
			t.Fatalf("review: %d %v", code, m)
		}
		if code, _, _ := do(t, "PATCH", base+"/links/"+strconv.FormatInt(links[0].ID, 10), []byte(`{"status":"maybe"}`)); code != 422 {
			t.Errorf("bad status: %d", code)
		}
		code, m, _ = do(t, "POST", base+"/links", []byte(`{"from":"`+pol+`","to":"`+std+`","from_ref":"B","to_ref":"2"}`))
		if code != 200 || m["status"] != "confirmed" {
			t.Fatalf("pick: %d %v", code, m)
		}
		code, m, _ = do(t, "GET", base+"/gaps?parent="+std+"&child="+pol, nil)
		if code != 200 || m["total"] != float64(2) || m["covered"] != float64(2) {
			t.Fatalf("gaps: %d %v", code, m)
		}
		imp("基準", "1|統括情報セキュリティ責任者は、例外措置の手続を定め、記録すること。\n2|行政事務従事者は、教育を受講すること。")
		code, m, body = do(t, "GET", base+"/diff?old="+std+"@1&new="+std+"@2", nil)
		if code != 200 || m["counts"].(map[string]any)["changed"] != float64(1) || len(m["touched"].([]any)) != 1 {
			t.Fatalf("diff: %d %s", code, body)
		}
		if code, _, _ := do(t, "GET", base+"/diff?old="+std, nil); code != 400 {
			t.Errorf("diff without new: %d", code)
		}
		// The OpenAPI document names the crosswalk paths and schemas.
		_, doc, _ := do(t, "GET", ts.URL+"/api/v1/openapi.json", nil)
		paths := doc["paths"].(map[string]any)
		schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
		if paths["/api/v1/crosswalk/links/{id}"] == nil || schemas["GapReport"] == nil || schemas["EditionDiff"] == nil {
			t.Error("OpenAPI document lacks the crosswalk")
		}
	})
}
