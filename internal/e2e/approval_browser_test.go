package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
)

var oneTime = regexp.MustCompile(`(\S+) のワンタイムパスワード: (\S+)`)

// newAccount creates the account login for the person with employee
// number no, as the administrator would, and returns its one-time password.
func newAccount(t *testing.T, dsn, login, no string) string {
	t.Helper()
	m := oneTime.FindStringSubmatch(kitei(t, "user", "create", login, "--person", no, "--db", dsn))
	if m == nil || m[1] != login {
		t.Fatalf("user create %s printed no one-time password", login)
	}
	return m[2]
}

// waitPath waits until the page at path (and, when query is set, with
// that text in its query string) has loaded.
func waitPath(t *testing.T, ctx context.Context, path, query string) {
	t.Helper()
	expr := `document.readyState === "complete" && ` + jsString(path) + ` === location.pathname && location.search.includes(` + jsString(query) + `)`
	if strings.HasSuffix(path, "/*") { // any request page
		expr = `document.readyState === "complete" && new RegExp(` + jsString("^"+strings.TrimSuffix(path, "*")+`\d+$`) + `).test(location.pathname) && location.search.includes(` + jsString(query) + `)`
	}
	if err := waitJS(ctx, expr); err != nil {
		t.Fatalf("waiting for %s?%s: %v (at %s)", path, query, err, eval[string](t, ctx, `location.href`))
	}
}

// waitJS polls expr in the page until it is true; errors while a
// navigation replaces the page are retried.
func waitJS(ctx context.Context, expr string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = context.DeadlineExceeded
			}
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// signInAs signs a new account in with its one-time password as a new user
// would: the forced password change, then TOTP enrolment when the account
// holds a privileged role. It reports whether TOTP was demanded.
func signInAs(t *testing.T, ctx context.Context, base, login, oneTimePw string) (totpDemanded bool) {
	t.Helper()
	const pw = "E2e-Kitei-Passw0rd"
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=login]`), login),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), oneTimePw),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=current]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=current]`), oneTimePw),
		chromedp.SetValue(chromedp.CSS(`input[name=new]`), pw),
		chromedp.SetValue(chromedp.CSS(`input[name=confirm]`), pw),
		chromedp.Submit(chromedp.CSS(`input[name=confirm]`)),
	)
	if err := waitJS(ctx, `document.readyState === "complete" && (location.pathname === "/account" || location.pathname === "/account/totp")`); err != nil {
		t.Fatalf("%s: after the password change: %v (%s)", login, err, eval[string](t, ctx, `document.body.innerText`))
	}
	if eval[string](t, ctx, `location.pathname`) != "/account/totp" {
		return false
	}
	secret := eval[string](t, ctx, `document.querySelector("dl.facts dd code").textContent`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`form[action="/account/totp"] input[name=code]`), code),
		chromedp.Submit(chromedp.CSS(`form[action="/account/totp"] input[name=code]`)),
	)
	waitPath(t, ctx, "/account", "done=totp")
	return true
}

// mainText is the text of the page's main content.
func mainText(t *testing.T, ctx context.Context) string {
	return eval[string](t, ctx, `(document.querySelector("main") || document.body).innerText`)
}

// shot saves a full-page PNG when KITEI_SCREENSHOTS names a directory.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KITEI_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileException fills the 例外措置 form as a person would: the rule is
// found with the picker (search within seed 000's catalog, then the hit
// is chosen), the other fields typed, and the request submitted. It
// returns the path of the request page.
func fileException(t *testing.T, ctx context.Context, base, search, ref, title, starts, ends string) string {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/requests"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/requests/new?type=exception"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/requests/new?type=exception"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.inline-form input[name=q]`)),
		chromedp.SetValue(chromedp.CSS(`form.inline-form select[name=catalog_id]`), "1"),
		chromedp.SetValue(chromedp.CSS(`form.inline-form input[name=q]`), search),
		chromedp.Submit(chromedp.CSS(`form.inline-form input[name=q]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.hits a`)),
	)
	if !eval[bool](t, ctx, `(() => { const a = Array.from(document.querySelectorAll("ul.hits a")).find(a => a.textContent === `+jsString(ref)+`); if (a) a.click(); return !!a })()`) {
		t.Fatalf("searching %s did not offer %s: %s", search, ref, mainText(t, ctx))
	}
	if err := waitJS(ctx, `document.readyState === "complete" && document.querySelector('form.stack input[name=node_ref]')?.value === `+jsString(ref)); err != nil {
		t.Fatalf("the picked rule did not fill the form: %v", err)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=contact]`), "内線 1234"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=title]`), title),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=starts_on]`), starts),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=ends_on]`), ends),
		chromedp.SetValue(chromedp.CSS(`form.stack textarea[name=measure]`), "暗号化機能付きUSBメモリを使い、使用後は速やかに消去する。"),
		chromedp.SetValue(chromedp.CSS(`form.stack textarea[name=reason]`), "共同研究先の施設はネットワーク接続ができず、計測データの受渡しに媒体が必要なため。"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=end_method]`), "期間終了後に課室情報セキュリティ責任者へ書面で報告"),
	)
	shot(t, ctx, "approval-1-form")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form.stack button[name=submit]`)))
	waitPath(t, ctx, "/requests/*", "done=submitted")
	return eval[string](t, ctx, `location.pathname`)
}

// TestApprovalInBrowser is the first demonstration, tried as new
// users would in Chromium: a staff member files a 例外措置 against a rule of
// seed 000's catalog; their 課室 officer approves it with a condition; the
// ledger shows it; after the period the end report is chased (the jobs run
// as of a later day); the officer's own request goes to their superior, the
// 部's 情報セキュリティ責任者, who finds it waiting for them.
// It runs on SQLite, and on PostgreSQL too when KITEI_TEST_POSTGRES is set.
func TestApprovalInBrowser(t *testing.T) {
	seeds := testshared.Seeds(t)
	dsns := storetest.DSNs(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		if dsn, ok := dsns[engine]; ok {
			t.Run(engine, func(t *testing.T) { approvalInBrowser(t, seeds, dsn) })
		}
	}
}

func approvalInBrowser(t *testing.T, seeds, dsn string) {
	dir := t.TempDir()
	kitei(t, "catalog", "import", filepath.Join(seeds, "000_666dad1990f509b5.txt"), "--name", "NIES", "--db", dsn)
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nKIKAKU,企画部,部,HQ\nSOUMU,総務課,課,KIKAKU\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E100,鈴木 一郎,スズキ イチロウ,suzuki@example.jp,KIKAKU,active,2010-04-01\n" +
			"E200,高橋 直子,タカハシ ナオコ,takahashi@example.jp,SOUMU,active,2012-04-01\n" +
			"E300,田中 太郎,タナカ タロウ,tanaka@example.jp,SOUMU,active,2020-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE100,iso,KIKAKU,2024-04-01\nE200,division_iso,SOUMU,2024-04-01\n",
	}
	var paths []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	kitei(t, append([]string{"org", "import", "--db", dsn}, paths...)...)
	staffPw := newAccount(t, dsn, "tanaka", "E300")
	officerPw := newAccount(t, dsn, "takahashi", "E200")
	superiorPw := newAccount(t, dsn, "suzuki", "E100")
	base, _ := server(t, dsn)

	today := time.Now()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }

	// 1. The staff member files a 例外措置 against 3.1.1(4)(e) of seed 000.
	staff := browser(t)
	if signInAs(t, staff, base, "tanaka", staffPw) {
		t.Error("a staff member without a privileged role was made to enrol TOTP")
	}
	const title = "共同研究先へのUSBメモリによる計測データの受渡し"
	reqPath := fileException(t, staff, base, "USBメモリ", "3.1.1(4)(e)", title, day(0), day(7))
	page := mainText(t, staff)
	for _, want := range []string{"申請中", "NIES 3.1.1(4)(e)", "外部電磁的記録媒体を用いて情報を取り扱う際", "高橋 直子"} {
		if !strings.Contains(page, want) {
			t.Errorf("the filed request lacks %q:\n%s", want, page)
		}
	}
	shot(t, staff, "approval-2-submitted")

	// 2. The 課室 officer finds it waiting and approves it with a condition.
	officer := browser(t)
	if !signInAs(t, officer, base, "takahashi", officerPw) {
		t.Error("the 課室情報セキュリティ責任者 was not asked to enrol TOTP")
	}
	do(t, officer, chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if n := eval[int](t, officer, `document.querySelectorAll('main table.list a[href=`+jsString(reqPath)+`]').length`); n == 0 {
		t.Fatalf("the request is not in the officer's decision queue:\n%s", mainText(t, officer))
	}
	const condition = "暗号化機能付きの媒体に限り、受渡し後は直ちに消去すること"
	do(t, officer,
		chromedp.Click(chromedp.CSS(`main table.list a[href=`+jsString(reqPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/decide"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/decide"] input[value=approve]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/decide"] textarea[name=conditions]`), condition),
	)
	shot(t, officer, "approval-3-decide")
	do(t, officer, chromedp.Click(chromedp.CSS(`form[action$="/decide"] button[type=submit]`)))
	waitPath(t, officer, reqPath, "done=decided")
	page = mainText(t, officer)
	if !strings.Contains(page, "有効") || !strings.Contains(page, condition) || !strings.Contains(page, "承認") {
		t.Fatalf("after the approval the request page shows:\n%s", page)
	}
	if eval[int](t, officer, `document.querySelectorAll('form[action$="/decide"]').length`) != 0 {
		t.Error("a decided request still offers the decision form")
	}

	// 3. The 例外措置台帳 shows it, with its rule, period and condition.
	do(t, officer,
		chromedp.Navigate(base+"/requests"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/requests/ledger"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/requests/ledger"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/requests/ledger"] select[name=type]`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/requests/ledger"] select[name=type]`), "exception"),
		chromedp.Submit(chromedp.CSS(`form[action="/requests/ledger"] select[name=type]`)),
	)
	waitPath(t, officer, "/requests/ledger", "type=exception")
	ledger := mainText(t, officer)
	for _, want := range []string{title, "田中 太郎", "3.1.1(4)(e)", day(0) + " – " + day(7), "有効", condition} {
		if !strings.Contains(ledger, want) {
			t.Errorf("the ledger lacks %q:\n%s", want, ledger)
		}
	}
	shot(t, officer, "approval-4-ledger")

	// 4. After the period the end report is chased: the jobs run as of
	// three days after it ended, expire the request and chase the report,
	// once however often they run.
	var res struct{ Expired, Chased int }
	if err := json.Unmarshal([]byte(kitei(t, "request", "jobs", "--on", day(10), "--db", dsn)), &res); err != nil {
		t.Fatal(err)
	}
	if res.Expired != 1 || res.Chased != 1 {
		t.Fatalf("jobs on %s: %+v, want the request expired and its end report chased", day(10), res)
	}
	if err := json.Unmarshal([]byte(kitei(t, "request", "jobs", "--on", day(10), "--db", dsn)), &res); err != nil || res.Expired != 0 || res.Chased != 0 {
		t.Fatalf("jobs run again on the same day: %+v %v", res, err)
	}
	do(t, staff, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	inbox := mainText(t, staff)
	if !strings.Contains(inbox, "終了報告を提出してください（3 日経過）") || !strings.Contains(inbox, "承認") {
		t.Fatalf("the staff member's inbox lacks the approval or the chase:\n%s", inbox)
	}
	shot(t, staff, "approval-5-inbox")
	do(t, officer, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if inbox := mainText(t, officer); !strings.Contains(inbox, "田中 太郎 さんの「"+title+"」の終了報告が未提出です") {
		t.Errorf("the officer's inbox lacks the chase:\n%s", inbox)
	}
	// The chase links to the request, which now asks for the end report.
	do(t, staff,
		chromedp.Navigate(base+reqPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/end"] textarea[name=report]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/end"] textarea[name=report]`), "受渡しを終え、媒体のデータを消去しました。"),
		chromedp.Submit(chromedp.CSS(`form[action$="/end"] textarea[name=report]`)),
	)
	waitPath(t, staff, reqPath, "done=ended")
	if page := mainText(t, staff); !strings.Contains(page, "終了報告済み") || !strings.Contains(page, "期間満了") {
		t.Errorf("after the end report the request shows:\n%s", page)
	}

	// 5. The officer's own request cannot be decided by the officer: it
	// goes to the 部's 情報セキュリティ責任者.
	ownPath := fileException(t, officer, base, "USBメモリ", "3.1.1(4)(e)", "課室の計測機器更新に伴うUSBメモリの一時利用", day(1), day(5))
	page = mainText(t, officer)
	if !strings.Contains(page, "鈴木 一郎") || !strings.Contains(page, "上位者に回付") {
		t.Fatalf("the officer's own request did not go to their superior:\n%s", page)
	}
	if eval[int](t, officer, `document.querySelectorAll('form[action$="/decide"]').length`) != 0 {
		t.Error("the officer is offered the decision on their own request")
	}
	shot(t, officer, "approval-6-escalated")
	do(t, officer, chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if n := eval[int](t, officer, `Array.from(document.querySelectorAll('main table.list tbody tr')).filter(tr => tr.querySelector('a[href=`+jsString(ownPath)+`]')).length`); n != 1 {
		t.Errorf("the officer's own request should show once (under their requests, not in their queue): %d rows", n)
	}
	// The superior signs in (in the staff member's browser, after they
	// sign out) and finds it waiting for their decision.
	do(t, staff, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, staff, "/login", "")
	if !signInAs(t, staff, base, "suzuki", superiorPw) {
		t.Error("the 情報セキュリティ責任者 was not asked to enrol TOTP")
	}
	do(t, staff, chromedp.Navigate(base+ownPath), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if eval[int](t, staff, `document.querySelectorAll('form[action$="/decide"]').length`) != 1 {
		t.Fatalf("the superior cannot decide the escalated request:\n%s", mainText(t, staff))
	}
	shot(t, staff, "approval-7-superior")
}
