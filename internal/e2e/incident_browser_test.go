package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/store/storetest"
	"kitei/internal/tabular"
)

// TestIncidentInBrowser is the incident issue's first demonstration, tried
// as new users would in Chromium: a staff member reports a lost USB stick
// holding personal data on a 390 px phone; the CSIRT lead triages it as
// level 2 情報漏えい and the 個人情報保護委員会 速報 and 確報 clocks appear with
// their due dates; the CISO finds the report in their inbox and marks it
// read; the 課室 officer (on the phone too) answers the containment task
// and files the cause and recurrence-prevention report; the CISO orders a
// measure, which becomes the officer's tracked action and is done; the
// CSIRT closes the incident with lessons learned; the ledger and its xlsx
// show it closed. It runs on SQLite, and on PostgreSQL too when
// KITEI_TEST_POSTGRES is set.
func TestIncidentInBrowser(t *testing.T) {
	dsns := storetest.DSNs(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		if dsn, ok := dsns[engine]; ok {
			t.Run(engine, func(t *testing.T) { incidentInBrowser(t, dsn) })
		}
	}
}

func incidentInBrowser(t *testing.T, dsn string) {
	dir := t.TempDir()
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nKIKAKU,企画部,部,HQ\nSOUMU,総務課,課,KIKAKU\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E200,高橋 直子,タカハシ ナオコ,takahashi@example.jp,SOUMU,active,2012-04-01\n" +
			"E300,田中 太郎,タナカ タロウ,tanaka@example.jp,SOUMU,active,2020-04-01\n" +
			"E400,山本 健,ヤマモト ケン,yamamoto@example.jp,KIKAKU,active,2008-04-01\n" +
			"E500,小林 恵子,コバヤシ ケイコ,kobayashi@example.jp,HQ,active,2000-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE200,division_iso,SOUMU,2024-04-01\n" +
			"E400,csirt_chief,,2024-04-01\nE500,ciso,,2024-04-01\n",
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
	csirtPw := newAccount(t, dsn, "yamamoto", "E400")
	cisoPw := newAccount(t, dsn, "kobayashi", "E500")
	base, _ := server(t, dsn)

	// 1. The staff member reports the lost USB stick on a phone.
	phone := longBrowser(t)
	do(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	if signInAs(t, phone, base, "tanaka", staffPw) {
		t.Error("a staff member was asked to enrol TOTP")
	}
	do(t, phone,
		chromedp.Navigate(base+"/incidents"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/incidents/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/incidents/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.inc-form input[name=title]`)),
	)
	const title = "個人情報を含むUSBメモリの紛失"
	do(t, phone,
		chromedp.SetValue(chromedp.CSS(`form.inc-form input[name=title]`), title),
		chromedp.SetValue(chromedp.CSS(`form.inc-form textarea[name=what]`), "帰宅途中の電車内で、窓口業務の申込者名簿（氏名・住所）を保存したUSBメモリを紛失した。"),
		chromedp.SetValue(chromedp.CSS(`form.inc-form input[name=refs]`), "窓口受付システム"),
		chromedp.Click(chromedp.CSS(`form.inc-form input[name=personal][value=yes]`)),
		chromedp.SetValue(chromedp.CSS(`form.inc-form input[name=personal_count]`), "120"),
		chromedp.SetValue(chromedp.CSS(`form.inc-form textarea[name=first_actions]`), "鉄道会社の忘れ物窓口に問い合わせた。"),
	)
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the report form is %d px wide on a 390 px screen", w)
	}
	if n := eval[int](t, phone, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("the report form has %d inline scripts or styles", n)
	}
	shot(t, phone, "incident-1-report-phone")
	do(t, phone, chromedp.Click(chromedp.CSS(`form.inc-form button[type=submit]`)))
	waitPath(t, phone, "/incidents/*", "done=filed")
	incPath := eval[string](t, phone, `location.pathname`)
	if page := mainText(t, phone); !strings.Contains(page, "受付済み") || strings.Contains(page, "申込者名簿") {
		t.Fatalf("the reporter should see the status only:\n%s", page)
	}
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the status page is %d px wide on a 390 px screen", w)
	}
	shot(t, phone, "incident-2-status-phone")

	// 2. The CSIRT lead triages it: level 2, 情報漏えい.
	csirt := longBrowser(t)
	if !signInAs(t, csirt, base, "yamamoto", csirtPw) {
		t.Error("the CSIRT lead was not asked to enrol TOTP")
	}
	do(t, csirt, chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if n := eval[int](t, csirt, `document.querySelectorAll('main table.list a[href=`+jsString(incPath)+`]').length`); n == 0 {
		t.Fatalf("the report is not among the CSIRT's open incidents:\n%s", mainText(t, csirt))
	}
	do(t, csirt,
		chromedp.Click(chromedp.CSS(`main table.list a[href=`+jsString(incPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/triage"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/triage"] input[value=incident]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/triage"] textarea[name=reason]`), "個人情報120人分の漏えいのおそれがあるため。"),
		chromedp.SetValue(chromedp.CSS(`form[action$="/triage"] select[name=level]`), "2"),
		chromedp.SetValue(chromedp.CSS(`form[action$="/triage"] select[name=category]`), "leak"),
	)
	shot(t, csirt, "incident-3-triage")
	do(t, csirt, chromedp.Click(chromedp.CSS(`form[action$="/triage"] button[type=submit]`)))
	waitPath(t, csirt, incPath, "done=triaged")
	type detailT struct {
		Incident struct {
			NoticedAt time.Time `json:"noticed_at"`
		} `json:"incident"`
	}
	detail, err := chromedp.Run(csirt, chromedp.Evaluate[detailT](`fetch("/api/v1`+incPath+`").then(r => r.json())`, chromedp.EvalAwaitPromise))
	if err != nil || detail.Incident.NoticedAt.IsZero() {
		t.Fatalf("the incident through the API: %v", err)
	}
	noticed := detail.Incident.NoticedAt.Local()
	clocks := eval[string](t, csirt, `document.querySelector("table.inc-clocks").innerText`)
	for _, c := range []struct {
		kind string
		due  time.Time
	}{{"速報", noticed.Add(72 * time.Hour)}, {"確報", noticed.AddDate(0, 0, 30)}} {
		line := ""
		for _, l := range strings.Split(clocks, "\n") {
			if strings.Contains(l, "個人情報保護委員会") && strings.Contains(l, c.kind) {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, c.due.Format("2006-01-02 15:04")) {
			t.Errorf("the 個人情報保護委員会 %s clock should be due %s; the clocks read:\n%s", c.kind, c.due.Format("2006-01-02 15:04"), clocks)
		}
	}
	shot(t, csirt, "incident-4-clocks")

	// 3. The CISO finds the report in their inbox and marks it read.
	ciso := longBrowser(t)
	if !signInAs(t, ciso, base, "kobayashi", cisoPw) {
		t.Error("the CISO was not asked to enrol TOTP")
	}
	do(t, ciso, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	inbox := mainText(t, ciso)
	if !strings.Contains(inbox, "【CISO への報告】") || !strings.Contains(inbox, title) || !strings.Contains(inbox, "レベル2（重大）・情報漏えい") {
		t.Fatalf("the CISO's inbox lacks the report:\n%s", inbox)
	}
	if n := eval[int](t, ciso, `document.querySelectorAll('main a[href=`+jsString(incPath)+`]').length`); n != 1 {
		t.Errorf("the inbox notice does not link to the incident (%d links)", n)
	}
	shot(t, ciso, "incident-5-ciso-inbox")
	// Mark the page, post, and wait for the new page: the old one is
	// also at /inbox, so its path alone says nothing.
	eval[bool](t, ciso, `window.kiteiOldPage = true`)
	do(t, ciso, chromedp.Click(chromedp.CSS(`main tr.unread form[action="/inbox/read"] button`)))
	if err := waitJS(ciso, `!window.kiteiOldPage && document.readyState === "complete" && location.pathname === "/inbox"`); err != nil {
		t.Fatalf("marking the notice read: %v", err)
	}
	do(t, csirt, chromedp.Navigate(base+incPath), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if page := mainText(t, csirt); !strings.Contains(page, "小林 恵子 — 既読") {
		t.Errorf("the incident does not show the CISO read the report:\n%s", page)
	}

	// 4. The 課室 officer, on the phone, answers the containment task and
	// files the cause and recurrence-prevention report.
	do(t, phone, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, phone, "/login", "")
	if !signInAs(t, phone, base, "takahashi", officerPw) {
		t.Error("the 課室情報セキュリティ責任者 was not asked to enrol TOTP")
	}
	do(t, phone, chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if page := mainText(t, phone); !strings.Contains(page, "封じ込め・復旧の指示") || !strings.Contains(page, title) {
		t.Fatalf("the officer's incidents page lacks the task:\n%s", page)
	}
	do(t, phone,
		chromedp.Click(chromedp.CSS(`main a[href=`+jsString(incPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action*="/tasks/"] textarea[name=answer]`)),
		chromedp.SetValue(chromedp.CSS(`form[action*="/tasks/"] textarea[name=answer]`), "名簿の写しを確認し、対象者への連絡文案を作成した。"),
		chromedp.Submit(chromedp.CSS(`form[action*="/tasks/"] textarea[name=answer]`)),
	)
	waitPath(t, phone, incPath, "done=answered")
	const prevention = "個人情報の持出しは暗号化USBメモリに限り、持出し申請を必須とする。"
	do(t, phone,
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/recurrence"]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/recurrence"] textarea[name=cause]`), "暗号化されていない私物のUSBメモリに名簿を保存して持ち出した。"),
		chromedp.SetValue(chromedp.CSS(`form[action$="/recurrence"] textarea[name=prevention]`), prevention),
	)
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the incident page is %d px wide on a 390 px screen", w)
	}
	shot(t, phone, "incident-6-recurrence-phone")
	do(t, phone, chromedp.Submit(chromedp.CSS(`form[action$="/recurrence"] textarea[name=prevention]`)))
	waitPath(t, phone, incPath, "done=recurrence")
	if page := mainText(t, phone); !strings.Contains(page, "再発防止策の検討中") || !strings.Contains(page, prevention) {
		t.Fatalf("after the report the incident shows:\n%s", page)
	}

	// 5. The CISO orders a measure; it becomes the officer's action.
	due := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	const measure = "全職員に暗号化USBメモリを配布し、私物媒体の使用を禁止する"
	do(t, ciso, chromedp.Navigate(base+incPath), chromedp.WaitVisible(chromedp.CSS(`form[action$="/measures"]`)))
	owner := eval[string](t, ciso, `Array.from(document.querySelectorAll('form[action$="/measures"] select[name=owner_id] option')).find(o => o.textContent.includes("高橋"))?.value || ""`)
	if owner == "" {
		t.Fatal("the officer is not offered as the measure's owner")
	}
	do(t, ciso,
		chromedp.SetValue(chromedp.CSS(`form[action$="/measures"] input[name=title]`), measure),
		chromedp.SetValue(chromedp.CSS(`form[action$="/measures"] select[name=owner_id]`), owner),
		chromedp.SetValue(chromedp.CSS(`form[action$="/measures"] input[name=due_on]`), due),
		chromedp.Submit(chromedp.CSS(`form[action$="/measures"] input[name=title]`)),
	)
	waitPath(t, ciso, incPath, "done=measure")
	if page := mainText(t, ciso); !strings.Contains(page, measure) || !strings.Contains(page, due) || !strings.Contains(page, "未完了") {
		t.Fatalf("the measure is not tracked on the incident:\n%s", page)
	}
	shot(t, ciso, "incident-7-measure")
	do(t, phone, chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if page := mainText(t, phone); !strings.Contains(page, "自分が担当する対策") || !strings.Contains(page, measure) {
		t.Fatalf("the officer's incidents page lacks the measure:\n%s", page)
	}
	do(t, phone,
		chromedp.Navigate(base+incPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action*="/measures/"] textarea[name=note]`)),
		chromedp.SetValue(chromedp.CSS(`form[action*="/measures/"] textarea[name=note]`), "暗号化USBメモリ120本を配布した。"),
		chromedp.Submit(chromedp.CSS(`form[action*="/measures/"] textarea[name=note]`)),
	)
	waitPath(t, phone, incPath, "done=measure_updated")

	// 6. The CSIRT closes the incident with lessons learned.
	const lessons = "個人情報を持ち出すときは、必ず暗号化された媒体を使うこと。"
	do(t, csirt,
		chromedp.Navigate(base+incPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/close"]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/close"] textarea[name=lessons]`), lessons),
		chromedp.Submit(chromedp.CSS(`form[action$="/close"] textarea[name=lessons]`)),
	)
	waitPath(t, csirt, incPath, "done=closed")
	page := mainText(t, csirt)
	for _, want := range []string{"完了", "暗号化USBメモリ120本を配布した。", "インシデントを完了にしました"} {
		if !strings.Contains(page, want) {
			t.Errorf("the closed incident lacks %q:\n%s", want, page)
		}
	}
	shot(t, csirt, "incident-8-closed")

	// 7. The ledger and its xlsx show it closed.
	do(t, csirt,
		chromedp.Navigate(base+"/incidents"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/incidents/ledger"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/incidents/ledger"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/incidents/ledger"] select[name=state]`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/incidents/ledger"] select[name=state]`), "closed"),
		chromedp.SetValue(chromedp.CSS(`form[action="/incidents/ledger"] select[name=category]`), "leak"),
		chromedp.Submit(chromedp.CSS(`form[action="/incidents/ledger"] select[name=state]`)),
	)
	waitPath(t, csirt, "/incidents/ledger", "state=closed")
	ledger := mainText(t, csirt)
	for _, want := range []string{title, "総務課", "情報漏えい", "レベル2（重大）", "含まれる", "完了", "1 件"} {
		if !strings.Contains(ledger, want) {
			t.Errorf("the ledger lacks %q:\n%s", want, ledger)
		}
	}
	if n := eval[int](t, csirt, `document.querySelectorAll("figure.chart svg rect").length`); n != 12 {
		t.Errorf("the monthly chart has %d bars, want 12", n)
	}
	shot(t, csirt, "incident-9-ledger")
	type download struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}
	var dl download
	href := eval[string](t, csirt, `document.querySelector('a[href^="/incidents/ledger.xlsx"]').getAttribute("href")`)
	dl, err = chromedp.Run(csirt, chromedp.Evaluate[download](`fetch(`+jsString(href)+`).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (const x of b) s += String.fromCharCode(x);
		return {type: r.headers.get("Content-Type"), data: btoa(s)};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	xlsx, err := base64.StdEncoding.DecodeString(dl.Data)
	if err != nil || !bytes.HasPrefix(xlsx, []byte("PK")) || dl.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("the ledger export is not an xlsx workbook (%s): %v", dl.Type, err)
	}
	sheets, err := tabular.ReadXLSX(xlsx)
	if err != nil || len(sheets) != 1 || len(sheets[0].Rows) != 1 {
		t.Fatalf("ledger xlsx: %v %+v", err, sheets)
	}
	row := sheets[0].Rows[0]
	cell := func(name string) string { return tabular.Cell(row, sheets[0].Column(name)) }
	if cell("件名") != title || cell("状況") != "完了" || cell("種別") != "情報漏えい" || cell("再発防止策") != prevention || cell("完了日時") == "" {
		t.Errorf("the ledger xlsx row: %q %q", sheets[0].Header, row)
	}

	// 8. The lessons learned are published to all staff, without details.
	do(t, phone, chromedp.Navigate(base+"/incidents/lessons"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if page := mainText(t, phone); !strings.Contains(page, lessons) || strings.Contains(page, "申込者名簿") || strings.Contains(page, title) {
		t.Errorf("the lessons page:\n%s", page)
	}
}

// longBrowser is browser with room for a story of four people on a busy
// machine: five minutes instead of ninety seconds.
func longBrowser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 6*time.Minute)
}
