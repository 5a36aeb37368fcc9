package policy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestTemplateFormPages: the tailoring form offers the template's blanks
// and chapters; posting it as a browser would (each token with its value,
// every optional chapter listed and the kept ones ticked) creates a draft
// with the value everywhere and the unticked chapter gone; the draft,
// its edit page and the exports answer.
func TestTemplateFormPages(t *testing.T) {
	data := seed(t, "003_3404daed23a594b7.txt")
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	tmpl := w.importSeed(t, "サンプル規程", "003.txt", data)
	srv, err := web.New(w.a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	as := func(p *authz.Principal, method, path string, form url.Values) *httptest.ResponseRecorder {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		r := httptest.NewRequest(method, path, body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r = r.WithContext(authz.WithPrincipal(context.Background(), p))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	id := strconv.FormatInt(tmpl.Catalog.ID, 10)
	rec := as(w.chief, "GET", "/policies/new?origin=template&catalog="+id+"&name=x", nil)
	page := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(page, `name="token" value="当社"`) || !strings.Contains(page, `name="keep" value="11" checked`) {
		t.Fatalf("the tailoring form (%d) lacks the blanks or chapters", rec.Code)
	}
	if rec := as(w.staff[0], "GET", "/policies/new?origin=template&catalog="+id, nil); rec.Code != http.StatusForbidden {
		t.Errorf("staff opened the form: %d", rec.Code)
	}
	form := url.Values{"origin": {"template"}, "catalog": {id}, "name": {"関連規程"}, "title": {"情報セキュリティ関連規程"},
		"token": {"当社", "20yy.mm.dd", "○月"}, "value": {"株式会社みらい宇宙", "", "4 月"}, "drop_notes": {"1"}}
	for _, ch := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"} {
		form.Add("optional", ch)
		if ch != "11" {
			form.Add("keep", ch)
		}
	}
	rec = as(w.chief, "POST", "/policies", form)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/policies/1") {
		t.Fatalf("create: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	rec = as(w.chief, "GET", "/policies/1", nil)
	page = rec.Body.String()
	if rec.Code != 200 || !strings.Contains(page, "株式会社みらい宇宙") || strings.Contains(page, "当社") || !strings.Contains(page, "4 月に点検") ||
		!strings.Contains(page, "20yy.mm.dd") || strings.Contains(page, `id="n-11.1.1"`) || !strings.Contains(page, `id="n-10.1"`) {
		t.Errorf("the tailored draft page (%d) is wrong", rec.Code)
	}
	if rec := as(w.chief, "GET", "/policies/1/edit?ref=4.5", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "パスワードの設定") {
		t.Errorf("edit page: %d", rec.Code)
	}
	edit := url.Values{"op": {"reword"}, "ref": {"4.5"}, "title": {"パスワードの設定"}, "text": {"パスワードは14文字以上とする。"}, "requirement": {"1"}, "note": {"長さを変更"}}
	if rec := as(w.chief, "POST", "/policies/1/edit", edit); rec.Code != http.StatusSeeOther {
		t.Errorf("reword: %d %s", rec.Code, rec.Body.String())
	}
	if rec := as(w.ciso, "POST", "/policies/1/edit", edit); rec.Code != http.StatusForbidden {
		t.Errorf("the CISO edited the draft: %d", rec.Code)
	}
	if rec := as(w.chief, "GET", "/policies/1/export?format=docx&version=1", nil); rec.Code != http.StatusNotFound {
		t.Errorf("export of a version that does not exist: %d", rec.Code)
	}
	if rec := as(w.chief, "GET", "/policies/1/diff?old=parent&new=draft", nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a template document has no parent to diff against: %d", rec.Code)
	}
}
