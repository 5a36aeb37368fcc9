package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// Documents of our own: a standard in two editions and a derived policy.
const (
	xwStd1 = "2.1||体制|\n2.1(a)|2.1||最高情報セキュリティ責任者は、統括情報セキュリティ責任者を置くこと。\n" +
		"2.1(b)|2.1||統括情報セキュリティ責任者は、例外措置の審査手続を定めること。\n" +
		"2.2||教育|\n2.2(a)|2.2||統括情報セキュリティ責任者は、教育実施計画を策定すること。\n"
	xwStd2 = "2.1||体制|\n2.1(a)|2.1||最高情報セキュリティ責任者は、統括情報セキュリティ責任者を１人置くこと。\n" +
		"2.1(b)|2.1||統括情報セキュリティ責任者は、例外措置の審査手続を定めること。\n" +
		"2.2||教育|\n2.2(a)|2.2||統括情報セキュリティ責任者は、訓練を毎年実施すること。\n" +
		"2.2(b)|2.2||統括情報セキュリティ責任者は、教育実施計画を策定すること。\n"
	xwPolicy = "A||組織|\nA1|A||最高情報セキュリティ責任者は、研究所に統括情報セキュリティ責任者を置くこと。\n" +
		"A2|A||統括情報セキュリティ責任者は、研究所の教育実施計画を策定すること。\n"
)

func TestCrosswalkPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": testParser})
		xw := crosswalk.NewService(db.Crosswalk(), svc)
		authSvc, cookie := signedInAdmin(t)
		s, err := web.New(web.Deps{Store: db, Catalogs: svc, Crosswalk: xw, Audit: db.Audit(), Auth: authSvc,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", StoreName: "SQLite"})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(s.Handler())
		t.Cleanup(ts.Close)
		e := &env{db: db, svc: svc, srv: ts, cookie: cookie}
		ctx := t.Context()
		imp := func(name, doc string) int64 {
			r, err := svc.Import(ctx, catalog.ImportRequest{Name: name, SourceName: name + ".txt", Data: []byte(doc)})
			if err != nil {
				t.Fatal(err)
			}
			return r.Catalog.ID
		}
		std := imp("基準", xwStd1)
		pol := imp("方針", xwPolicy)
		S, P := strconv.FormatInt(std, 10), strconv.FormatInt(pol, 10)
		post := func(path string, form url.Values) *http.Response {
			t.Helper()
			req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cookie)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		noStyle := regexp.MustCompile(`\sstyle=`)

		resp, body := e.get(t, "/crosswalk")
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/crosswalk" aria-current="page"`) || !strings.Contains(body, "規程間の対応付け") {
			t.Fatalf("/crosswalk: %d\n%s", resp.StatusCode, body)
		}

		review := "/crosswalk/review?from=" + P + "&to=" + S
		resp, body = e.get(t, review)
		if resp.StatusCode != 200 {
			t.Fatalf("review: %d\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"研究所に統括情報セキュリティ責任者を置くこと", "例外措置の審査手続", `name="to_ref" value="2.1(a)"`,
			`action="/crosswalk/bulk"`, `list="xw-targets"`, "確認済みの対応付けがある要求事項: 0 / 2"} {
			if !strings.Contains(body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		if noStyle.MatchString(body) {
			t.Error("review page has a style attribute")
		}

		// Confirm a live suggestion, then pick another target by hand.
		back := review + "&page=1"
		resp = post("/crosswalk/links", url.Values{"from": {P}, "to": {S}, "from_ref": {"A1"}, "to_ref": {"2.1(a)"},
			"kind": {"derived-from"}, "status": {"confirmed"}, "score": {"0.5"}, "back": {back}})
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=1") {
			t.Fatalf("confirm: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := post("/crosswalk/links", url.Values{"from": {P}, "to": {S}, "from_ref": {"A2"}, "to_ref": {"2.1(b)"},
			"kind": {"related"}, "status": {"confirmed"}, "back": {back}}); resp.StatusCode != 303 {
			t.Fatalf("pick: %d", resp.StatusCode)
		}
		if resp := post("/crosswalk/links", url.Values{"from": {P}, "to": {S}, "from_ref": {"A2"}, "to_ref": {"9.9"},
			"status": {"confirmed"}}); resp.StatusCode != 404 {
			t.Errorf("pick unknown ref: %d", resp.StatusCode)
		}
		links, _ := xw.Links(ctx, crosswalk.Filter{Status: crosswalk.StatusConfirmed})
		if len(links) != 2 || links[0].ConfirmedBy != "tester" {
			t.Fatalf("confirmed links %+v", links)
		}
		// Reject the hand-picked one through its stored link.
		var picked int64
		for _, l := range links {
			if l.FromRef == "A2" {
				picked = l.ID
			}
		}
		if resp := post("/crosswalk/links/"+strconv.FormatInt(picked, 10), url.Values{"status": {"rejected"}, "note": {"別の趣旨"}, "back": {back}}); resp.StatusCode != 303 {
			t.Fatalf("reject: %d", resp.StatusCode)
		}
		_, body = e.get(t, back+"&done=1")
		if !strings.Contains(body, "対応付けを記録しました") || !strings.Contains(body, "却下") || !strings.Contains(body, "別の趣旨") {
			t.Errorf("review after decisions:\n%s", body)
		}
		// Bulk confirmation stores the suggestions and confirms the strong ones.
		resp = post("/crosswalk/bulk", url.Values{"from": {P}, "to": {S}, "min": {"0.01"}, "back": {back}})
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "bulk=") {
			t.Fatalf("bulk: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := post("/crosswalk/bulk", url.Values{"from": {P}, "to": {S}, "min": {"7"}}); resp.StatusCode != 400 {
			t.Errorf("bulk with a bad score: %d", resp.StatusCode)
		}

		// Gap report and its workbook.
		resp, body = e.get(t, "/crosswalk/gaps?parent="+S+"&child="+P)
		if resp.StatusCode != 200 || !strings.Contains(body, "未対応箇所の報告") || !strings.Contains(body, "gaps.xlsx?child=") {
			t.Fatalf("gaps: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.get(t, "/crosswalk/gaps.xlsx?parent="+S+"&child="+P)
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Errorf("gaps.xlsx: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp, _ := e.get(t, "/crosswalk/gaps?parent="+S+"&child="+P+"&suggested=2"); resp.StatusCode != 400 {
			t.Errorf("bad suggested score: %d", resp.StatusCode)
		}

		// A second edition, then the diff page with inline changes.
		if imp("基準", xwStd2) != std {
			t.Fatal("second edition went elsewhere")
		}
		resp, body = e.get(t, "/crosswalk/diff?old="+S+"@1&new="+S+"@2")
		if resp.StatusCode != 200 {
			t.Fatalf("diff: %d\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"<ins>１人</ins>", "追加 1、削除 0、変更 1、移動 1", "見直しが必要な派生規程の要求事項（2 件）", `/nodes/A1"`} {
			if !strings.Contains(body, want) {
				t.Errorf("diff page lacks %q", want)
			}
		}
		if noStyle.MatchString(body) {
			t.Error("diff page has a style attribute")
		}
		if resp, _ := e.get(t, "/crosswalk/diff?old="+S+"@1&new="+S+"@9"); resp.StatusCode != 404 {
			t.Errorf("unknown edition: %d", resp.StatusCode)
		}
		if resp, _ := e.get(t, "/crosswalk/review?from=x&to="+S); resp.StatusCode != 400 {
			t.Errorf("bad catalog arg: %d", resp.StatusCode)
		}
	})
}
