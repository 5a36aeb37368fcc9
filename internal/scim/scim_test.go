package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
)

const (
	userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	entSchema  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/scim+json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// TestSCIMProvisioning: a SCIM client (plain HTTP, SCIM JSON) creates a
// person with an account, moves them to another unit, gives them a role
// through a Group, and deactivates them; their session and API token stop
// working at once, with the same response.
func TestSCIMProvisioning(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	t.Setenv("KITEI_SCIM_TOKEN", "scim-secret-token")
	a := app.New(db, nil)
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []org.Unit{{Code: "A", Name: "総務部"}, {Code: "B", Name: "情報システム部"}} {
		if _, err := a.Org.CreateUnit(ctx, authz.System, u); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := a.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	scim := client{t, ts.URL + "/scim/v2", "scim-secret-token"}

	if code, _ := (client{t, ts.URL + "/scim/v2", ""}).do("GET", "/Users", nil); code != http.StatusUnauthorized {
		t.Fatalf("SCIM without the token: %d", code)
	}
	if code, _ := (client{t, ts.URL + "/scim/v2", "wrong"}).do("GET", "/Users", nil); code != http.StatusUnauthorized {
		t.Fatalf("SCIM with a wrong token: %d", code)
	}

	code, created := scim.do("POST", "/Users", map[string]any{
		"schemas": []string{userSchema, entSchema}, "userName": "tanaka", "displayName": "田中 太郎", "active": true,
		"emails":  []any{map[string]any{"value": "tanaka@example.jp", "primary": true, "type": "work"}},
		entSchema: map[string]any{"employeeNumber": "E5001", "department": "A"},
	})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, created)
	}
	id, _ := created["id"].(string)
	if code, dup := scim.do("POST", "/Users", map[string]any{"schemas": []string{userSchema, entSchema}, "userName": "tanaka2",
		entSchema: map[string]any{"employeeNumber": "E5001", "department": "A"}}); code != http.StatusConflict {
		t.Fatalf("second account for the same person: %d %v", code, dup)
	}
	code, list := scim.do("GET", `/Users?filter=userName%20eq%20%22tanaka%22`, nil)
	if code != 200 || list["totalResults"] != float64(1) {
		t.Fatalf("filter by userName: %d %v", code, list)
	}

	// The person signs in (through their provider) and makes an API token.
	acc, err := a.Auth.UserByLogin(ctx, "tanaka")
	if err != nil || acc.EmployeeNo != "E5001" || acc.Name != "田中 太郎" {
		t.Fatalf("account %+v %v", acc, err)
	}
	pw, _ := a.Auth.ResetPassword(ctx, acc.ID)
	if err := a.Auth.ChangePassword(ctx, acc.ID, 0, pw, "Scim-Test-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	sess, err := a.Auth.LoginExternal(ctx, auth.External{Method: "oidc:test", PersonID: acc.PersonID, MFA: true}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	apiToken, _, err := a.Auth.CreateToken(ctx, acc.ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	withSession := func() int {
		req, _ := http.NewRequest("GET", ts.URL+"/account", nil)
		req.AddCookie(&http.Cookie{Name: "kitei_session", Value: sess.Token})
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	me := func() (int, map[string]any) {
		return client{t, ts.URL, apiToken}.do("GET", "/api/v1/me", nil)
	}
	if c := withSession(); c != 200 {
		t.Fatalf("session before: %d", c)
	}
	code, m := me()
	if code != 200 {
		t.Fatalf("token before: %d %v", code, m)
	}
	unitA := m["unit_path"]

	// Unit change.
	code, patched := scim.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp},
		"Operations": []any{map[string]any{"op": "replace", "path": entSchema + ":department", "value": "B"}}})
	if code != 200 || patched[entSchema].(map[string]any)["department"] != "B" {
		t.Fatalf("unit change: %d %v", code, patched)
	}
	if _, m = me(); m["unit_path"] == unitA {
		t.Fatalf("unit unchanged for the session: %v", m)
	}

	// A group is a role: adding the member appoints them.
	code, g := scim.do("PATCH", "/Groups/"+authz.RoleCSIRTMember, map[string]any{"schemas": []string{patchOp},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}})
	if code != 200 || !strings.Contains(toJSON(g["members"]), `"`+id+`"`) {
		t.Fatalf("group member: %d %v", code, g)
	}
	if _, m = me(); !strings.Contains(toJSON(m["grants"]), authz.RoleCSIRTMember) {
		t.Fatalf("role not granted: %v", m)
	}

	// Deactivation: the session and the token stop working at once.
	code, deact := scim.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}})
	if code != 200 || deact["active"] != false {
		t.Fatalf("deactivate: %d %v", code, deact)
	}
	if c := withSession(); c != http.StatusSeeOther {
		t.Fatalf("session after deactivation: %d", c)
	}
	if c, _ := me(); c != http.StatusUnauthorized {
		t.Fatalf("API token after deactivation: %d", c)
	}
	acc, _ = a.Auth.User(ctx, acc.ID)
	p, _ := a.Org.Person(ctx, acc.PersonID)
	if !acc.Disabled() || acc.DisabledReason != "left" || p.Status != org.StatusLeft || p.LeftOn == "" {
		t.Fatalf("after deactivation: account %+v, person %+v", acc, p)
	}
	// DELETE deactivates too and deletes nothing.
	if code, _ := scim.do("DELETE", "/Users/"+id, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := scim.do("GET", "/Users/"+id, nil); code != 200 {
		t.Fatalf("get after delete: %d", code)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
