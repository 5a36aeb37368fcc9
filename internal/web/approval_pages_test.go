package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestApprovalPages files a 例外措置 through the form, decides it as the
// unit officer and reads the ledger, the report and the inbox.
func TestApprovalPages(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": jptext.Parse})
	res, err := cat.Import(ctx, catalog.ImportRequest{Name: "規程", SourceName: "r.txt",
		Data: []byte("第1部 総則\n1 目的\n(1) 目的\n(a) 例外措置の手続を定めること。\n")})
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := cat.Nodes(ctx, res.Edition.ID)
	ref := nodes[len(nodes)-1].Ref
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
	svc := approval.NewService(db.Approvals(), o, cat)
	if err := svc.EnsureBuiltinTypes(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(withAPI(web.Deps{Store: db, Catalogs: cat, Org: o, Approval: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	do := func(p *authz.Principal, method, path string, form url.Values) (int, string, http.Header) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(authz.WithPrincipal(req.Context(), p)))
		return rec.Code, rec.Body.String(), rec.Header()
	}
	if code, body, _ := do(staff, "GET", "/requests", nil); code != 200 || !strings.Contains(body, "/requests/new?type=exception") {
		t.Fatalf("index %d", code)
	}
	// The rule picker finds the clause without JavaScript.
	code, body, _ := do(staff, "GET", "/requests/new?type=exception&q="+url.QueryEscape("例外措置"), nil)
	if code != 200 || !strings.Contains(body, "node_ref="+url.QueryEscape(ref)) && !strings.Contains(body, "node_ref="+ref) {
		t.Fatalf("rule search %d: %s", code, body)
	}
	day := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	form := url.Values{"type": {"exception"}, "title": {"暫定運用"}, "contact": {"内線 1"}, "catalog_id": {"1"}, "node_ref": {ref},
		"starts_on": {day}, "ends_on": {day}, "measure": {"隔離"}, "reason": {"納入待ち"}, "end_method": {"書面"}, "submit": {"1"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("node_ref", "99(9)")
	if code, body, _ := do(staff, "POST", "/requests", bad); code != 400 || !strings.Contains(body, "99(9)") {
		t.Fatalf("bad clause %d", code)
	}
	code, _, hdr := do(staff, "POST", "/requests", form)
	if code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/requests/1?") {
		t.Fatalf("file %d %s", code, hdr.Get("Location"))
	}
	// Submissions refused after the draft checks store nothing (filing
	// with submit is one transaction): the form comes back with what was
	// typed. A period already over is refused as invalid; the officer, who
	// would decide their own request and has nobody above them here, gets
	// a conflict.
	past := url.Values{}
	for k, v := range form {
		past[k] = v
	}
	past.Set("title", "過去の期間の運用")
	past.Set("starts_on", "2000-01-01")
	past.Set("ends_on", "2000-01-02")
	if code, body, _ := do(staff, "POST", "/requests", past); code != 400 || !strings.Contains(body, "過去の期間の運用") {
		t.Fatalf("filing a past period: %d", code)
	}
	own := url.Values{}
	for k, v := range form {
		own[k] = v
	}
	own.Set("title", "自分で決裁する運用")
	if code, body, _ := do(officer, "POST", "/requests", own); code != 409 || !strings.Contains(body, "自分で決裁する運用") {
		t.Fatalf("filing with nobody to decide: %d", code)
	}
	if rs, _ := svc.Mine(ctx, staff); len(rs) != 1 {
		t.Fatalf("staff has %d requests after the refused filings, want 1", len(rs))
	}
	if rs, _ := svc.Mine(ctx, officer); len(rs) != 0 {
		t.Fatalf("the officer's refused filing left %d requests", len(rs))
	}
	if code, body, _ := do(officer, "GET", "/requests/1", nil); code != 200 || !strings.Contains(body, `action="/requests/1/decide"`) {
		t.Fatalf("officer view %d", code)
	}
	if code, _, _ := do(staff, "POST", "/requests/1/decide", url.Values{"action": {"approve"}}); code != 403 {
		t.Fatalf("staff decided: %d", code)
	}
	decide := url.Values{"action": {"approve"}, "conditions": {"週次で作業記録を提出"}}
	if code, _, _ := do(officer, "POST", "/requests/1/decide", decide); code != 303 {
		t.Fatalf("decide %d", code)
	}
	if code, body, _ := do(officer, "POST", "/requests/1/decide", decide); code != 409 || !strings.Contains(body, "決裁済み") {
		t.Fatalf("second decision %d", code)
	}
	if code, body, _ := do(officer, "GET", "/requests/ledger?type=exception", nil); code != 200 || !strings.Contains(body, "週次で作業記録を提出") {
		t.Fatalf("ledger %d", code)
	}
	if code, _, hdr := do(officer, "GET", "/requests/ledger.xlsx?type=exception", nil); code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("ledger xlsx %d", code)
	}
	if code, _, _ := do(staff, "GET", "/requests/ledger", nil); code != 403 {
		t.Fatalf("staff ledger %d", code)
	}
	if code, body, _ := do(staff, "GET", "/inbox", nil); code != 200 || !strings.Contains(body, "承認されました") {
		t.Fatalf("inbox %d", code)
	}
	// The ledger's period filter: the request runs on day only.
	after := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	for q, want := range map[string]bool{"from=" + day + "&to=" + day: true, "from=" + after: false, "to=" + day: true, "to=" + time.Now().Format("2006-01-02"): false} {
		if code, body, _ := do(officer, "GET", "/requests/ledger?type=exception&"+q, nil); code != 200 || strings.Contains(body, "週次で作業記録を提出") != want {
			t.Errorf("ledger ?%s: %d, shown %v", q, code, !want)
		}
	}
	if code, body, _ := do(officer, "GET", "/requests/ledger?from=tomorrow", nil); code != http.StatusUnprocessableEntity {
		t.Errorf("ledger with a malformed day: %d %s", code, body)
	}
	// Notices are marked read through the API too, only one's own.
	var mine, theirs []approval.Notice
	for _, c := range []struct {
		p   *authz.Principal
		out *[]approval.Notice
	}{{staff, &mine}, {officer, &theirs}} {
		code, body, _ := do(c.p, "GET", "/api/v1/inbox", nil)
		if err := json.Unmarshal([]byte(body), c.out); code != 200 || err != nil || len(*c.out) == 0 {
			t.Fatalf("api inbox %d %v: %s", code, err, body)
		}
	}
	if code, _, _ := do(staff, "POST", fmt.Sprintf("/api/v1/inbox/%d/read", theirs[0].ID), nil); code != 404 {
		t.Fatalf("marking somebody else's notice: %d", code)
	}
	code, body, _ = do(staff, "POST", fmt.Sprintf("/api/v1/inbox/%d/read", mine[0].ID), nil)
	if err := json.Unmarshal([]byte(body), &mine); code != 200 || err != nil || mine[0].ReadAt.IsZero() {
		t.Fatalf("api mark read %d %v: %s", code, err, body)
	}
	if code, _, _ := do(officer, "POST", "/api/v1/inbox/read", nil); code != 200 {
		t.Fatalf("api mark all read %d", code)
	}
	if code, _, _ := do(staff, "POST", "/inbox/read", url.Values{}); code != 303 {
		t.Fatalf("read %d", code)
	}
	for _, path := range []string{"/requests/report", "/requests/report.xlsx", "/requests/overdue", "/request-types"} {
		if code, _, _ := do(office, "GET", path, nil); code != 200 {
			t.Errorf("%s: %d", path, code)
		}
	}
	if code, _, _ := do(officer, "GET", "/requests/report", nil); code != 403 {
		t.Errorf("officer report %d", code)
	}
}
