package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestSelfcheckPages walks the self-inspection pages as a staff member, a
// unit officer and the security office, with the real guard.
func TestSelfcheckPages(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	cat := catalog.NewService(db.Catalogs(), nil)
	svc := selfcheck.NewService(db.Selfchecks(), cat)
	defer svc.Close()
	fx, err := bench.Generate(ctx, db, svc, bench.FixtureOptions{People: 40, Items: 6, PerUnit: 20})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Deps{Store: db, Catalogs: cat, Selfcheck: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// staff in the first 課; officer heads the second 課.
	staff, officer := fx.People[5], fx.People[20]
	as := func(p *authz.Principal) http.Handler {
		h := srv.Handler()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(authz.WithPrincipal(r.Context(), p)))
		})
	}
	staffP := &authz.Principal{PersonID: staff.ID, Login: "s", Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: staff.UnitPath}}}
	officerP := &authz.Principal{PersonID: officer.ID, Login: "o", Grants: []authz.Grant{
		{Role: authz.RoleStaff, UnitPath: officer.UnitPath}, {Role: authz.RoleDivisionISO, UnitPath: officer.UnitPath}}}
	officeP := &authz.Principal{PersonID: fx.ChiefISO, Login: "c", Grants: []authz.Grant{{Role: authz.RoleChiefISO}}}
	do := func(p *authz.Principal, method, path string, form url.Values) (int, string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		as(p).ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	c := fx.CampaignID
	base := fmt.Sprintf("/selfcheck/campaigns/%d", c)
	if code, body := do(staffP, "GET", "/selfcheck", nil); code != 200 || !strings.Contains(body, base+"/my") {
		t.Fatalf("home %d", code)
	}
	if code, body := do(staffP, "GET", base+"/my", nil); code != 200 || !strings.Contains(body, "点検項目1の対策") {
		t.Fatalf("my checklist %d", code)
	}
	item := fx.ItemIDs[0]
	if code, _ := do(staffP, "POST", fmt.Sprintf("%s/my/%d", base, item), url.Values{"value": {"partial"}, "comment": {"一部のみ"}}); code != 303 {
		t.Fatalf("save %d", code)
	}
	// Refusals show the checklist again with the reason beside the item,
	// in the person's language, keeping what they typed.
	code, body := do(staffP, "POST", fmt.Sprintf("%s/my/%d", base, item), url.Values{"value": {"no"}, "comment": {" "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "「実施していない」の場合は") || !strings.Contains(body, `value="no" required checked`) ||
		!strings.Contains(body, "sc-refused") {
		t.Fatalf("save without comment %d", code)
	}
	if code, body := do(staffP, "POST", fmt.Sprintf("%s/my/%d", base, item), url.Values{"value": {"maybe"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "回答を「実施している」") {
		t.Fatalf("save with an invalid value %d", code)
	}
	if code, body := do(staffP, "POST", fmt.Sprintf("%s/my/%d", base, 999999), url.Values{"value": {"yes"}}); code != 404 || !strings.Contains(body, "項目 999999 はあなたの点検票にありません") {
		t.Fatalf("save to an item not on the checklist %d", code)
	}
	if code, _ := do(staffP, "GET", base+"/results", nil); code != 403 {
		t.Fatalf("staff results %d", code)
	}
	if code, _ := do(staffP, "GET", base, nil); code != 403 {
		t.Fatalf("staff campaign %d", code)
	}
	if code, body := do(officerP, "GET", base, nil); code != 200 || strings.Contains(body, "第1部第1課") {
		t.Fatalf("officer campaign %d (foreign unit shown?)", code)
	}
	if code, _ := do(officerP, "GET", fmt.Sprintf("%s/results?item=%d&unit=%d", base, item, staff.UnitID), nil); code != 403 {
		t.Fatalf("officer drill into foreign unit %d", code)
	}
	if code, _ := do(officerP, "GET", base+"/summary", nil); code != 403 {
		t.Fatalf("officer summary %d", code)
	}
	code, body = do(officeP, "GET", fmt.Sprintf("%s/results?item=%d&unit=%d", base, item, staff.UnitID), nil)
	if code != 200 || !strings.Contains(body, "<svg") || strings.Contains(body, "style=") || !strings.Contains(body, "一部のみ") {
		t.Fatalf("office results %d", code)
	}
	if code, _ := do(officeP, "GET", base+"/summary", nil); code != 200 {
		t.Fatalf("summary %d", code)
	}
	if code, body := do(officeP, "GET", base+"/export.xlsx", nil); code != 200 || !strings.HasPrefix(body, "PK") {
		t.Fatalf("export %d", code)
	}
	if code, _ := do(officeP, "POST", base+"/remind", url.Values{}); code != 303 {
		t.Fatalf("remind %d", code)
	}
	// Once closed, saving is refused with a clear message and the form is disabled.
	if code, _ := do(officeP, "POST", base+"/close", url.Values{}); code != 303 {
		t.Fatalf("close %d", code)
	}
	code, body = do(staffP, "POST", fmt.Sprintf("%s/my/%d", base, item), url.Values{"value": {"yes"}})
	if code != 409 || !strings.Contains(body, "締め切られています") || strings.Contains(body, "data-autosave") {
		t.Fatalf("save after close %d", code)
	}
	if code, body := do(staffP, "GET", base+"/my", nil); code != 200 || !strings.Contains(body, "締め切られています") || !strings.Contains(body, "<fieldset disabled>") {
		t.Fatalf("checklist after close %d", code)
	}
}
