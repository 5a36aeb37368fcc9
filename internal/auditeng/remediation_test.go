package auditeng_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/store/storetest"
	"kitei/internal/webui/webtest"
)

// TestRemediationPage: the engagement page puts no owner list under its
// findings, only a link 「対処計画を登録」 to each finding's remediation page
// (the page's positions kept); that page offers the people of the audited
// unit (and below), not the whole staff, and a GET search that keeps what
// was typed (at most org.OwnerChoices matches); a search that names
// nobody or several people is refused (422) with the matches and files
// nothing; an employee number alone names the owner, and the filed action
// returns to the engagement page the link came from.
func TestRemediationPage(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	w := newWorld(t, db)
	s := w.App.Audits
	ciso, chief, officer := w.P(t, w.CISO), w.P(t, w.Chief), w.P(t, w.Officer)
	info, err := w.App.Org.CreateUnit(ctx, authz.System, orgUnit("J", "情報課", w.Audited.ParentID))
	if err != nil {
		t.Fatal(err)
	}
	var others []org.Person // more people in 情報課 than a picker offers
	for i := range org.OwnerChoices + 10 {
		p, err := w.App.Org.CreatePerson(ctx, authz.System, orgPerson(fmt.Sprintf("J%03d", i), fmt.Sprintf("情報 職員%03d", i), info.ID))
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, p)
	}
	e, err := s.OrderAdHoc(ctx, ciso, auditeng.Engagement{Title: "台帳の臨時監査", UnitID: w.Audited.ID, CatalogID: w.CatalogID,
		Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.Checklist(ctx, e)
	if err != nil || len(items) == 0 {
		t.Fatalf("checklist: %d %v", len(items), err)
	}
	var findings []auditeng.Finding
	for i := range 3 {
		f, err := s.AddFinding(ctx, chief, e.ID, auditeng.Finding{Ref: items[0].Ref, Severity: auditeng.Minor, Description: fmt.Sprintf("指摘 %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		findings = append(findings, f)
	}
	for _, it := range items {
		if _, err := s.SavePaper(ctx, chief, e.ID, it.Ref, auditeng.Conform, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SubmitReport(ctx, chief, e.ID, "指摘あり"); err != nil {
		t.Fatal(err)
	}

	srv, err := w.App.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	as := officer
	do := func(method, path string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		return webtest.Do(ctx, h, as, method, path, form)
	}
	option := regexp.MustCompile(`<option value="(\d+)"`)
	picker := regexp.MustCompile(`(?s)<select name="owner">.*?</select>`)
	offered := func(body string) map[string]bool {
		got := map[string]bool{}
		for _, m := range option.FindAllStringSubmatch(picker.FindString(body), -1) {
			got[m[1]] = true
		}
		return got
	}
	id := func(p org.Person) string { return fmt.Sprint(p.ID) }
	filed := func() int {
		v, err := s.Engagement(ctx, officer, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range v.Findings {
			n += len(f.Actions)
		}
		return n
	}

	// The engagement page: a link per finding, no owner list.
	engPath := fmt.Sprintf("/audits/engagements/%d", e.ID)
	fa := paging.Cursor{ID: findings[0].ID}.String() // the findings' second "page"
	rec := do("GET", engPath+"?findings_after="+fa, nil)
	body := rec.Body.String()
	newPath := fmt.Sprintf("%s/findings/%d/actions/new", engPath, findings[1].ID)
	if rec.Code != 200 || strings.Contains(body, `name="owner"`) || strings.Contains(body, "remediation-form") ||
		!strings.Contains(html.UnescapeString(body), newPath+"?findings_after="+fa) || strings.Count(body, "対処計画を登録") != 2 {
		t.Fatalf("engagement page: %d, owner select %v, links %d\n%s", rec.Code, strings.Contains(body, `name="owner"`), strings.Count(body, "対処計画を登録"), body)
	}

	// The remediation page offers the audited unit's people and a search.
	rec = do("GET", newPath+"?findings_after="+fa, nil)
	body = rec.Body.String()
	got := offered(body)
	if rec.Code != 200 || !got[id(w.Officer)] || !got[id(w.Owner)] || got[id(others[0])] || !strings.Contains(body, `name="owner_q"`) ||
		strings.Count(body, `class="stack panel remediation-form"`) != 1 || !strings.Contains(body, `name="findings_after" value="`+fa+`"`) ||
		!strings.Contains(body, "指摘 1") {
		t.Fatalf("%s: %d, offers %v\n%s", newPath, rec.Code, got, body)
	}
	// A search keeps what was typed and offers the matches, at most OwnerChoices.
	rec = do("GET", newPath+"?"+url.Values{"owner_q": {"J007"}, "title": {"台帳の整備"}, "due_on": {"2026-09-30"}}.Encode(), nil)
	body = rec.Body.String()
	if got = offered(body); rec.Code != 200 || !got[id(others[7])] || got[id(w.Owner)] || !strings.Contains(body, `value="台帳の整備"`) || !strings.Contains(body, `value="2026-09-30"`) {
		t.Fatalf("search: %d, offers %v", rec.Code, got)
	}
	rec = do("GET", newPath+"?owner_q=%E6%83%85%E5%A0%B1", nil) // 情報
	if n := len(offered(rec.Body.String())); n != org.OwnerChoices || !strings.Contains(rec.Body.String(), "絞り込んで") {
		t.Fatalf("a broad search offers %d", n)
	}
	// An unknown finding, or an engagement one may not respond to, has no form.
	if rec := do("GET", fmt.Sprintf("%s/findings/%d/actions/new", engPath, 999999), nil); rec.Code != http.StatusNotFound {
		t.Fatalf("an unknown finding: %d", rec.Code)
	}
	as = chief
	if rec := do("GET", newPath, nil); rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
		t.Fatalf("the chief auditor opens the remediation form: %d", rec.Code)
	}
	as = officer

	// Refusals show the form again, with the matches, and file nothing.
	postPath := strings.TrimSuffix(newPath, "/new")
	form := func(kv ...string) url.Values {
		v := url.Values{"title": {"台帳の整備"}, "due_on": {"2026-09-30"}, "findings_after": {fa}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, c := range []struct {
		form url.Values
		says string
	}{
		{form("owner_q", "情報"), "複数います"},
		{form("owner_q", "Z999"), "在籍者はいません"},
		{form(), "存在する職員"},
	} {
		rec := do("POST", postPath, c.form)
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, c.says) || filed() != 0 ||
			!strings.Contains(body, `value="台帳の整備"`) || !strings.Contains(body, `name="findings_after" value="`+fa+`"`) {
			t.Fatalf("%v: %d, %d actions filed\n%s", c.form, rec.Code, filed(), body)
		}
		if c.form.Get("owner_q") == "情報" && len(offered(body)) != org.OwnerChoices {
			t.Fatalf("the refusal does not offer the matches")
		}
	}
	// An employee number alone names the owner; back to the page the link came from.
	rec = do("POST", postPath, form("owner_q", "J012"))
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, engPath+"?") ||
		!strings.Contains(loc, "findings_after="+fa) || !strings.HasSuffix(loc, "#findings") {
		t.Fatalf("remediation by employee number: %d, back to %q\n%s", rec.Code, loc, rec.Body.String())
	}
	v, err := s.Engagement(ctx, officer, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acts := v.Findings[1].Actions; len(acts) != 1 || acts[0].OwnerID != others[12].ID || acts[0].UnitID != w.Audited.ID {
		t.Fatalf("filed %+v", acts)
	}
	// The owner chosen from the list.
	if rec := do("POST", postPath, form("owner", id(w.Owner))); rec.Code != http.StatusSeeOther || filed() != 2 {
		t.Fatalf("remediation by choice: %d, %d filed", rec.Code, filed())
	}
}
