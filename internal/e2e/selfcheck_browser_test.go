package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"kitei/internal/testshared"
)

// TestSelfcheckInBrowser walks a self-inspection campaign as a new user
// would: the security office creates it from seed 000's catalog and
// publishes it to a small organisation; a staff member signs in for the
// first time, answers on a phone-sized screen (with JS autosave, and with
// the plain form when scripts are off) and submits; the unit officer
// follows progress and reminds; the office reads the roll-up with its
// charts and downloads the xlsx.
func TestSelfcheckInBrowser(t *testing.T) {
	seeds := testshared.Seeds(t)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "kitei.db")
	kitei(t, "catalog", "import", filepath.Join(seeds, "000_666dad1990f509b5.txt"), "--name", "NIES", "--db", dsn)
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\nJIGYO,事業課,課,HQ\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E100,山田 花子,ヤマダ ハナコ,hanako@example.jp,SOUMU,active,2021-04-01\n" +
			"E200,佐藤 一郎,サトウ イチロウ,ichiro@example.jp,SOUMU,active,2019-04-01\n" +
			"E300,鈴木 次郎,スズキ ジロウ,jiro@example.jp,JIGYO,active,2018-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE200,division_iso,SOUMU,2024-04-01\n",
	}
	var paths []string
	for _, name := range []string{"units.csv", "people.csv", "assignments.csv"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	kitei(t, append([]string{"org", "import", "--db", dsn}, paths...)...)
	base, stdout := server(t, dsn) // first, so it creates the first administrator
	staffOTP := newAccount(t, dsn, "hanako", "E100")
	officerOTP := newAccount(t, dsn, "ichiro", "E200")

	// The security office creates the campaign from seed 000 and publishes it.
	admin := browser(t)
	signIn(t, admin, base, stdout)
	today := time.Now()
	do(t, admin, chromedp.Navigate(base+"/selfcheck"), chromedp.WaitVisible(chromedp.CSS(`form[action="/selfcheck/campaigns"]`)))
	do(t, admin,
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), "2026年度 情報セキュリティ自己点検"),
		chromedp.SetValue(chromedp.CSS(`input[name=fiscal_year]`), "2026"),
		chromedp.SetValue(chromedp.CSS(`input[name=opens_on]`), today.AddDate(0, 0, -1).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS(`input[name=closes_on]`), today.AddDate(0, 0, 30).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS(`select[name=catalog]`), "1"),
		chromedp.SetValue(chromedp.CSS(`form[action="/selfcheck/campaigns"] input[name=refs]`), "2.2.3 3.2.1 8.1.2"),
		chromedp.Click(chromedp.CSS(`form[action="/selfcheck/campaigns"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/publish"]`)),
	)
	campaign := eval[string](t, admin, `location.pathname`)
	if !regexp.MustCompile(`^/selfcheck/campaigns/\d+$`).MatchString(campaign) {
		t.Fatalf("after create: %s", campaign)
	}
	page := mainText(t, admin)
	for _, want := range []string{"2.2.3", "3.2.1", "8.1.2", "division_iso", "staff"} {
		if !strings.Contains(page, want) {
			t.Errorf("campaign page lacks %s", want)
		}
	}
	shot(t, admin, "selfcheck_campaign_draft")
	do(t, admin,
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`table.sc-progress`)),
	)
	if p := mainText(t, admin); !strings.Contains(p, "総務課") || !strings.Contains(p, "事業課") {
		t.Fatalf("progress after publishing:\n%s", p)
	}

	// A staff member signs in for the first time and answers on a phone.
	staff := browser(t)
	do(t, staff, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	if signInAs(t, staff, base, "hanako", staffOTP) {
		t.Error("a staff member was asked for TOTP")
	}
	do(t, staff, chromedp.Navigate(base+"/selfcheck"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	do(t, staff, chromedp.Click(chromedp.CSS(`main a[href$="/my"]`)), chromedp.WaitVisible(chromedp.CSS(`form[data-autosave]`)))
	my := eval[string](t, staff, `location.pathname`)
	if n := eval[int](t, staff, `document.querySelectorAll("li.sc-item").length`); n != 3 {
		t.Fatalf("staff checklist has %d items, want the 3 for 業務従事者", n)
	}
	if w := eval[int](t, staff, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("checklist is %d px wide on a 390 px screen", w)
	}
	if n := eval[int](t, staff, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the checklist", n)
	}
	// 1: autosave on choosing 実施している.
	do(t, staff, chromedp.Click(chromedp.CSS(`li.sc-item:nth-child(1) input[value=yes]`)))
	waitText(t, staff, `li.sc-item:nth-child(1) .sc-state`, "保存しました")
	// 2: 一部実施 needs a comment: the API refuses it and the status shows
	// the service's reason in Japanese, the page's language.
	do(t, staff, chromedp.Click(chromedp.CSS(`li.sc-item:nth-child(2) input[value=partial]`)))
	waitText(t, staff, `li.sc-item:nth-child(2) .sc-state`, "保存できませんでした: 「一部実施」の場合は、不足している点と今後の予定をコメントに書いてください。")
	do(t, staff, chromedp.SendKeys(chromedp.CSS(`li.sc-item:nth-child(2) textarea`), "掲示は済み、研修は来月"))
	eval[bool](t, staff, `document.activeElement.blur(), true`)
	waitText(t, staff, `li.sc-item:nth-child(2) .sc-state`, "保存しました")
	shot(t, staff, "selfcheck_my_phone")
	// 3: without JS, the plain form: a refusal first, then a save.
	do(t, staff, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	do(t, staff, chromedp.Navigate(base+my), chromedp.WaitVisible(chromedp.CSS(`li.sc-item:nth-child(3)`)),
		chromedp.Click(chromedp.CSS(`li.sc-item:nth-child(3) input[value=no]`)),
		chromedp.Click(chromedp.CSS(`li.sc-item:nth-child(3) button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`li.sc-refused`)),
	)
	if p := mainText(t, staff); !strings.Contains(p, "「実施していない」の場合は") {
		t.Fatalf("refusal without a comment:\n%s", p)
	}
	shot(t, staff, "selfcheck_my_refused")
	do(t, staff,
		chromedp.SendKeys(chromedp.CSS(`li.sc-refused textarea`), "来期に対応予定"),
		chromedp.Click(chromedp.CSS(`li.sc-refused button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if p := mainText(t, staff); !strings.Contains(p, "回答を保存しました") || !strings.Contains(p, "3 / 3") {
		t.Fatalf("after the plain save:\n%s", p)
	}
	do(t, staff, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
		return err
	}))
	// Every answer is stored: ask the API with the session cookie.
	api := evalAwait[string](t, staff, fmt.Sprintf(`fetch(%q).then(r => r.json()).then(d => d.items.map(i => i.answer ? i.answer.value + ":" + i.answer.comment : "-").join("|"))`,
		"/api/v1"+my))
	if api != "yes:|partial:掲示は済み、研修は来月|no:来期に対応予定" {
		t.Fatalf("answers through the API: %q", api)
	}
	do(t, staff, chromedp.Navigate(base+my), chromedp.WaitVisible(chromedp.CSS(`form.sc-submit`)),
		chromedp.Click(chromedp.CSS(`form.sc-submit button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if p := mainText(t, staff); !strings.Contains(p, "提出しました") || eval[int](t, staff, `document.querySelectorAll("fieldset:disabled").length`) != 3 {
		t.Fatalf("after submitting:\n%s", p)
	}
	// The staff member cannot follow progress nor read another checklist.
	if st := fetchStatus(t, staff, campaign); st != 403 {
		t.Errorf("staff opening the campaign page: %d", st)
	}
	do(t, staff, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)))

	// The unit officer (privileged: TOTP) follows their unit only.
	officer := browser(t)
	if !signInAs(t, officer, base, "ichiro", officerOTP) {
		t.Error("the 課室情報セキュリティ責任者 (privileged) was not asked for TOTP")
	}
	do(t, officer, chromedp.Navigate(base+campaign), chromedp.WaitVisible(chromedp.CSS(`table.sc-progress`)))
	prog := eval[string](t, officer, `document.querySelector("table.sc-progress").innerText`)
	if !strings.Contains(prog, "総務課") || strings.Contains(prog, "事業課") || !regexp.MustCompile(`総務課\s+1\s+0\s+1\s+50`).MatchString(prog) {
		t.Fatalf("officer's progress (総務課: 1 not started, 0 in progress, 1 submitted):\n%s", prog)
	}
	shot(t, officer, "selfcheck_progress")
	do(t, officer, chromedp.Click(chromedp.CSS(`table.sc-progress form[action$="/remind"] button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if p := mainText(t, officer); !strings.Contains(p, "督促を送りました") {
		t.Fatalf("remind:\n%s", p)
	}
	if st := fetchStatus(t, officer, campaign+"/summary"); st != 403 {
		t.Errorf("officer reading the organisation-wide summary: %d", st)
	}

	// The security office reads the roll-up, its charts, and exports.
	do(t, admin, chromedp.Navigate(base+campaign+"/results"), chromedp.WaitVisible(chromedp.CSS(`figure.chart svg`)))
	if n := eval[int](t, admin, `document.querySelectorAll("figure.chart svg rect").length`); n < 4 {
		t.Errorf("charts have %d rects", n)
	}
	rollup := mainText(t, admin)
	if !strings.Contains(rollup, "総務課") || !strings.Contains(rollup, "33.3%") {
		t.Errorf("roll-up (総務課: 1 of 3 実施):\n%s", rollup)
	}
	if n := eval[int](t, admin, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the results page", n)
	}
	shot(t, admin, "selfcheck_results")
	do(t, admin, chromedp.Click(chromedp.CSS(`main table a[href*="item="]`)), chromedp.WaitVisible(chromedp.CSS(`#drill`)))
	if p := mainText(t, admin); !strings.Contains(p, "山田 花子") {
		t.Errorf("drill-down lacks the staff member's answer:\n%s", p)
	}
	do(t, admin, chromedp.Navigate(base+campaign+"/summary"), chromedp.WaitVisible(chromedp.CSS(`dl.facts`)))
	shot(t, admin, "selfcheck_summary")
	xlsx := evalAwait[string](t, admin, fmt.Sprintf(`fetch(%q).then(r => r.arrayBuffer().then(b => r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...new Uint8Array(b.slice(0, 2)))))`,
		campaign+"/export.xlsx"))
	if xlsx != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet PK" {
		t.Errorf("xlsx download: %q", xlsx)
	}
}

// waitText waits until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	expr := fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.includes(%q)`, sel, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		got := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {textContent: "(missing)"}).textContent`, sel))
		t.Fatalf("%s: waiting for %q, got %q: %v", sel, want, got, err)
	}
}

// fetchStatus GETs path from the page with the session cookie.
func fetchStatus(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	return evalAwait[int](t, ctx, fmt.Sprintf(`fetch(%q, {redirect: "manual"}).then(r => r.status)`, path))
}

// evalAwait evaluates an expression giving a promise and returns its value.
func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
