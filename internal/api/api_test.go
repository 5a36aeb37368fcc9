package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"kitei/internal/api"
	"kitei/internal/catalog"
	"kitei/internal/store/storetest"
)

func lines(data []byte) (*catalog.Parsed, error) {
	p := &catalog.Parsed{Format: "jptext", Style: "test"}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		ref, text, _ := strings.Cut(l, "|")
		p.Nodes = append(p.Nodes, catalog.Node{Ref: ref, Kind: catalog.KindItem, Text: text, Requirement: true})
	}
	return p, nil
}

func newServer(t *testing.T) (*httptest.Server, *api.API) {
	db := storetest.SQLite(t)
	a := api.New(api.Deps{Catalogs: catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": lines}), Version: "test"})
	mux := http.NewServeMux()
	for _, r := range a.Routes() {
		mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts, a
}

func do(t *testing.T, method, url string, body []byte) (int, map[string]any, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: content type %q", method, url, ct)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m, b
}

func TestCatalogAPI(t *testing.T) {
	ts, _ := newServer(t)
	code, m, _ := do(t, "POST", ts.URL+"/api/v1/catalogs?name=%E8%A6%8F%E7%A8%8B", []byte("1|例外措置を定めること。\n2|記録すること。"))
	if code != http.StatusCreated || m["name"] != "規程" || m["requirements"] != float64(2) {
		t.Fatalf("import = %d %v", code, m)
	}
	code, m, _ = do(t, "POST", ts.URL+"/api/v1/catalogs?name=%E8%A6%8F%E7%A8%8B", []byte("1|例外措置を定めること。\n2|記録すること。"))
	if code != http.StatusOK || m["duplicate"] != true {
		t.Fatalf("duplicate import = %d %v", code, m)
	}
	code, _, b := do(t, "GET", ts.URL+"/api/v1/catalogs", nil)
	if code != 200 || !bytes.Contains(b, []byte(`"規程"`)) {
		t.Fatalf("list = %d %s", code, b)
	}
	code, m, _ = do(t, "GET", ts.URL+"/api/v1/catalogs/1", nil)
	if code != 200 || len(m["nodes"].([]any)) != 2 {
		t.Fatalf("get = %d %v", code, m)
	}
	code, m, _ = do(t, "GET", ts.URL+"/api/v1/search?q=%E4%BE%8B%E5%A4%96", nil)
	if code != 200 || m["total"] != float64(1) {
		t.Fatalf("search = %d %v", code, m)
	}
	for _, c := range []struct {
		method, path string
		body         []byte
		status       int
		code         string
	}{
		{"GET", "/api/v1/catalogs/99", nil, 404, "not_found"},
		{"GET", "/api/v1/catalogs/x", nil, 404, "not_found"},
		{"GET", "/api/v1/catalogs/1?edition=5", nil, 404, "not_found"},
		{"GET", "/api/v1/search", nil, 400, "bad_request"},
		{"GET", "/api/v1/search?q=a&limit=0", nil, 400, "bad_request"},
		{"POST", "/api/v1/catalogs", nil, 422, "invalid"},
		{"POST", "/api/v1/catalogs?format=nosuch", []byte("1|x"), 422, "invalid"},
	} {
		code, m, _ := do(t, c.method, ts.URL+c.path, c.body)
		if code != c.status || m["error"] != c.code || m["message"] == "" {
			t.Errorf("%s %s = %d %v, want %d %s", c.method, c.path, code, m, c.status, c.code)
		}
	}
}

func TestOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	ts, a := newServer(t)
	code, m, _ := do(t, "GET", ts.URL+"/api/v1/openapi.json", nil)
	if code != 200 || m["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %d %v", code, m["openapi"])
	}
	paths := m["paths"].(map[string]any)
	for _, r := range a.Routes() {
		p, ok := paths[r.Path].(map[string]any)
		if !ok || p[strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s %s missing from the document", r.Method, r.Path)
		}
	}
	// Every paged list documents its cursor parameters and the headers
	// that name the next page.
	paged := 0
	for path, ops := range paths {
		for method, op := range ops.(map[string]any) {
			o, _ := op.(map[string]any)
			params, _ := o["parameters"].([]any)
			var names []string
			for _, p := range params {
				names = append(names, p.(map[string]any)["name"].(string))
			}
			if !slices.Contains(names, "after") {
				continue
			}
			paged++
			if !slices.Contains(names, "limit") {
				t.Errorf("%s %s takes after but not limit", method, path)
			}
			hdrs, _ := o["responses"].(map[string]any)["200"].(map[string]any)["headers"].(map[string]any)
			if hdrs["X-Next-Cursor"] == nil || hdrs["Link"] == nil {
				t.Errorf("%s %s: 200 headers = %v, want X-Next-Cursor and Link", method, path, hdrs)
			}
		}
	}
	if paged == 0 {
		t.Error("no route documents keyset paging (after=)")
	}
	schemas := m["components"].(map[string]any)["schemas"].(map[string]any)
	doc := schemas["CatalogDocument"].(map[string]any)["properties"].(map[string]any)
	nodes := doc["nodes"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
	for _, f := range []string{"ref", "parent", "kind", "title", "text", "requirement", "subject"} {
		if nodes[f] == nil {
			t.Errorf("node schema lacks %q", f)
		}
	}
}
