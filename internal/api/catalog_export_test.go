package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kitei/internal/api"
	"kitei/internal/catalog"
	"kitei/internal/catalog/kjson"
	"kitei/internal/catalog/oscal"
	"kitei/internal/catalog/xlsxfmt"
	"kitei/internal/store/storetest"
)

func TestCatalogExportAPI(t *testing.T) {
	db := storetest.SQLite(t)
	svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": lines})
	svc.SetExporter("oscal", oscal.Exporter)
	svc.SetExporter("xlsx", xlsxfmt.Exporter)
	svc.SetExporter("json", kjson.Exporter)
	a := api.New(api.Deps{Catalogs: svc, Version: "test"})
	mux := http.NewServeMux()
	for _, r := range a.Routes() {
		mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
	}
	ts := httptest.NewServer(mux)
	defer ts.Close()
	if code, m, _ := do(t, "POST", ts.URL+"/api/v1/catalogs?name=%E8%A6%8F%E7%A8%8B", []byte("1|例外措置を定めること。")); code != 201 {
		t.Fatalf("import %d %v", code, m)
	}
	for _, c := range []struct {
		query, ctype, name, body string
		status                   int
	}{
		{"?format=oscal", "application/json", "規程-ed1.oscal.json", `"oscal-version": "1.1.3"`, 200},
		{"?format=xlsx", "application/vnd.openxmlformats", "規程-ed1.xlsx", "PK", 200},
		{"", "application/json", "規程-ed1.json", `"ref": "1"`, 200},
		{"?format=pdf", "application/json", "", `"invalid"`, 422},
		{"?edition=9", "application/json", "", `"not_found"`, 404},
	} {
		resp, err := http.Get(ts.URL + "/api/v1/catalogs/1/export" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(b), c.body) {
			t.Errorf("%s: %d %s %.80q", c.query, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if c.name != "" && !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: disposition %q", c.query, resp.Header.Get("Content-Disposition"))
		}
	}
}
