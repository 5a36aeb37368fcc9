package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/store/storetest"
)

// TestMediaInBrowser: the media register is imported from a sheet; the 課室
// officer lends a USB stick; the borrower files a 持出し naming it, which
// shows on the medium's page; once the stick is past its due date the
// daily job chases the borrower, once a day.
func TestMediaInBrowser(t *testing.T) {
	dsn := storetest.DSNs(t)["sqlite"]
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kitei(t, "org", "import", "--db", dsn,
		write("units.csv", "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\n"),
		write("people.csv", "employee_no,name,name_kana,email,unit_code,status,joined_on\n"+
			"E200,高橋 直子,タカハシ ナオコ,takahashi@example.jp,SOUMU,active,2012-04-01\n"+
			"E300,田中 太郎,タナカ タロウ,tanaka@example.jp,SOUMU,active,2020-04-01\n"),
		write("assignments.csv", "employee_no,role_key,unit_code,starts_on\nE200,division_iso,SOUMU,2024-04-01\n"))
	out := kitei(t, "inventory", "import", "medium", write("media.csv",
		"管理番号,名称,管理部署,媒体の種類,状態,消去日\nUSB-001,暗号化USBメモリ 1,SOUMU,USB メモリ,保管中,\nUSB-002,暗号化USBメモリ 2,SOUMU,usb,stored,2026/4/1\n"), "--db", dsn)
	if !strings.Contains(out, "+2 added") {
		t.Fatalf("media import: %s", out)
	}
	officerPw := newAccount(t, dsn, "takahashi", "E200")
	staffPw := newAccount(t, dsn, "tanaka", "E300")
	base, _ := server(t, dsn)
	day := func(d int) string { return time.Now().AddDate(0, 0, d).Format("2006-01-02") }

	// 1. The officer lends USB-001 to 田中 until tomorrow.
	officer := riskBrowser(t)
	signInAs(t, officer, base, "takahashi", officerPw)
	do(t, officer,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/inventory/device"]`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/inventory/device"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/inventory/medium"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/inventory/medium"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table.list`)),
	)
	shot(t, officer, "media-1-list")
	if !eval[bool](t, officer, `(() => { const a = Array.from(document.querySelectorAll('main table.list a')).find(a => a.textContent === "USB-001"); if (a) a.click(); return !!a })()`) {
		t.Fatalf("USB-001 is not listed:\n%s", mainText(t, officer))
	}
	do(t, officer,
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/lend"] input[name=holder]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/lend"] input[name=holder]`), "E300"),
		chromedp.SetValue(chromedp.CSS(`form[action$="/lend"] input[name=due_on]`), day(1)),
		chromedp.Submit(chromedp.CSS(`form[action$="/lend"] input[name=holder]`)),
	)
	waitPath(t, officer, "/inventory/medium/*", "done=lent")
	medium := eval[string](t, officer, `location.pathname`)
	if page := mainText(t, officer); !strings.Contains(page, "田中 太郎") || !strings.Contains(page, "貸出中") || !strings.Contains(page, day(1)) {
		t.Fatalf("after lending the medium shows:\n%s", page)
	}

	// 2. 田中 files the 持出し of the stick, naming it.
	staff := riskBrowser(t)
	signInAs(t, staff, base, "tanaka", staffPw)
	const title = "説明会資料を保存したUSBメモリの持出し"
	do(t, staff,
		chromedp.Navigate(base+"/requests/new?type=media_take_out"),
		chromedp.WaitVisible(chromedp.CSS(`form.stack input[name=title]`)),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=title]`), title),
		chromedp.SetValue(chromedp.CSS(`form.stack select[name=level]`), "機密性2"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=media]`), "USB メモリ USB-001"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=target_ref]`), "USB-001"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=destination]`), "県民ホール"),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=starts_on]`), day(0)),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=ends_on]`), day(1)),
		chromedp.SetValue(chromedp.CSS(`form.stack input[name=protection]`), "暗号化機能付き媒体を使用"),
		chromedp.Click(chromedp.CSS(`form.stack button[name=submit]`)),
	)
	waitPath(t, staff, "/requests/*", "done=")
	if page := mainText(t, staff); !strings.Contains(page, "USB-001 暗号化USBメモリ 1") {
		t.Fatalf("the request does not name the medium:\n%s", page)
	}

	// 3. The request shows on the medium's page.
	do(t, officer, chromedp.Navigate(base+medium), chromedp.WaitVisible(chromedp.CSS(`#requests`)))
	if got := eval[string](t, officer, `document.querySelector('#requests').innerText`); !strings.Contains(got, title) || !strings.Contains(got, "田中 太郎") {
		t.Fatalf("the medium's page lacks the request:\n%s", got)
	}
	shot(t, officer, "media-2-medium")

	// 4. Two days after the due date the job chases the borrower, once.
	var res struct{ Chased int }
	if err := json.Unmarshal([]byte(kitei(t, "inventory", "jobs", "--on", day(3), "--db", dsn)), &res); err != nil || res.Chased != 2 {
		t.Fatalf("jobs: %+v %v, want the borrower and the officer chased", res, err)
	}
	if err := json.Unmarshal([]byte(kitei(t, "inventory", "jobs", "--on", day(3), "--db", dsn)), &res); err != nil || res.Chased != 0 {
		t.Fatalf("jobs again the same day: %+v %v", res, err)
	}
	do(t, staff, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if inbox := mainText(t, staff); !strings.Contains(inbox, "USB-001（暗号化USBメモリ 1）の返却期限を過ぎています") {
		t.Fatalf("the borrower's inbox lacks the chase:\n%s", inbox)
	}
	// On a phone the register pages do not overflow.
	do(t, officer, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, path := range []string{"/inventory/medium", medium, "/contacts"} {
		do(t, officer, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if w := eval[int](t, officer, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s is %d px wide on a phone", path, w)
		}
	}
	shot(t, officer, "media-3-phone")
}
