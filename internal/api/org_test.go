package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"kitei/internal/api"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
)

func TestOrganisationAPI(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: code, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := unit("R", 0)
	a := unit("A", root.ID)
	b := unit("B", root.ID)
	pa, _ := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "1", Name: "甲", UnitID: a.ID, Status: "active"})
	pb, _ := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "2", Name: "乙", UnitID: b.ID, Status: "active"})

	officer := &authz.Principal{PersonID: pa.ID, UnitPath: a.Path, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: a.Path}}}
	office := &authz.Principal{Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
	who := map[string]*authz.Principal{"officer": officer, "office": office}

	x := api.New(api.Deps{Catalogs: catalog.NewService(db.Catalogs(), nil), Org: o})
	mux := http.NewServeMux()
	for _, r := range x.Routes() {
		mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(authz.WithPrincipal(r.Context(), who[r.Header.Get("X-Who")])))
	}))
	defer ts.Close()
	call := func(as, method, path string, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, ts.URL+path, rd)
		req.Header.Set("X-Who", as)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	code, body := call("officer", "GET", "/api/v1/people", nil)
	var page api.PersonPage
	json.Unmarshal(body, &page)
	if code != 200 || page.Total != 1 || page.People[0].ID != pa.ID {
		t.Fatalf("officer's people = %d %s", code, body)
	}
	if code, _ = call("officer", "GET", fmt.Sprintf("/api/v1/people/%d", pb.ID), nil); code != 404 {
		t.Errorf("officer reads a foreign person: %d", code)
	}
	if code, _ = call("officer", "GET", fmt.Sprintf("/api/v1/units/%d", a.ID), nil); code != 200 {
		t.Errorf("officer reads own unit: %d", code)
	}
	// An officer holds org.read, not org.write: no changes, even in their own unit.
	if code, _ = call("officer", "PUT", fmt.Sprintf("/api/v1/people/%d", pa.ID), org.Person{EmployeeNo: "1", Name: "甲2", UnitID: a.ID, Status: "active"}); code != 403 {
		t.Errorf("officer updates a person: %d", code)
	}
	code, body = call("office", "POST", "/api/v1/people", org.Person{EmployeeNo: "3", Name: "丙", UnitID: b.ID, Status: "active"})
	if code != 201 {
		t.Fatalf("office creates a person: %d %s", code, body)
	}
	if code, body = call("office", "POST", "/api/v1/people", map[string]any{"employee_no": "4", "bogus": 1}); code != 400 {
		t.Errorf("unknown field accepted: %d %s", code, body)
	}
	code, body = call("office", "POST", "/api/v1/assignments", org.Assignment{PersonID: pb.ID, RoleKey: authz.RoleDivisionISO, UnitID: b.ID, StartsOn: "2025-04-01"})
	if code != 201 {
		t.Fatalf("appoint: %d %s", code, body)
	}
	// Handing out the administrator role needs account rights.
	if code, _ = call("office", "POST", "/api/v1/assignments", org.Assignment{PersonID: pb.ID, RoleKey: authz.RoleAdministrator, StartsOn: "2025-04-01"}); code != 403 {
		t.Errorf("security office appointed an administrator: %d", code)
	}
	code, body = call("office", "GET", fmt.Sprintf("/api/v1/people/%d/assignments", pb.ID), nil)
	var h api.AssignmentHistory
	json.Unmarshal(body, &h)
	if code != 200 || len(h.Current) != 1 {
		t.Fatalf("history: %d %s", code, body)
	}
	if code, body = call("office", "POST", fmt.Sprintf("/api/v1/assignments/%d/end?on=2025-12-31", h.Current[0].ID), nil); code != 200 {
		t.Errorf("end appointment: %d %s", code, body)
	}
	if code, body = call("officer", "GET", "/api/v1/roles", nil); code != 200 || !bytes.Contains(body, []byte("統括情報セキュリティ責任者")) {
		t.Errorf("roles: %d", code)
	}
}
