package cli

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

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// The self-inspection routes in the authorization matrix point at a real
// campaign: published, with checklists in the principals' own unit (A1:
// personA1, whose person every principal acts as) and in the foreign
// unit B (personB), both answered. Routes that change a campaign's make-up
// (items, publish, close) point at a second, draft campaign so they cannot
// disturb the first. Routes taking a unit (drill-down, export, reminders)
// name A1 or B, so a unit-scoped officer must be refused B.
// TestSelfcheckScopeMatrix then reads every self-inspection page and API
// answer as every role and checks that nothing of unit B or of personB's
// checklist shows where the role does not reach B.

type scFixture struct {
	published, draft int64
	itemA1           int64 // an item on every staff member's checklist
	draftItem        int64 // an item of the draft campaign
	catalog          int64 // the rulebook the campaigns' items come from
	commentB         string
}

const scMatrixRulebook = `第２部　基本対策
２．１．１　アカウント
目的・趣旨
アカウントを守る。
遵守事項
（１）　パスワード
（ａ）　職員等は、パスワードを適切に管理すること。
（ｂ）　課室情報セキュリティ責任者は、職員等の教育を実施すること。
`

func buildSelfcheckFixture(t *testing.T, deps web.Deps, f *fixture) scFixture {
	t.Helper()
	var sf scFixture
	svc := deps.Selfcheck
	if svc == nil {
		return sf
	}
	ctx := context.Background()
	res, err := deps.Catalogs.Import(ctx, catalog.ImportRequest{Name: "点検規程", SourceName: "sc.txt", Data: []byte(scMatrixRulebook)})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string) int64 {
		c, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: name, FiscalYear: 2026, OpensOn: "2000-01-01", ClosesOn: "2199-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddItems(ctx, c.ID, res.Edition.ID, nil); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	sf.published, sf.draft = mk("点検"), mk("準備中の点検")
	sf.catalog = res.Catalog.ID
	items, err := svc.Items(ctx, sf.draft)
	if err != nil || len(items) == 0 {
		t.Fatalf("draft campaign without items (%v)", err)
	}
	sf.draftItem = items[0].ID
	if _, err := svc.Publish(ctx, sf.published, svc.Today()); err != nil {
		t.Fatal(err)
	}
	sf.commentB = "B課の秘密の回答"
	for _, p := range []struct {
		person  int64
		comment string
	}{{f.personA1.ID, "A1の回答"}, {f.personB.ID, sf.commentB}} {
		v, err := svc.MyChecklist(ctx, sf.published, p.person)
		if err != nil {
			t.Fatal(err)
		}
		sf.itemA1 = v.Items[0].ID
		for _, it := range v.Items {
			if _, err := svc.SaveAnswer(ctx, sf.published, p.person, it.ID, selfcheck.Partial, p.comment); err != nil {
				t.Fatal(err)
			}
		}
	}
	return sf
}

// scUnit points a route at the published campaign and a unit: A1 (own) or B.
func scUnit(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		u := f.unitB
		if own {
			u = f.unitA1
		}
		return scPath(format, f.sc.published, f.sc.itemA1, u.ID), u.Path
	})
}

// scPublished and scDraft point a route at one of the campaigns (and the
// item every staff member answers).
func scPublished(format string) target {
	return at(func(f *fixture, _ bool) (string, string) { return scPath(format, f.sc.published, f.sc.itemA1), "" })
}

func scDraft(format string) target {
	return at(func(f *fixture, _ bool) (string, string) { return scPath(format, f.sc.draft, f.sc.draftItem), "" })
}

// scPath fills the %d of format with as many of ids as it has.
func scPath(format string, ids ...int64) string {
	args := make([]any, strings.Count(format, "%d"))
	for i := range args {
		args[i] = ids[i]
	}
	return fmt.Sprintf(format, args...)
}

func init() {
	for pattern, tgt := range map[string]target{
		"GET /selfcheck":                fixed("/selfcheck").needs(authz.SelfcheckAnswer),
		"POST /selfcheck/campaigns":     fixed("/selfcheck/campaigns").needs(authz.SelfcheckAdmin),
		"GET /selfcheck/campaigns/{id}": scPublished("/selfcheck/campaigns/%d").needs(authz.SelfcheckFollow),
		"POST /selfcheck/campaigns/{id}/items": scDraft("/selfcheck/campaigns/%d/items").needs(authz.SelfcheckAdmin).
			sends(func(f *fixture, _ bool) string { return url.Values{"catalog": {fmt.Sprint(f.sc.catalog)}}.Encode() }),
		"POST /selfcheck/campaigns/{id}/items/{item}": scDraft("/selfcheck/campaigns/%d/items/%d").needs(authz.SelfcheckAdmin).
			sends(form(url.Values{"question": {"パスワードを管理していますか。"}, "roles": {authz.RoleStaff}})),
		"POST /selfcheck/campaigns/{id}/publish": scDraft("/selfcheck/campaigns/%d/publish?day=bad").needs(authz.SelfcheckAdmin),
		"POST /selfcheck/campaigns/{id}/assign": scDraft("/selfcheck/campaigns/%d/assign").needs(authz.SelfcheckAdmin).
			sends(form(url.Values{"role": {"no_such_role"}})),
		"POST /selfcheck/campaigns/{id}/close":      scDraft("/selfcheck/campaigns/%d/close").needs(authz.SelfcheckAdmin),
		"POST /selfcheck/campaigns/{id}/remind":     scUnit("/selfcheck/campaigns/%d/remind?item=%d&unit=%d").needs(authz.SelfcheckFollow),
		"GET /selfcheck/campaigns/{id}/my":          scPublished("/selfcheck/campaigns/%d/my").needs(authz.SelfcheckAnswer),
		"POST /selfcheck/campaigns/{id}/my/submit":  scPublished("/selfcheck/campaigns/%d/my/submit").needs(authz.SelfcheckAnswer),
		"POST /selfcheck/campaigns/{id}/my/{item}":  scPublished("/selfcheck/campaigns/%d/my/%d").needs(authz.SelfcheckAnswer),
		"GET /selfcheck/campaigns/{id}/results":     scUnit("/selfcheck/campaigns/%d/results?item=%d&unit=%d").needs(authz.SelfcheckFollow),
		"POST /selfcheck/campaigns/{id}/actions":    scPublished("/selfcheck/campaigns/%d/actions").needs(authz.SelfcheckAdmin),
		"GET /selfcheck/campaigns/{id}/export.xlsx": scUnit("/selfcheck/campaigns/%d/export.xlsx?item=%d&unit=%d").needs(authz.SelfcheckFollow),
		// The summary covers the whole organisation.
		"GET /selfcheck/campaigns/{id}/summary": scPublished("/selfcheck/campaigns/%d/summary").needs(authz.SelfcheckFollow).
			wants(func(p *authz.Principal, _ *fixture, _ bool) bool {
				return p.Can(authz.SelfcheckAdmin) || p.Scope(authz.SelfcheckFollow).All
			}),
		"GET /api/v1/selfcheck/campaigns":             fixed("/api/v1/selfcheck/campaigns").needs(authz.SelfcheckFollow),
		"POST /api/v1/selfcheck/campaigns":            fixed("/api/v1/selfcheck/campaigns").needs(authz.SelfcheckAdmin),
		"GET /api/v1/selfcheck/campaigns/{id}":        scPublished("/api/v1/selfcheck/campaigns/%d").needs(authz.SelfcheckFollow),
		"GET /api/v1/selfcheck/campaigns/{id}/items":  scPublished("/api/v1/selfcheck/campaigns/%d/items").needs(authz.SelfcheckFollow),
		"POST /api/v1/selfcheck/campaigns/{id}/items": scDraft("/api/v1/selfcheck/campaigns/%d/items").needs(authz.SelfcheckAdmin),
		"PATCH /api/v1/selfcheck/campaigns/{id}/items/{item}": scDraft("/api/v1/selfcheck/campaigns/%d/items/%d").needs(authz.SelfcheckAdmin).
			sends(jsonBody(`{"question":"パスワードを管理していますか。","roles":["staff"]}`)),
		"POST /api/v1/selfcheck/campaigns/{id}/publish": scDraft("/api/v1/selfcheck/campaigns/%d/publish").needs(authz.SelfcheckAdmin),
		"POST /api/v1/selfcheck/campaigns/{id}/close":   scDraft("/api/v1/selfcheck/campaigns/%d/close").needs(authz.SelfcheckAdmin),
		"GET /api/v1/selfcheck/my":                      fixed("/api/v1/selfcheck/my").needs(authz.SelfcheckAnswer),
		"GET /api/v1/selfcheck/campaigns/{id}/my":       scPublished("/api/v1/selfcheck/campaigns/%d/my").needs(authz.SelfcheckAnswer),
		"PUT /api/v1/selfcheck/campaigns/{id}/answers/{item}": scPublished("/api/v1/selfcheck/campaigns/%d/answers/%d").needs(authz.SelfcheckAnswer).
			sends(jsonBody(`{"value":"partial","comment":"A1の回答"}`)),
		"POST /api/v1/selfcheck/campaigns/{id}/submit":      scPublished("/api/v1/selfcheck/campaigns/%d/submit").needs(authz.SelfcheckAnswer),
		"GET /api/v1/selfcheck/campaigns/{id}/progress":     scPublished("/api/v1/selfcheck/campaigns/%d/progress").needs(authz.SelfcheckFollow),
		"GET /api/v1/selfcheck/campaigns/{id}/rollup":       scPublished("/api/v1/selfcheck/campaigns/%d/rollup").needs(authz.SelfcheckFollow),
		"GET /api/v1/selfcheck/campaigns/{id}/rollup/items": scPublished("/api/v1/selfcheck/campaigns/%d/rollup/items").needs(authz.SelfcheckFollow),
		"POST /api/v1/selfcheck/campaigns/{id}/remind":      scPublished("/api/v1/selfcheck/campaigns/%d/remind").needs(authz.SelfcheckFollow),
	} {
		targets[pattern] = tgt
	}
}

// TestSelfcheckScopeMatrix (on every engine) reads the self-inspection pages and API answers
// that list units, people or answers, as every built-in role acting as
// personA1 of unit A1: where the role does not reach unit B, nothing of B
// (its name, personB's name, personB's comment) may show; and personB's
// comment never shows on anyone's own checklist.
func TestSelfcheckScopeMatrix(t *testing.T) {
	storetest.Engines(t, testSelfcheckScopeMatrix)
}

func testSelfcheckScopeMatrix(t *testing.T, db *store.DB) {
	deps := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil))).WebDeps(app.WebOptions{})
	srv, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	f := buildFixture(t, db, deps)
	if f.sc.published == 0 {
		t.Fatal("no self-inspection fixture")
	}
	h := srv.Handler()
	get := func(p *authz.Principal, path string) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		req = req.WithContext(authz.WithPrincipal(req.Context(), p))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	c := f.sc.published
	listing := []string{
		fmt.Sprintf("/selfcheck/campaigns/%d", c),
		fmt.Sprintf("/selfcheck/campaigns/%d/results", c),
		fmt.Sprintf("/selfcheck/campaigns/%d/results?level=0", c),
		fmt.Sprintf("/selfcheck/campaigns/%d/results?item=%d&unit=%d", c, f.sc.itemA1, f.unitA1.ID),
		fmt.Sprintf("/selfcheck/campaigns/%d/results?item=%d&unit=%d", c, f.sc.itemA1, f.unitA.ID),
		fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/progress", c),
		fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/rollup", c),
		fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/rollup?level=0", c),
		fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/rollup/items", c),
		fmt.Sprintf("/selfcheck/campaigns/%d/results?item=%d", c, f.sc.itemA1),
	}
	own := []string{
		"/selfcheck",
		fmt.Sprintf("/selfcheck/campaigns/%d/my", c),
		"/api/v1/selfcheck/my",
		fmt.Sprintf("/api/v1/selfcheck/campaigns/%d/my", c),
	}
	foreign := []string{f.unitB.Name, f.personB.Name, f.sc.commentB}
	checked, refusedB := 0, 0
	for _, role := range authz.Builtin {
		p := principalFor(role, f)
		reachesB := p.CanIn(authz.SelfcheckFollow, f.unitB.Path)
		for _, path := range listing {
			code, body := get(p, path)
			if code >= 500 {
				t.Errorf("%s as %s: %d", path, role.Key, code)
			}
			if code != http.StatusOK || reachesB {
				continue
			}
			checked++
			for _, s := range foreign {
				if strings.Contains(body, s) {
					t.Errorf("%s as %s (scope A1) shows %q of unit B", path, role.Key, s)
				}
			}
		}
		for _, path := range own {
			code, body := get(p, path)
			if code != http.StatusOK {
				t.Errorf("%s as %s: %d (every person answers their own checklist)", path, role.Key, code)
				continue
			}
			checked++
			if strings.Contains(body, f.sc.commentB) {
				t.Errorf("%s as %s shows personB's answer", path, role.Key)
			}
			if strings.Contains(path, "/campaigns/") && !strings.Contains(body, "A1の回答") {
				t.Errorf("%s as %s does not show the person's own answer", path, role.Key)
			}
		}
		if !reachesB && p.Can(authz.SelfcheckFollow) {
			// Asking for B by name is refused, not answered empty.
			for _, path := range []string{
				fmt.Sprintf("/selfcheck/campaigns/%d/results?item=%d&unit=%d", c, f.sc.itemA1, f.unitB.ID),
				fmt.Sprintf("/selfcheck/campaigns/%d/export.xlsx?unit=%d", c, f.unitB.ID),
			} {
				if code, _ := get(p, path); code != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", path, role.Key, code)
				}
				refusedB++
			}
		}
	}
	if checked < 50 || refusedB == 0 {
		t.Fatalf("only %d scoped reads and %d refusals checked", checked, refusedB)
	}
	t.Logf("%d scoped reads, %d refusals of unit B", checked, refusedB)
}
