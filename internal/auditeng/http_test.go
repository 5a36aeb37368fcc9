package auditeng_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
)

func upload(t *testing.T, h http.Handler, p *authz.Principal, path, name, ctype string, data []byte, extra map[string]string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	hdr.Set("Content-Type", ctype)
	part, _ := mw.CreatePart(hdr)
	part.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req = req.WithContext(authz.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestUploadsThroughPages posts evidence the way browsers do, to the
// tracker's and the audit's pages: HTML, an oversize file and a file whose
// content is not its declared type are refused and store nothing; an
// accepted file comes back only as a nosniff attachment.
func TestUploadsThroughPages(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	srv, err := w.App.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	officer, owner, chief, ciso, aud := w.P(t, w.Officer), w.P(t, w.Owner), w.P(t, w.Chief), w.P(t, w.CISO), w.P(t, w.AuditorB)
	a, err := w.App.Tracker.Create(ctx, officer, tracker.Action{Source: tracker.Source{Kind: tracker.FromReview, Label: "見直し"},
		UnitID: w.Audited.ID, Title: "手順書の改訂", OwnerID: w.Owner.ID, DueOn: "2026-09-30"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/actions/%d/evidence", a.ID)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	for _, c := range []struct {
		what, name, ctype string
		data              []byte
		status            int
	}{
		{"HTML", "report.html", "text/html", []byte("<!doctype html><script>alert(1)</script>"), http.StatusUnprocessableEntity},
		{"HTML as text", "note.txt", "text/plain", []byte("<html><body onload=alert(1)>"), http.StatusUnprocessableEntity},
		{"oversize", "big.pdf", "application/pdf", append([]byte("%PDF-1.7\n"), make([]byte, tracker.MaxEvidence)...), http.StatusRequestEntityTooLarge},
		{"mismatched", "scan.pdf", "application/pdf", png, http.StatusUnprocessableEntity},
	} {
		res := upload(t, h, owner, path, c.name, c.ctype, c.data, nil)
		if res.StatusCode != c.status {
			b, _ := io.ReadAll(res.Body)
			t.Errorf("%s: status %d, want %d: %.300s", c.what, res.StatusCode, c.status, b)
		}
	}
	if n, _ := db.EvidenceCount(ctx); n != 0 {
		t.Fatalf("refused uploads stored %d files", n)
	}
	if res := upload(t, h, owner, path, "scan.png", "image/png", png, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accepted upload: %d", res.StatusCode)
	}
	got, err := w.App.Tracker.Get(ctx, officer, a.ID)
	if err != nil || len(got.Evidence) != 1 {
		t.Fatalf("evidence = %v, %v", got.Evidence, err)
	}
	req := httptest.NewRequest("GET", fmt.Sprintf("/actions/%d/evidence/%d", a.ID, got.Evidence[0].ID), nil)
	req = req.WithContext(authz.WithPrincipal(req.Context(), officer))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") ||
		rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), png) {
		t.Errorf("download: %d %v", rec.Code, rec.Header())
	}

	// The audit's working-paper evidence goes through the same checks.
	s := w.App.Audits
	plan, _ := s.CreatePlan(ctx, chief, 2026, "", "")
	e, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
		Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignAuditor(ctx, chief, e.ID, w.AuditorB.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	s.SubmitPlan(ctx, chief, plan.ID)
	if _, err := s.ApprovePlan(ctx, ciso, plan.ID); err != nil {
		t.Fatal(err)
	}
	items, _ := s.Checklist(ctx, e)
	epath := fmt.Sprintf("/audits/engagements/%d/evidence", e.ID)
	if res := upload(t, h, aud, epath, "x.svg", "image/svg+xml", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), map[string]string{"ref": items[0].Ref}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("SVG working-paper evidence: %d", res.StatusCode)
	}
	if res := upload(t, h, officer, epath, "a.pdf", "application/pdf", []byte("%PDF-1.7\n"), map[string]string{"ref": items[0].Ref}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("the audited unit's officer uploads working-paper evidence: %d", res.StatusCode)
	}
	if n, _ := db.EvidenceCount(ctx); n != 1 {
		t.Fatalf("evidence files = %d, want 1", n)
	}
	if res := upload(t, h, aud, epath, "台帳.pdf", "application/pdf", []byte("%PDF-1.7\n"), map[string]string{"ref": items[0].Ref}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("working-paper evidence: %d", res.StatusCode)
	}
}

// TestEngagementPageGapsAndOtherUnits shows the crosswalk gap report inside
// the engagement when an upper standard is chosen, and lets the officer of
// another unit the CISO instructed file a remediation action for their own
// unit (not for the audited one).
func TestEngagementPageGapsAndOtherUnits(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	srv, err := w.App.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	s := w.App.Audits
	chief, ciso, aud := w.P(t, w.Chief), w.P(t, w.CISO), w.P(t, w.AuditorB)
	plan, _ := s.CreatePlan(ctx, chief, 2026, "", "")
	e, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
		Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30", ParentCatalogID: w.CatalogID})
	if err != nil {
		t.Fatal(err)
	}
	s.AssignAuditor(ctx, chief, e.ID, w.AuditorB.ID, false, "")
	s.SubmitPlan(ctx, chief, plan.ID)
	if _, err := s.ApprovePlan(ctx, ciso, plan.ID); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", fmt.Sprintf("/audits/engagements/%d", e.ID), nil)
	req = req.WithContext(authz.WithPrincipal(req.Context(), aud))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "上位基準との対応") {
		t.Fatalf("engagement page: %d, gap report shown: %v", rec.Code, strings.Contains(rec.Body.String(), "上位基準との対応"))
	}
	items, _ := s.Checklist(ctx, e)
	for _, it := range items {
		if _, err := s.SavePaper(ctx, aud, e.ID, it.Ref, auditeng.Partial, "一部未整備"); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.AddFinding(ctx, aud, e.ID, auditeng.Finding{Ref: items[0].Ref, Severity: auditeng.Minor, Description: "一部未整備"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitReport(ctx, aud, e.ID, "一部改善を要する"); err != nil {
		t.Fatal(err)
	}
	// Another unit with the same weakness, and its officer.
	o := w.App.Org
	other, err := o.CreateUnit(ctx, authz.System, orgUnit("C1", "会計課", w.Audited.ParentID))
	if err != nil {
		t.Fatal(err)
	}
	op, err := o.CreatePerson(ctx, authz.System, orgPerson("K1", "会計 課長", other.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Appoint(ctx, authz.System, orgAssign(op.ID, authz.RoleDivisionISO, other.ID)); err != nil {
		t.Fatal(err)
	}
	otherOfficer := w.P(t, op)
	if _, err := s.Engagement(ctx, otherOfficer, e.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("officer of an uninstructed unit reads the audit: %v", err)
	}
	if _, err := s.Instruct(ctx, ciso, e.ID, "同様の点を確認すること", []int64{other.ID}); err != nil {
		t.Fatal(err)
	}
	act, err := s.Remediate(ctx, otherOfficer, e.ID, f.ID, tracker.Action{Title: "会計課の台帳確認", OwnerID: op.ID, DueOn: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	if act.UnitID != other.ID {
		t.Errorf("the other unit's action is for unit %d, want %d", act.UnitID, other.ID)
	}
}

func orgUnit(code, name string, parent int64) org.Unit {
	return org.Unit{Code: code, Name: name, Kind: "課", ParentID: parent}
}

func orgPerson(no, name string, unit int64) org.Person {
	return org.Person{EmployeeNo: no, Name: name, Email: no + "@example.jp", UnitID: unit, Status: "active", JoinedOn: "2020-04-01"}
}

func orgAssign(person int64, role string, unit int64) org.Assignment {
	return org.Assignment{PersonID: person, RoleKey: role, UnitID: unit, StartsOn: "2024-04-01"}
}

// TestOutsideAuditorOverHTTP: through the API and the pages an outside
// auditor sees only the engagement they are on, not the other audit nor
// the plan.
func TestOutsideAuditorOverHTTP(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	srv, err := w.App.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	s := w.App.Audits
	chief, ciso := w.P(t, w.Chief), w.P(t, w.CISO)
	plan, _ := s.CreatePlan(ctx, chief, 2026, "", "")
	mine, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "総務課監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
		Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "監査室監査", UnitID: w.Auditors.ID, CatalogID: w.CatalogID,
		Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignAuditor(ctx, chief, mine.ID, w.X.ID, true, "2026-07-31"); err != nil {
		t.Fatal(err)
	}
	s.SubmitPlan(ctx, chief, plan.ID)
	s.ApprovePlan(ctx, ciso, plan.ID)
	x := w.P(t, w.X)
	get := func(path string) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		req = req.WithContext(authz.WithPrincipal(req.Context(), x))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	code, body := get("/api/v1/audits/engagements")
	if code != 200 || !strings.Contains(body, "総務課監査") || strings.Contains(body, "監査室監査") {
		t.Errorf("engagement list: %d %s", code, body)
	}
	if code, _ := get(fmt.Sprintf("/audits/engagements/%d", mine.ID)); code != 200 {
		t.Errorf("own engagement page: %d", code)
	}
	for _, p := range []string{fmt.Sprintf("/audits/engagements/%d", other.ID), fmt.Sprintf("/api/v1/audits/engagements/%d", other.ID),
		fmt.Sprintf("/audits/plans/%d", plan.ID), fmt.Sprintf("/audits/engagements/%d/oscal.json", other.ID)} {
		if code, _ := get(p); code != http.StatusNotFound && code != http.StatusForbidden {
			t.Errorf("%s: %d, want refused", p, code)
		}
	}
	if code, body := get("/audits"); code != 200 || strings.Contains(body, "監査室監査") || !strings.Contains(body, "総務課監査") {
		t.Errorf("audit index for the outside auditor: %d", code)
	}
}
