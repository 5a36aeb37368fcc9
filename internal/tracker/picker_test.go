package tracker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
	"kitei/internal/web"
	"kitei/internal/webui/webtest"
)

// TestOwnerPicker: the new-action and action pages offer the people of the
// action's unit, not the whole staff; anyone else is found by a GET search
// that keeps what was typed (at most org.OwnerChoices matches); a form
// may name the owner by employee number alone; a search text that names
// nobody or several people, or an unknown person, is refused with the
// matches to choose from and nothing is changed.
func TestOwnerPicker(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(a.Close)
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code, name string) org.Unit {
		u, err := a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "課"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	ua, ub := unit("A", "総務課"), unit("B", "情報課")
	person := func(no, name string, u org.Unit) org.Person {
		p, err := a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: name, UnitID: u.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	officer := person("A001", "総務 課長", ua)
	clerk := person("A002", "総務 係員", ua)
	var others []org.Person // more people in 情報課 than the picker offers
	for i := range org.OwnerChoices + 10 {
		others = append(others, person(fmt.Sprintf("B%03d", i), fmt.Sprintf("情報 職員%03d", i), ub))
	}
	p := &authz.Principal{PersonID: officer.ID, UnitPath: ua.Path, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: ua.Path},
		{Role: authz.RoleStaff, UnitPath: ua.Path}}}
	srv, err := web.New(a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	do := func(method, path string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		return webtest.Do(ctx, h, p, method, path, form)
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
	count := func() int {
		acts, err := a.Tracker.Followed(ctx, p, tracker.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(acts)
	}

	// The form offers the unit's people only.
	rec := do("GET", "/actions/new", nil)
	got := offered(rec.Body.String())
	if rec.Code != 200 || !got[id(officer)] || !got[id(clerk)] || got[id(others[0])] || !strings.Contains(rec.Body.String(), `name="owner_q"`) {
		t.Fatalf("/actions/new: %d, offers %v", rec.Code, got)
	}
	// A search keeps what was typed and offers the matches, at most OwnerChoices.
	rec = do("GET", "/actions/new?"+url.Values{"owner_q": {"B007"}, "title": {"台帳の整備"}, "unit": {fmt.Sprint(ua.ID)}, "due_on": {"2026-09-30"}}.Encode(), nil)
	body := rec.Body.String()
	if got = offered(body); rec.Code != 200 || !got[id(others[7])] || got[id(officer)] || !strings.Contains(body, `value="台帳の整備"`) || !strings.Contains(body, `value="2026-09-30"`) {
		t.Fatalf("search: %d, offers %v", rec.Code, got)
	}
	rec = do("GET", "/actions/new?owner_q=%E6%83%85%E5%A0%B1", nil) // 情報
	if n := len(offered(rec.Body.String())); n != org.OwnerChoices || !strings.Contains(rec.Body.String(), "絞り込んで") {
		t.Fatalf("a broad search offers %d", n)
	}

	// Refusals show the form again, with the matches, and file nothing.
	form := func(kv ...string) url.Values {
		v := url.Values{"kind": {"review"}, "unit": {fmt.Sprint(ua.ID)}, "title": {"台帳の整備"}, "due_on": {"2026-09-30"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, c := range []struct {
		form url.Values
		says string
	}{
		{form("owner", "999999"), "存在する職員"},
		{form(), "存在する職員"},
		{form("owner_q", "情報"), "複数います"},
		{form("owner_q", "Z999"), "在籍者はいません"},
	} {
		rec := do("POST", "/actions", c.form)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), c.says) || count() != 0 {
			t.Fatalf("%v: %d, %d actions filed", c.form, rec.Code, count())
		}
		if c.form.Get("owner_q") == "情報" && len(offered(rec.Body.String())) != org.OwnerChoices {
			t.Fatalf("the refusal does not offer the matches")
		}
	}
	// An employee number alone names the owner.
	rec = do("POST", "/actions", form("owner_q", "B012"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create by employee number: %d %s", rec.Code, rec.Body.String())
	}
	acts, err := a.Tracker.Followed(ctx, p, tracker.Filter{})
	if err != nil || len(acts) != 1 || acts[0].OwnerID != others[12].ID {
		t.Fatalf("filed %+v %v", acts, err)
	}
	act := acts[0]

	// The action page: the unit's people, a search, the owner kept unless chosen.
	path := fmt.Sprintf("/actions/%d", act.ID)
	rec = do("GET", path, nil)
	if got = offered(rec.Body.String()); rec.Code != 200 || !got[id(clerk)] || got[id(others[0])] || !strings.Contains(rec.Body.String(), "変更しない") {
		t.Fatalf("%s: %d, offers %v", path, rec.Code, got)
	}
	rec = do("GET", path+"?owner_q=B003&due_on=2026-10-31", nil)
	if got = offered(rec.Body.String()); !got[id(others[3])] || !strings.Contains(rec.Body.String(), `value="2026-10-31"`) {
		t.Fatalf("search on the action page offers %v", got)
	}
	owner := func() int64 {
		x, err := a.Tracker.Get(ctx, p, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x.OwnerID
	}
	for _, v := range []url.Values{{"owner": {"999999"}}, {"owner_q": {"情報"}}, {"owner_q": {"Z999"}}} {
		v.Set("due_on", "2026-09-30")
		if rec := do("POST", path+"/reassign", v); rec.Code != http.StatusUnprocessableEntity || owner() != others[12].ID {
			t.Fatalf("reassign %v: %d, owner %d", v, rec.Code, owner())
		}
	}
	if rec := do("POST", path+"/reassign", url.Values{"owner_q": {"A002"}, "due_on": {"2026-09-30"}}); rec.Code != http.StatusSeeOther || owner() != clerk.ID {
		t.Fatalf("reassign by employee number: %d, owner %d", rec.Code, owner())
	}
	if rec := do("POST", path+"/reassign", url.Values{"owner": {""}, "due_on": {"2026-10-31"}}); rec.Code != http.StatusSeeOther || owner() != clerk.ID {
		t.Fatalf("a new due date only: %d, owner %d", rec.Code, owner())
	}
	if rec := do("POST", path+"/reassign", url.Values{"owner": {id(officer)}, "due_on": {"2026-10-31"}}); rec.Code != http.StatusSeeOther || owner() != officer.ID {
		t.Fatalf("reassign to a choice: %d, owner %d", rec.Code, owner())
	}
}
