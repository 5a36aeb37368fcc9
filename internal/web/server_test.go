package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// testParser reads "REF|PARENT|TITLE|TEXT" lines.
func testParser(data []byte) (*catalog.Parsed, error) {
	p := &catalog.Parsed{Format: "jptext", Style: "test"}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(l, "|", 4)
		if len(f) != 4 {
			return nil, errors.New("bad line")
		}
		p.Nodes = append(p.Nodes, catalog.Node{Ref: f[0], Parent: f[1], Title: f[2], Text: f[3], Kind: catalog.KindItem,
			Requirement: f[3] != ""})
	}
	return p, nil
}

const testDoc = "1.1||総則|\n1.1(1)|1.1|例外措置|統括情報セキュリティ責任者は、例外措置の手続を定めること。\n1.1(2)|1.1||<script>alert(1)</script>を置かないこと。\n"

type env struct {
	db     *store.DB
	svc    *catalog.Service
	srv    *httptest.Server
	cookie *http.Cookie // the signed-in session sent with every request
}

func newEnv(t *testing.T, pinger web.Pinger) *env {
	t.Helper()
	db := storetest.SQLite(t)
	svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": testParser})
	if pinger == nil {
		pinger = db
	}
	authSvc, cookie := signedInAdmin(t)
	s, err := web.New(web.Deps{Store: pinger, Catalogs: svc, Auth: authSvc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", StoreName: "SQLite"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &env{db: db, svc: svc, srv: ts, cookie: cookie}
}

// session returns h with the signed-in session cookie added.
func (e *env) session(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		out[k] = v
	}
	out.Add("Cookie", e.cookie.String())
	return out
}

func (e *env) get(t *testing.T, path string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if e.cookie != nil {
		req.AddCookie(e.cookie)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type failingPinger struct{}

func (failingPinger) Ping(context.Context) error { return errors.New("down") }

func TestHealthz(t *testing.T) {
	e := newEnv(t, nil)
	if resp, body := e.get(t, "/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("healthz = %d %q", resp.StatusCode, body)
	}
	down := newEnv(t, failingPinger{})
	if resp, _ := down.get(t, "/healthz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz with store down = %d, want 503", resp.StatusCode)
	}
}

func TestHomeJapaneseAndEnglish(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="ja">`) || !strings.Contains(body, "規程カタログ") {
		t.Fatalf("home is not Japanese: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(t, "/?lang=en")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Catalogs") {
		t.Fatalf("?lang=en is not English:\n%s", body)
	}
	// The switch sets a cookie and returns to the page.
	resp, _ = e.get(t, "/lang/en?next=/catalogs")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalogs" {
		t.Fatalf("switch = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var lang *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "kitei_lang" {
			lang = c
		}
	}
	if lang == nil || lang.Value != "en" || !lang.HttpOnly || lang.SameSite != http.SameSiteLaxMode {
		t.Fatalf("language cookie = %+v", lang)
	}
	if _, body = e.get(t, "/catalogs", lang); !strings.Contains(body, `<html lang="en">`) {
		t.Fatal("cookie does not keep English")
	}
	// Only local paths are followed.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		resp, _ = e.get(t, "/lang/ja?next="+next)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%s redirected to %q", next, loc)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/", "/catalogs", "/nope", "/static/app.css"} {
		resp, _ := e.get(t, path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.svc.Import(context.Background(), catalog.ImportRequest{SourceName: "t.txt", Data: []byte(testDoc)}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/catalogs", "/catalogs/1", "/catalogs/1/nodes/1.1(1)", "/search?q=例外"} {
		_, body := e.get(t, path)
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "onclick") {
			t.Errorf("%s has inline script or style", path)
		}
	}
}

func TestCatalogPages(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.svc.Import(context.Background(), catalog.ImportRequest{SourceName: "規程.txt", Data: []byte(testDoc)}); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(t, "/catalogs")
	if !strings.Contains(body, `href="/catalogs/1"`) || !strings.Contains(body, "規程") {
		t.Fatalf("list:\n%s", body)
	}
	_, body = e.get(t, "/catalogs/1")
	if !strings.Contains(body, "<details") || !strings.Contains(body, "1.1(1)") || !strings.Contains(body, "要件 2") {
		t.Fatalf("tree:\n%s", body)
	}
	resp, body := e.get(t, "/catalogs/1/nodes/1.1(1)")
	if resp.StatusCode != 200 || !strings.Contains(body, "統括情報セキュリティ責任者は、例外措置の手続を定めること。") {
		t.Fatalf("node page %d:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `href="/catalogs/1/nodes/1.1"`) {
		t.Errorf("node page lacks breadcrumb to parent")
	}
	// Text is escaped, never interpreted.
	_, body = e.get(t, "/catalogs/1/nodes/1.1(2)")
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("node text not escaped")
	}
	for _, path := range []string{"/catalogs/99", "/catalogs/abc", "/catalogs/1/nodes/9.9", "/catalogs/1?edition=7"} {
		if resp, _ := e.get(t, path); resp.StatusCode != 404 {
			t.Errorf("%s = %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestSearchPageHighlights(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.svc.Import(context.Background(), catalog.ImportRequest{SourceName: "規程.txt", Data: []byte(testDoc)}); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(t, "/search?q=例外措置")
	if !strings.Contains(body, "<mark>例外措置</mark>") || !strings.Contains(body, "1 件見つかりました") {
		t.Fatalf("search page:\n%s", body)
	}
	_, body = e.get(t, "/search?q=存在しない語")
	if !strings.Contains(body, "該当する条文はありません") {
		t.Fatal("no-hit message missing")
	}
	if resp, _ := e.get(t, "/search?q="+strings.Repeat("あ", 300)); resp.StatusCode != 400 {
		t.Fatalf("overlong query = %d", resp.StatusCode)
	}
}

func upload(t *testing.T, url, name string, data []byte, header http.Header) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.WriteField("name", "")
	mw.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestCatalogUpload(t *testing.T) {
	e := newEnv(t, nil)
	resp := upload(t, e.srv.URL+"/catalogs", "規程.txt", []byte(testDoc), e.session(nil))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/catalogs/1?imported=1") {
		t.Fatalf("upload = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A bad file is refused with a message and nothing is stored.
	resp = upload(t, e.srv.URL+"/catalogs", "bad.txt", []byte("no|structure"), e.session(nil))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad upload = %d", resp.StatusCode)
	}
	cats, _ := e.svc.List(context.Background())
	if len(cats) != 1 {
		t.Fatalf("catalogs = %d", len(cats))
	}
}

func TestCrossOriginWriteRefused(t *testing.T) {
	e := newEnv(t, nil)
	h := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	resp := upload(t, e.srv.URL+"/catalogs", "規程.txt", []byte(testDoc), e.session(h))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	if cats, _ := e.svc.List(context.Background()); len(cats) != 0 {
		t.Fatal("cross-site POST changed the store")
	}
}
