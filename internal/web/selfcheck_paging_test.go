package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
	"kitei/internal/web"
)

// pagingEnv is the whole application over a generated organisation with a
// published campaign, and a way to read pages as someone.
type pagingEnv struct {
	a   *app.App
	fx  *bench.Fixture
	h   http.Handler
	t   *testing.T
	ctx context.Context
}

func newPagingEnv(t *testing.T, o bench.FixtureOptions) *pagingEnv {
	t.Helper()
	db := storetest.SQLite(t)
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(a.Selfcheck.Close)
	ctx := context.Background()
	fx, err := bench.Generate(ctx, db, a.Selfcheck, o)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	return &pagingEnv{a: a, fx: fx, h: srv.Handler(), t: t, ctx: ctx}
}

// do sends a request as p and returns the status, the Location and the body.
func (e *pagingEnv) do(p *authz.Principal, method, path string, form url.Values) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	path, _, _ = strings.Cut(path, "#") // browsers keep the fragment to themselves
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req = req.WithContext(authz.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Location"), rec.Body.String()
}

// get reads a page that must answer 200 and stay under limit bytes.
func (e *pagingEnv) get(p *authz.Principal, path string, limit int) string {
	e.t.Helper()
	code, _, body := e.do(p, "GET", path, nil)
	if code != http.StatusOK {
		e.t.Fatalf("GET %s: %d", path, code)
	}
	if len(body) > limit {
		e.t.Fatalf("GET %s: %d bytes, over %d", path, len(body), limit)
	}
	return body
}

func (e *pagingEnv) office() *authz.Principal {
	return &authz.Principal{PersonID: e.fx.ChiefISO, Login: "office", Grants: []authz.Grant{{Role: authz.RoleChiefISO}, {Role: authz.RoleStaff}}}
}

func (e *pagingEnv) person(i int) *authz.Principal {
	p := e.fx.People[i]
	return &authz.Principal{PersonID: p.ID, Login: "p" + strconv.Itoa(i), Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: p.UnitPath}}}
}

var relNext = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// nextLink is the href of the rel="next" link of the list whose heading
// is #anchor (a page may hold several paged lists).
func nextLink(body, anchor string) string {
	for _, m := range relNext.FindAllStringSubmatch(body, -1) {
		if href := html.UnescapeString(m[1]); strings.HasSuffix(href, "#"+anchor) {
			return href
		}
	}
	return ""
}

// walkPages follows the rel="next" links of the list whose heading is
// #anchor from path, collecting what find picks on each page; every page
// stays under limit bytes.
func (e *pagingEnv) walkPages(p *authz.Principal, path, anchor string, limit int, find func(body string) []string) (all []string, pages int) {
	e.t.Helper()
	for path != "" {
		if pages++; pages > 100 {
			e.t.Fatalf("%s: no end", path)
		}
		body := e.get(p, path, limit)
		all = append(all, find(body)...)
		path = nextLink(body, anchor)
	}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s] {
			e.t.Fatalf("%s shown on two pages of #%s", s, anchor)
		}
		seen[s] = true
	}
	return all, pages
}

func matches(re *regexp.Regexp) func(string) []string {
	return func(body string) []string {
		var out []string
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
}

var (
	progressUnit = regexp.MustCompile(`<td class="depth-\d+">([^<]+)</td>`)
	itemRow      = regexp.MustCompile(`<tr id="item-(\d+)"`)
	checklistLi  = regexp.MustCompile(`<li id="item-(\d+)" class="sc-item`)
	rollupRow    = regexp.MustCompile(`<tr><td>([^<]+)</td><td class="num">`)
	weakRow      = regexp.MustCompile(`href="[^"]*item=(\d+)[^"]*#drill"`)
	drillRow     = regexp.MustCompile(`<span class="muted small">([^<]+)</span></td><td>`)
)

// TestCampaignPagesStaySmall: at 2,000 people in 100 課 answering 60
// items, the campaign page, its results and a checklist are read a page
// at a time; following the pages shows every unit, item and answer once,
// and every page stays small.
func TestCampaignPagesStaySmall(t *testing.T) {
	e := newPagingEnv(t, bench.FixtureOptions{People: 2000, Items: 60, PerUnit: 20})
	fx, svc := e.fx, e.a.Selfcheck
	for i, p := range fx.People {
		if i%3 != 0 {
			continue
		}
		for j, it := range fx.ItemIDs[:10] {
			if _, err := svc.SaveAnswer(e.ctx, fx.CampaignID, p.ID, it, bench.AnswerValue(i, j), "理由"); err != nil {
				t.Fatal(err)
			}
		}
	}
	base := fmt.Sprintf("/selfcheck/campaigns/%d", fx.CampaignID)
	office := e.office()
	const pageBound = 80 << 10

	// Progress by unit: every unit once, 50 a page.
	units, pages := e.walkPages(office, base, "progress", pageBound, matches(progressUnit))
	if len(units) != fx.Units || pages != 3 {
		t.Errorf("progress: %d units on %d pages, want %d on 3", len(units), pages, fx.Units)
	}
	// Items: every item once, in order.
	items, pages := e.walkPages(office, base, "items", pageBound, matches(itemRow))
	var want []string
	for _, id := range fx.ItemIDs {
		want = append(want, strconv.FormatInt(id, 10))
	}
	if !slices.Equal(items, want) || pages != 2 {
		t.Errorf("items on %d pages: %v, want %v", pages, items, want)
	}
	// The total counts every checklist, on every page.
	first := e.get(office, base, pageBound)
	total := regexp.MustCompile(`<tr class="total"><td>[^<]+</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`)
	m := total.FindStringSubmatch(first)
	if m == nil {
		t.Fatal("no total row")
	}
	n := 0
	for _, s := range m[1:] {
		k, _ := strconv.Atoi(s)
		n += k
	}
	if n != len(fx.People) {
		t.Errorf("total counts %d checklists, want %d", n, len(fx.People))
	}
	// An officer reads their 課 only: one row, a small page.
	var officer *authz.Principal
	for i, p := range fx.People {
		if fx.Officers[p.UnitID] == p.ID {
			officer = e.person(i)
			officer.Grants = append(officer.Grants, authz.Grant{Role: authz.RoleDivisionISO, UnitPath: p.UnitPath})
			break
		}
	}
	if rows := matches(progressUnit)(e.get(officer, base, 30<<10)); len(rows) != 1 {
		t.Errorf("officer's progress: %v", rows)
	}
	// Cursors that are none are refused.
	for _, q := range []string{"?units_after=%25", "?items_after=bm9wZQ", "/results?after=!!", "/results?weak_after=x",
		fmt.Sprintf("/results?item=%d&drill_after=-", fx.ItemIDs[0]), "/my?after=zz"} {
		if code, _, _ := e.do(office, "GET", base+q, nil); code != http.StatusBadRequest {
			t.Errorf("GET %s%s: %d, want 400", base, q, code)
		}
	}

	// One item's form at a time; saving returns to the page it was on and
	// keeps the roles of a published campaign.
	second := nextLink(first, "items")
	body := e.get(office, second, pageBound)
	if strings.Contains(body, `name="question"`) {
		t.Error("item forms on the page before one is opened")
	}
	item := fx.ItemIDs[55]
	editURL := html.UnescapeString(regexp.MustCompile(`href="([^"]*edit=` + strconv.FormatInt(item, 10) + `[^"]*)"`).FindStringSubmatch(body)[1])
	body = e.get(office, editURL, pageBound)
	if strings.Count(body, `name="question"`) != 1 || !strings.Contains(body, `<tr id="item-`+strconv.FormatInt(item, 10)+`" class="editing">`) {
		t.Fatalf("edit form of item %d not open on %s", item, editURL)
	}
	cursor := regexp.MustCompile(`name="items_after" value="([^"]+)"`).FindStringSubmatch(body)
	if cursor == nil {
		t.Fatal("the item form does not keep its page")
	}
	code, loc, _ := e.do(office, "POST", fmt.Sprintf("%s/items/%d", base, item), url.Values{"question": {"平易な問い"}, "items_after": {html.UnescapeString(cursor[1])}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "items_after=") || !strings.HasSuffix(loc, fmt.Sprintf("#item-%d", item)) {
		t.Fatalf("save item: %d %s", code, loc)
	}
	if it, err := svc.Item(e.ctx, fx.CampaignID, item); err != nil || it.Question != "平易な問い" || len(it.Roles) != 1 {
		t.Fatalf("item after the save: %+v %v", it, err)
	}

	// Results: unit rows, weak items and the drill-down are paged.
	res := base + "/results"
	rows, pages := e.walkPages(office, res, "rollup", pageBound, matches(rollupRow))
	if len(rows) != 100 || pages != 4 {
		t.Errorf("roll-up: %d unit rows on %d pages, want the 100 課 on 4", len(rows), pages)
	}
	weak, _ := e.walkPages(office, res, "weak", pageBound, matches(weakRow))
	if len(weak) != len(fx.ItemIDs) {
		t.Errorf("weak items: %d of %d", len(weak), len(fx.ItemIDs))
	}
	drill, pages := e.walkPages(office, fmt.Sprintf("%s?item=%d", res, fx.ItemIDs[0]), "drill", pageBound, matches(drillRow))
	if len(drill) != (len(fx.People)+2)/3 || pages < 7 {
		t.Errorf("drill-down: %d answers on %d pages, want %d", len(drill), pages, (len(fx.People)+2)/3)
	}

	for i := 0; i < 60; i++ {
		if _, err := svc.CreateAction(e.ctx, selfcheck.Action{CampaignID: fx.CampaignID, ItemID: fx.ItemIDs[i],
			Title: fmt.Sprintf("改善措置%02d", i), OwnerID: fx.People[i].ID, DueOn: fmt.Sprintf("2026-12-%02d", i%28+1)}); err != nil {
			t.Fatal(err)
		}
	}
	acts, pages := e.walkPages(office, res, "actions", pageBound, matches(regexp.MustCompile(`>(改善措置\d+)</a>`)))
	if len(acts) != 60 || pages != 2 {
		t.Errorf("actions: %d on %d pages", len(acts), pages)
	}

	// A checklist of 60 items comes in pages of 50; the submit button is on
	// the last; a save on the second page returns there.
	staff := e.person(4)
	my := base + "/my"
	lis, pages := e.walkPages(staff, my, "checklist", pageBound, matches(checklistLi))
	if len(lis) != 60 || pages != 2 {
		t.Fatalf("checklist: %d items on %d pages", len(lis), pages)
	}
	body = e.get(staff, my, pageBound)
	if strings.Contains(body, `class="sc-submit"`) {
		t.Error("submit on the first page of two")
	}
	page2 := nextLink(body, "checklist")
	body = e.get(staff, page2, pageBound)
	if !strings.Contains(body, `class="sc-submit"`) || !strings.Contains(body, `start="51"`) {
		t.Error("the last page lacks the submit button or its numbering")
	}
	after := regexp.MustCompile(`name="after" value="([^"]+)"`).FindStringSubmatch(body)
	if after == nil {
		t.Fatal("answer forms of page 2 do not keep the page")
	}
	code, loc, _ = e.do(staff, "POST", fmt.Sprintf("%s/%d", my, fx.ItemIDs[59]), url.Values{"value": {"yes"}, "after": {html.UnescapeString(after[1])}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "after=") {
		t.Fatalf("save on page 2: %d %s", code, loc)
	}
	code, _, body = e.do(staff, "POST", fmt.Sprintf("%s/%d", my, fx.ItemIDs[58]), url.Values{"value": {"no"}, "after": {html.UnescapeString(after[1])}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="item-`+strconv.FormatInt(fx.ItemIDs[58], 10)+`" class="sc-item sc-refused"`) {
		t.Fatalf("refused save on page 2: %d", code)
	}
}

// TestWholeSeedDraftCampaign: a draft over every requirement of seed 000
// shows its first items and the warning about those without a role, not
// all of them; publishing comes back to the warning (?unmapped=1#unmapped),
// the items without a role can be listed alone, and the one-click
// assignment lets the campaign publish.
func TestWholeSeedDraftCampaign(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testshared.Seeds(t), "000_666dad1990f509b5.txt"))
	if err != nil {
		t.Skip(err)
	}
	e := newPagingEnv(t, bench.FixtureOptions{People: 40, Items: 6, PerUnit: 20})
	res, err := e.a.Catalogs.Import(e.ctx, catalog.ImportRequest{Name: "000", SourceName: "000.txt", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Selfcheck.CreateCampaign(e.ctx, selfcheck.Campaign{Name: "全項目", FiscalYear: 2026, OpensOn: "2026-10-01", ClosesOn: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	items, err := e.a.Selfcheck.AddItems(e.ctx, c.ID, res.Edition.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	unmapped := len(selfcheck.Unmapped(items))
	if len(items) < 300 || unmapped == 0 {
		t.Fatalf("%d items, %d without a role", len(items), unmapped)
	}
	office := e.office()
	base := fmt.Sprintf("/selfcheck/campaigns/%d", c.ID)
	body := e.get(office, base, 100<<10)
	if n := len(itemRow.FindAllString(body, -1)); n != 50 || !strings.Contains(body, fmt.Sprintf("（%d 件）", unmapped)) {
		t.Fatalf("draft page: %d items, warning for %d missing", n, unmapped)
	}
	code, loc, _ := e.do(office, "POST", base+"/publish", url.Values{"day": {"2026-10-01"}})
	if code != http.StatusSeeOther || loc != base+"?unmapped=1#unmapped" {
		t.Fatalf("publish with items without a role: %d %s", code, loc)
	}
	body = e.get(office, base+"?unmapped=1", 100<<10)
	if !strings.Contains(body, `id="unmapped"`) || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `name="role" value="staff"`) {
		t.Fatal("the warning after a refused publish lacks the alert or the assignment")
	}
	// Only the items without a role, paged.
	only := html.UnescapeString(regexp.MustCompile(`href="([^"]*items=unmapped[^"]*)"`).FindStringSubmatch(body)[1])
	listed, _ := e.walkPages(office, only, "items", 100<<10, func(b string) []string {
		if n := strings.Count(b, `<span class="error">`); n != len(itemRow.FindAllString(b, -1)) {
			t.Fatalf("%s lists items with a role", only)
		}
		return matches(itemRow)(b)
	})
	if len(listed) != unmapped {
		t.Fatalf("%d items listed without a role, want %d", len(listed), unmapped)
	}
	if code, _, _ := e.do(office, "POST", base+"/assign", url.Values{"role": {authz.RoleStaff}}); code != http.StatusSeeOther {
		t.Fatalf("assign: %d", code)
	}
	if body := e.get(office, base, 100<<10); strings.Contains(body, `id="unmapped"`) {
		t.Fatal("warning still shown after the assignment")
	}
	if code, loc, _ := e.do(office, "POST", base+"/publish", url.Values{"day": {"2026-10-01"}}); code != http.StatusSeeOther || !strings.Contains(loc, "done=published") {
		t.Fatalf("publish after the assignment: %d %s", code, loc)
	}
}

// TestCatalogTreeOpensOnDemand: seed 002's page holds its top level and
// small sections; a large section is a link (no JS needed) to the page
// with it opened, which shows its children and the way to it.
func TestCatalogTreeOpensOnDemand(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testshared.Seeds(t), "002_ea0d584469b154be.txt"))
	if err != nil {
		t.Skip(err)
	}
	e := newPagingEnv(t, bench.FixtureOptions{People: 20, Items: 6, PerUnit: 20})
	res, err := e.a.Catalogs.Import(e.ctx, catalog.ImportRequest{Name: "002", SourceName: "002.txt", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if res.Edition.Nodes < 700 {
		t.Fatalf("%d nodes", res.Edition.Nodes)
	}
	office := e.office()
	base := fmt.Sprintf("/catalogs/%d", res.Catalog.ID)
	body := e.get(office, base, 60<<10)
	lazy := regexp.MustCompile(`<a class="open" href="([^"]+)" data-open="([^"]+)"`)
	links := lazy.FindAllStringSubmatch(body, -1)
	if len(links) < 3 {
		t.Fatalf("%d sections to open on demand", len(links))
	}
	shown := strings.Count(body, `class="ref"`)
	// Open the sections one after another down the tree: each page shows the
	// section unfolded with its children, and stays small.
	href, anchor := html.UnescapeString(links[len(links)-1][1]), links[len(links)-1][2]
	for depth := 0; href != ""; depth++ {
		if depth > 10 {
			t.Fatal("sections never end")
		}
		body = e.get(office, href, 100<<10)
		if !strings.Contains(body, `<details id="`+anchor+`" open>`) {
			t.Fatalf("%s: section %s not open", href, anchor)
		}
		if n := strings.Count(body, `class="ref"`); n <= shown {
			t.Fatalf("%s shows %d nodes, no more than before (%d)", href, n, shown)
		}
		// Next, the first large section inside the one just opened.
		href = ""
		if m := lazy.FindStringSubmatch(openSection(body, anchor)); m != nil {
			href, anchor = html.UnescapeString(m[1]), m[2]
		}
	}
	// Whatever is opened, every node is reachable: node pages link their
	// children, and an unknown ?open= shows the top level.
	if body := e.get(office, base+"?open=no-such-ref", 60<<10); strings.Count(body, `class="ref"`) != shown {
		t.Error("an unknown section changes the page")
	}
}

// openSection is the HTML of the open <details> with the id anchor.
func openSection(body, anchor string) string {
	start := strings.Index(body, `<details id="`+anchor+`" open>`)
	if start < 0 {
		return ""
	}
	depth := 0
	for i := start; i < len(body); {
		next := strings.IndexAny(body[i:], "<")
		if next < 0 {
			break
		}
		i += next
		switch {
		case strings.HasPrefix(body[i:], "<details"):
			depth++
		case strings.HasPrefix(body[i:], "</details>"):
			if depth--; depth == 0 {
				return body[start:i]
			}
		}
		i++
	}
	return body[start:]
}
