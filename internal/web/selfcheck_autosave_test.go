package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
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
	do, c, item := autosaveEnv(t)
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

// TestAPIErrorsShareOneShape: the guard's 401 and 403, a 404 and a
// service's 422 all answer {error, key, message}, the message in the
// request's language, and the OpenAPI document describes that shape for
// every error status.
func TestAPIErrorsShareOneShape(t *testing.T) {
	do, c, item := autosaveEnv(t)
	for _, tc := range []struct {
		name, method, path, body string
		anonymous                bool
		status                   int
		code, key                string
	}{
		{"not signed in", "GET", "/api/v1/catalogs", "", true, 401, "unauthorized", "error.unauthorized"},
		{"no permission", "GET", fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/progress", c), "", false, 403, "forbidden", "error.forbidden.perm"},
		{"not found", "GET", "/api/v1/catalogs/999999", "", false, 404, "not_found", "catalog.err.catalog_id"},
		{"validation", "PUT", fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/answers/%d", c, item), `{"value":"no","comment":""}`, false, 422, "invalid", "selfcheck.err.needs_comment_saying_what_missing"},
		{"malformed", "PUT", fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/answers/%d", c, item), `{"value":`, false, 400, "bad_request", "error.json_body"},
	} {
		var cookie *http.Cookie
		if tc.anonymous {
			cookie = anonymous
		}
		code, body := do(tc.method, tc.path, tc.body, cookie)
		var e map[string]any
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
		msg, _ := e["message"].(string)
		if code != tc.status || len(e) != 3 || e["error"] != tc.code || e["key"] != tc.key || msg == "" || !japanese.MatchString(msg) {
			t.Errorf("%s: %d %s, want %d {error:%s key:%s message:(Japanese)}", tc.name, code, body, tc.status, tc.code, tc.key)
		}
	}
	// The document names the shape for each error status of every route.
	_, body := do("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		Paths      map[string]map[string]struct{ Responses map[string]any } `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required   []string       `json:"required"`
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	eb := doc.Components.Schemas["ErrorBody"]
	if len(eb.Properties) != 3 || eb.Properties["error"] == nil || eb.Properties["key"] == nil || eb.Properties["message"] == nil {
		t.Fatalf("ErrorBody schema: %+v", eb)
	}
	answerOp := doc.Paths["/api/v1/selfcheck/campaigns/{id}/answers/{item}"]["put"]
	for _, st := range []string{"400", "401", "403", "404", "409", "413", "422"} {
		if !strings.Contains(fmt.Sprint(answerOp.Responses[st]), "#/components/schemas/ErrorBody") {
			t.Errorf("PUT answers: response %s is not an ErrorBody: %v", st, answerOp.Responses[st])
		}
	}
}

var japanese = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)

// anonymous marks a request made without a principal.
var anonymous = &http.Cookie{Name: "anonymous"}

// autosaveEnv serves the pages and the API over a published campaign; do
// acts as a staff member who has a checklist (anonymously with the
// anonymous cookie).
func autosaveEnv(t *testing.T) (do func(method, path, body string, cookie *http.Cookie) (int, string), campaign, item int64) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	cat := catalog.NewService(db.Catalogs(), nil)
	svc := selfcheck.NewService(db.Selfchecks(), cat)
	t.Cleanup(svc.Close)
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
	h := srv.Handler()
	do = func(method, path, body string, cookie *http.Cookie) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if cookie == anonymous {
			cookie = nil
		} else {
			req = req.WithContext(authz.WithPrincipal(req.Context(), p))
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	return do, fx.CampaignID, fx.ItemIDs[0]
}
