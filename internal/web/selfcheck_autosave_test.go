package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/i18n"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestAutosaveRefusalInPageLanguage: the checklist's autosave asks the
// API in the page's language, and the API answers the service's refusal
// in that language in the one JSON error shape.
func TestAutosaveRefusalInPageLanguage(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	cat := catalog.NewService(db.Catalogs(), nil)
	svc := selfcheck.NewService(db.Selfchecks(), cat)
	defer svc.Close()
	fx, err := bench.Generate(ctx, db, svc, bench.FixtureOptions{People: 20, Items: 3, PerUnit: 20})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(withAPI(web.Deps{Store: db, Catalogs: cat, Selfcheck: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	staff := fx.People[5]
	p := &authz.Principal{PersonID: staff.ID, Login: "s", Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: staff.UnitPath}}}
	do := func(method, path, body string, cookie *http.Cookie) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req.WithContext(authz.WithPrincipal(req.Context(), p)))
		return rec.Code, rec.Body.String()
	}
	c, item := fx.CampaignID, fx.ItemIDs[0]
	// The page's autosave URL carries its language.
	for lang, page := range map[string]string{"ja": "", "en": "?lang=en"} {
		code, body := do("GET", fmt.Sprintf("/selfcheck/campaigns/%d/my%s", c, page), "", nil)
		want := fmt.Sprintf(`data-autosave="/api/v1/selfcheck/campaigns/%d/answers/%d?lang=%s"`, c, item, lang)
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("checklist (%s): %d, lacks %s", lang, code, want)
		}
	}
	answer := fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/answers/%d", c, item)
	for _, tc := range []struct {
		name, query string
		cookie      *http.Cookie
		want        string
	}{
		{"Japanese page", "?lang=ja", nil, "「一部実施」の場合は、不足している点と今後の予定をコメントに書いてください。"},
		{"no language: Japanese", "", nil, "「一部実施」の場合は"},
		{"English page", "?lang=en", nil, "Partly implemented"},
		{"English cookie", "", &http.Cookie{Name: i18n.CookieName, Value: "en"}, "Partly implemented"},
	} {
		code, body := do("PUT", answer+tc.query, `{"value":"partial","comment":""}`, tc.cookie)
		var e map[string]string
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
		if code != http.StatusUnprocessableEntity || e["error"] != "invalid" || e["key"] != "selfcheck.err.needs_comment_saying_what_missing" ||
			!strings.Contains(e["message"], tc.want) {
			t.Errorf("%s: %d %v, want 422 with %q", tc.name, code, e, tc.want)
		}
	}
	// With the comment the same answer is saved.
	if code, body := do("PUT", answer+"?lang=ja", `{"value":"partial","comment":"掲示は済み"}`, nil); code != 200 {
		t.Fatalf("save: %d %s", code, body)
	}
}
