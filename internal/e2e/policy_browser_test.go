package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/testshared"
)

// TestPolicyInBrowser is issue 16's first demonstration, tried as new
// users would in Chromium: the 統括 derives a draft 対策基準 from seed
// 002's catalog for three sections, rewords two items, adds one and
// removes one, each with a change note; the 新旧対照表 against the parent
// shows exactly those; the draft is submitted; the CISO approves it with
// the committee's deliberation, effective today, and it is published;
// staff find the notice in their inbox, two of three acknowledge; the
// 課室 officer sees the third missing in their unit.
func TestPolicyInBrowser(t *testing.T) {
	seeds := testshared.Seeds(t)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "kitei.db")
	kitei(t, "catalog", "import", filepath.Join(seeds, "002_ea0d584469b154be.txt"), "--name", "統一基準", "--db", dsn)
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E100,佐藤 統括,サトウ トウカツ,sato@example.jp,HQ,active,2010-04-01\n" +
			"E200,山本 最高,ヤマモト サイコウ,yamamoto@example.jp,HQ,active,2008-04-01\n" +
			"E300,高橋 直子,タカハシ ナオコ,takahashi@example.jp,SOUMU,active,2012-04-01\n" +
			"E401,田中 太郎,タナカ タロウ,tanaka@example.jp,SOUMU,active,2020-04-01\n" +
			"E402,伊藤 花子,イトウ ハナコ,ito@example.jp,SOUMU,active,2021-04-01\n" +
			"E403,渡辺 健,ワタナベ ケン,watanabe@example.jp,SOUMU,active,2022-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE100,chief_iso,,2024-04-01\nE200,ciso,,2024-04-01\nE300,division_iso,SOUMU,2024-04-01\n",
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
	pw := map[string]string{}
	for login, no := range map[string]string{"sato": "E100", "yamamoto": "E200", "takahashi": "E300", "tanaka": "E401", "ito": "E402", "watanabe": "E403"} {
		pw[login] = newAccount(t, dsn, login, no)
	}
	base, _ := server(t, dsn)

	// 1. The 統括 derives a draft from three sections of the parent.
	chief := policyBrowser(t)
	if !signInAs(t, chief, base, "sato", pw["sato"]) {
		t.Error("the 統括情報セキュリティ責任者 was not asked to enrol TOTP")
	}
	do(t, chief,
		chromedp.Navigate(base+"/policies"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/policies/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/policies/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=origin][value=derived]`)),
		chromedp.Click(chromedp.CSS(`input[name=origin][value=derived]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), "情報セキュリティ対策基準"),
		chromedp.Click(chromedp.CSS(`button[name=next]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.pol-create`)),
	)
	for _, sec := range []string{"1.2.2", "1.2.4", "1.5.1"} {
		if !eval[bool](t, chief, `(() => { const c = document.querySelector('input[name=section][value='+`+jsString(jsString(sec))+`+']'); if (c) c.click(); return !!c })()`) {
			t.Fatalf("section %s not offered:\n%s", sec, mainText(t, chief))
		}
	}
	do(t, chief, chromedp.SetValue(chromedp.CSS(`form.pol-create input[name=note]`), "統一基準から3節を導出"))
	shot(t, chief, "policy-1-derive")
	do(t, chief, chromedp.Click(chromedp.CSS(`form.pol-create button[type=submit]`)))
	waitPath(t, chief, "/policies/1", "done=created")
	page := mainText(t, chief)
	for _, want := range []string{"起案中", "統一基準", "1.2.4.1(1)(a)", "1.5.1.1(3)(a)", "上位の要求事項"} {
		if !strings.Contains(page, want) {
			t.Errorf("the new draft lacks %q", want)
		}
	}

	edit := func(ref, form string, fields map[string]string) {
		t.Helper()
		do(t, chief, chromedp.Navigate(base+"/policies/1"), chromedp.WaitVisible(chromedp.CSS(`ol.pol-nodes`)))
		if !eval[bool](t, chief, `(() => { const a = Array.from(document.querySelectorAll('a.pol-edit')).find(a => new URL(a.href).searchParams.get('ref') === `+jsString(ref)+`); if (a) a.click(); return !!a })()`) {
			t.Fatalf("no edit link for %s", ref)
		}
		do(t, chief, chromedp.WaitVisible(chromedp.CSS(`form.`+form)))
		for name, v := range fields {
			sel := `form.` + form + ` [name=` + name + `]`
			do(t, chief, chromedp.SetValue(chromedp.CSS(sel), v))
		}
		do(t, chief, chromedp.Click(chromedp.CSS(`form.`+form+` button[type=submit]`)))
		waitPath(t, chief, "/policies/1", "done=edited")
	}
	const r1, r2 = "1.2.4.1(1)(a)", "1.5.1.1(1)(b)"
	edit(r1, "pol-reword", map[string]string{"text": "統括情報セキュリティ責任者は、対策基準の見直しの要否を毎年度検討し、必要と認めた場合は見直すこと。",
		"subject": "統括情報セキュリティ責任者", "note": "見直しの時期と主体を明確化"})
	edit(r2, "pol-reword", map[string]string{"text": "情報システムセキュリティ責任者は、情報システムのセキュリティ要件を決定し、統括情報セキュリティ責任者に報告すること。",
		"note": "報告先を追加"})
	edit("1.5.1.1(3)(a)", "pol-delete", map[string]string{"note": "移行・廃棄は別の実施手順で定める"})
	do(t, chief,
		chromedp.Navigate(base+"/policies/1"),
		chromedp.WaitVisible(chromedp.CSS(`form.pol-add`)),
		chromedp.SetValue(chromedp.CSS(`form.pol-add input[name=ref]`), "1.2.4.1(1)(d)"),
		chromedp.SetValue(chromedp.CSS(`form.pol-add input[name=parent]`), "1.2.4.1(1)"),
		chromedp.SetValue(chromedp.CSS(`form.pol-add input[name=after]`), "1.2.4.1(1)(c)"),
		chromedp.SetValue(chromedp.CSS(`form.pol-add textarea[name=text]`), "統括情報セキュリティ責任者は、見直しの結果を情報セキュリティ委員会に報告すること。"),
		chromedp.SetValue(chromedp.CSS(`form.pol-add input[name=subject]`), "統括情報セキュリティ責任者"),
		chromedp.SetValue(chromedp.CSS(`form.pol-add input[name=note]`), "委員会への報告を新設"),
		chromedp.Click(chromedp.CSS(`form.pol-add button[type=submit]`)),
	)
	waitPath(t, chief, "/policies/1", "done=edited")
	page = mainText(t, chief)
	for _, want := range []string{"見直しの時期と主体を明確化", "報告先を追加", "移行・廃棄は別の実施手順で定める", "委員会への報告を新設"} {
		if !strings.Contains(page, want) {
			t.Errorf("the change notes lack %q", want)
		}
	}
	shot(t, chief, "policy-2-draft")

	// 2. The 新旧対照表 against the parent shows the four edits.
	do(t, chief,
		chromedp.Click(chromedp.CSS(`a[href="/policies/1/diff?old=parent&new=draft"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.pol-diff`)),
	)
	if got := eval[string](t, chief, `document.querySelector('.pol-counts').textContent`); got != "修正 2 件・追加 1 件・削除 1 件・移動 0 件" {
		t.Errorf("counts = %q", got)
	}
	rows := eval[[]string](t, chief, `Array.from(document.querySelectorAll('table.pol-diff tbody tr')).map(tr => tr.className + ' ' + tr.innerText.replace(/\s+/g, ' '))`)
	want := map[string]string{"pol-changed": r1, "pol-added": "1.2.4.1(1)(d)", "pol-removed": "1.5.1.1(3)(a)"}
	for cls, ref := range want {
		found := false
		for _, r := range rows {
			found = found || (strings.HasPrefix(r, cls) && strings.Contains(r, ref))
		}
		if !found {
			t.Errorf("the table lacks a %s row for %s: %v", cls, ref, rows)
		}
	}
	if n := eval[int](t, chief, `document.querySelectorAll('table.pol-diff ins').length`); n < 3 {
		t.Errorf("only %d insertions marked", n)
	}
	if st := fetchStatus(t, chief, "/policies/1/diff.xlsx?old=parent&new=draft"); st != 200 {
		t.Errorf("xlsx download: %d", st)
	}
	shot(t, chief, "policy-3-diff")

	// 3. Submit for review.
	do(t, chief,
		chromedp.Navigate(base+"/policies/1"),
		chromedp.WaitVisible(chromedp.CSS(`form.pol-submit`)),
		chromedp.SetValue(chromedp.CSS(`form.pol-submit input[name=note]`), "第3回委員会に付議"),
		chromedp.Click(chromedp.CSS(`form.pol-submit button[type=submit]`)),
	)
	waitPath(t, chief, "/policies/1/versions/1", "done=submitted")

	// 4. The CISO finds it in the inbox and approves it.
	ciso := policyBrowser(t)
	signInAs(t, ciso, base, "yamamoto", pw["yamamoto"])
	do(t, ciso, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if inbox := mainText(t, ciso); !strings.Contains(inbox, "規程「情報セキュリティ対策基準」第1版が審査に提出されました") {
		t.Errorf("the CISO's inbox:\n%s", inbox)
	}
	do(t, ciso,
		chromedp.Navigate(base+"/policies/1/versions/1"),
		chromedp.WaitVisible(chromedp.CSS(`form.pol-decide`)),
		chromedp.SetValue(chromedp.CSS(`form.pol-decide textarea[name=deliberation]`), "令和8年度第3回情報セキュリティ委員会で審議し、原案どおり了承"),
	)
	shot(t, ciso, "policy-4-approve")
	do(t, ciso, chromedp.Click(chromedp.CSS(`form.pol-decide button[type=submit]`)))
	waitPath(t, ciso, "/policies/1/versions/1", "done=published")
	if page := mainText(t, ciso); !strings.Contains(page, "公開済") || !strings.Contains(page, "原案どおり了承") {
		t.Errorf("the approved version shows:\n%s", page)
	}
	// On a phone the 新旧対照表 and the version fit the screen.
	do(t, ciso, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, path := range []string{"/policies/1/diff?old=parent&new=1", "/policies/1/versions/1", "/policies/1"} {
		do(t, ciso, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if w := eval[int](t, ciso, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s is %d px wide on a 390 px screen", path, w)
		}
	}
	shot(t, ciso, "policy-4b-phone")
	// The published draft offers no edits, and the edit route refuses.
	do(t, chief, chromedp.Navigate(base+"/policies/1"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if n := eval[int](t, chief, `document.querySelectorAll('a.pol-edit, form.pol-add, form.pol-submit').length`); n != 0 {
		t.Errorf("the published document still offers %d edit controls", n)
	}
	if st := fetchStatus(t, chief, "/policies/1/edit?ref="+r1); st != 409 {
		t.Errorf("the edit page of a published document: %d", st)
	}
	apiEdit := `fetch("/api/v1/policies/1/edits", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({op: "reword", ref: ` + jsString(r1) + `, text: "施行後の書換え", note: "x"})}).then(async r => r.status + " " + (await r.json()).key)`
	if got := evalAwait[string](t, chief, apiEdit); got != "409 policy.err.not_draft" {
		t.Errorf("API edit of the published version: %s", got)
	}

	// 5. Staff are told; two of three acknowledge.
	staff := policyBrowser(t)
	for i, login := range []string{"tanaka", "ito", "watanabe"} {
		if i > 0 {
			do(t, staff, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
			waitPath(t, staff, "/login", "")
		}
		signInAs(t, staff, base, login, pw[login])
		do(t, staff, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if inbox := mainText(t, staff); !strings.Contains(inbox, "規程「情報セキュリティ対策基準」第1版が施行されました") {
			t.Errorf("%s's inbox lacks the publication:\n%s", login, inbox)
		}
		if login == "watanabe" {
			break // the third has not read it yet
		}
		if i == 0 {
			// Staff hold no right to edit drafts: the API and the form refuse.
			if got := evalAwait[string](t, staff, apiEdit); !strings.HasPrefix(got, "403 ") {
				t.Errorf("a staff member's API edit: %s", got)
			}
			form := `fetch("/policies/1/edit", {method: "POST", body: new URLSearchParams({op: "delete", ref: ` + jsString(r1) + `, note: "x"}), redirect: "manual"}).then(r => r.status)`
			if st := evalAwait[int](t, staff, form); st != 403 {
				t.Errorf("a staff member's form edit: %d", st)
			}
		}
		do(t, staff,
			chromedp.Navigate(base+"/policies/mine"),
			chromedp.WaitVisible(chromedp.CSS(`table.pol-mine a`)),
			chromedp.Click(chromedp.CSS(`table.pol-mine a`)),
			chromedp.WaitVisible(chromedp.CSS(`form.pol-ack button`)),
		)
		if i == 0 {
			shot(t, staff, "policy-5-read")
		}
		if i == 1 {
			do(t, staff, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
			if w := eval[int](t, staff, `document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("the rules are %d px wide on a 390 px screen", w)
			}
		}
		do(t, staff, chromedp.Click(chromedp.CSS(`form.pol-ack button`)))
		waitPath(t, staff, "/policies/1/read", "done=acked")
		if !strings.Contains(mainText(t, staff), "確認済です") {
			t.Errorf("%s: acknowledgment not shown", login)
		}
	}

	// 6. The 課室 officer sees who has not.
	officer := policyBrowser(t)
	signInAs(t, officer, base, "takahashi", pw["takahashi"])
	do(t, officer,
		chromedp.Navigate(base+"/policies/mine"),
		chromedp.WaitVisible(chromedp.CSS(`table.pol-mine a`)),
		chromedp.Click(chromedp.CSS(`table.pol-mine a`)),
		chromedp.WaitVisible(chromedp.CSS(`a.pol-follow`)),
		chromedp.Click(chromedp.CSS(`a.pol-follow`)),
		chromedp.WaitVisible(chromedp.CSS(`table.pol-rates`)),
	)
	missing := eval[string](t, officer, `document.querySelector('ul.pol-missing').innerText`)
	if !strings.Contains(missing, "渡辺 健") || strings.Contains(missing, "田中 太郎") || strings.Contains(missing, "伊藤 花子") {
		t.Errorf("missing list:\n%s", missing)
	}
	rates := mainText(t, officer)
	if !strings.Contains(rates, "総務課") || strings.Contains(rates, "本部") {
		t.Errorf("the officer's rates show other units or not theirs:\n%s", rates)
	}
	shot(t, officer, "policy-6-acks")
}

// policyBrowser is browser with a longer deadline: the policy walk-through
// keeps the 統括's window open from the draft to after publication, which
// takes more than browser's 90 s on a loaded machine.
func policyBrowser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 6*time.Minute)
}
