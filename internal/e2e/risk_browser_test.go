package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/store/storetest"
)

// TestRiskAssessmentInBrowser is issue 18's first demonstration, tried as
// new users would in Chromium: the 統括情報セキュリティ責任者 asks two units
// to assess their risks by a date; the ISSO of 総務課's system rates the
// assets, keeps one residual risk above the threshold and asks the CISO to
// accept it; the 課室 officer of 事業課 rates a risk of their unit; the CISO
// accepts the risk on the approval engine, the risk records it, and the
// heat map shows both units. SQLite, and PostgreSQL when configured.
func TestRiskAssessmentInBrowser(t *testing.T) {
	dsns := storetest.DSNs(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		if dsn, ok := dsns[engine]; ok {
			t.Run(engine, func(t *testing.T) { riskInBrowser(t, dsn) })
		}
	}
}

// riskBrowser is browser with room for a long story on a busy machine:
// the whole context lives four minutes instead of ninety seconds.
func riskBrowser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 6*time.Minute)
}

func riskInBrowser(t *testing.T, dsn string) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kitei(t, "org", "import", "--db", dsn,
		write("units.csv", "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\nJIGYO,事業課,課,HQ\n"),
		write("people.csv", "employee_no,name,name_kana,email,unit_code,status,joined_on\n"+
			"E100,田中 統括,タナカ トウカツ,chief@example.jp,HQ,active,2010-04-01\n"+
			"E200,佐藤 一郎,サトウ イチロウ,sato@example.jp,SOUMU,active,2015-04-01\n"+
			"E300,山本 最高,ヤマモト サイコウ,ciso@example.jp,HQ,active,2005-04-01\n"+
			"E400,伊藤 花子,イトウ ハナコ,ito@example.jp,JIGYO,active,2012-04-01\n"),
		write("assignments.csv", "employee_no,role_key,unit_code,starts_on\n"+
			"E100,chief_iso,,2024-04-01\nE300,ciso,,2024-04-01\nE400,division_iso,JIGYO,2024-04-01\n"))
	kitei(t, "register", "import", "systems", write("systems.csv",
		"システムID,システム名,所管部署コード,ISSO職員番号,ライフサイクル段階,機密性,完全性,可用性\n"+
			"SYS-001,文書管理システム,SOUMU,E200,運用・保守,2,2,2\n"), "--db", dsn)
	kitei(t, "register", "import", "assets", write("assets.csv",
		"資産ID,情報資産名,種別,管理部署コード,決定者職員番号,機密性,完全性,可用性\n"+
			"A-001,人事評価データ,データベース,SOUMU,E300,2,2,2\n"+
			"A-002,公開用パンフレット原稿,文書,SOUMU,E300,1,1,1\n"), "--db", dsn)
	chiefPw := newAccount(t, dsn, "tanaka", "E100")
	issoPw := newAccount(t, dsn, "sato", "E200")
	cisoPw := newAccount(t, dsn, "yamamoto", "E300")
	officerPw := newAccount(t, dsn, "ito", "E400")
	base, _ := server(t, dsn)
	due := time.Now().AddDate(0, 0, 14).Format("2006-01-02")

	// 1. The 統括 asks 総務課 and 事業課 to assess their risks.
	a := riskBrowser(t)
	signInAs(t, a, base, "tanaka", chiefPw)
	do(t, a,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/risks"]`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/risks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/risks/campaigns"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/risks/campaigns"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/risks/campaigns"] input[name=name]`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks/campaigns"] input[name=name]`), "2026年度 情報資産のリスク評価"),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks/campaigns"] input[name=due_on]`), due),
	)
	for _, unit := range []string{"総務課", "事業課"} {
		if !eval[bool](t, a, `(() => { const l = Array.from(document.querySelectorAll('form[action="/risks/campaigns"] label.inline')).find(l => l.textContent.includes(`+jsString(unit)+`)); if (l) l.querySelector('input').click(); return !!l })()`) {
			t.Fatalf("the campaign form offers no %s", unit)
		}
	}
	shot(t, a, "risk-1-campaign-form")
	do(t, a, chromedp.Submit(chromedp.CSS(`form[action="/risks/campaigns"] input[name=name]`)))
	waitPath(t, a, "/risks/campaigns/*", "done=started")
	campaign := eval[string](t, a, `location.pathname`)
	page := mainText(t, a)
	for _, want := range []string{"リスク評価を依頼しました", "総務課", "事業課", due} {
		if !strings.Contains(page, want) {
			t.Errorf("the campaign page lacks %q:\n%s", want, page)
		}
	}

	// 2. The ISSO finds the request in the inbox and rates the assets of
	// 総務課 from the campaign page.
	b := riskBrowser(t)
	signInAs(t, b, base, "sato", issoPw)
	do(t, b, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if inbox := mainText(t, b); !strings.Contains(inbox, "リスク評価「2026年度 情報資産のリスク評価」の依頼") {
		t.Fatalf("the ISSO was not asked to assess:\n%s", inbox)
	}
	rate := func(asset, title, threat, vuln, treatment string) string {
		t.Helper()
		do(t, b, chromedp.Navigate(base+campaign), chromedp.WaitVisible(chromedp.CSS(`main details`)))
		if !eval[bool](t, b, `(() => { const li = Array.from(document.querySelectorAll('main details li')).find(li => li.textContent.includes(`+jsString(asset)+`)); if (li) li.querySelector('a').click(); return !!li })()`) {
			t.Fatalf("the campaign page does not offer %s to rate:\n%s", asset, mainText(t, b))
		}
		waitPath(t, b, "/risks/new", "campaign=")
		do(t, b,
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] input[name=title]`), title),
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] textarea[name=threat_text]`), "外部からの不正アクセスによる情報の窃取"),
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] textarea[name=vulnerability_text]`), "管理者アカウントに多要素認証が設定されていない"),
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=threat]`), threat),
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=vulnerability]`), vuln),
			chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=treatment]`), treatment),
		)
		shot(t, b, "risk-2-rate")
		do(t, b, chromedp.Submit(chromedp.CSS(`form[action="/risks"] input[name=title]`)))
		waitPath(t, b, "/risks/*", "done=created")
		return eval[string](t, b, `location.pathname`)
	}
	high := rate("A-001", "人事評価データの漏えい", "3", "2", "accept")
	page = mainText(t, b)
	for _, want := range []string{"人事評価データの漏えい", "リスク値 6", "残留リスク値 6", "受容", "残留リスクの受容を申請"} {
		if !strings.Contains(page, want) {
			t.Errorf("the rated risk lacks %q:\n%s", want, page)
		}
	}
	do(t, b,
		chromedp.SetValue(chromedp.CSS(`form[action$="/accept"] textarea[name=reason]`), "次期更改（来年度）で多要素認証を導入するまで、アクセスログの日次確認で代替する。"),
		chromedp.Submit(chromedp.CSS(`form[action$="/accept"] textarea[name=reason]`)),
	)
	waitPath(t, b, high, "done=requested")
	if page := mainText(t, b); !strings.Contains(page, "CISO 決裁待ち") {
		t.Fatalf("after asking the CISO the risk shows:\n%s", page)
	}
	shot(t, b, "risk-3-requested")
	rate("A-002", "パンフレット原稿の改ざん", "1", "1", "reduce")

	// 3. The 課室 officer of 事業課 rates a risk of their unit (same browser,
	// after the ISSO signs out).
	do(t, b, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, b, "/login", "")
	signInAs(t, b, base, "ito", officerPw)
	do(t, b, chromedp.Navigate(base+campaign), chromedp.WaitVisible(chromedp.CSS(`main a[href*="kind=org"]`)))
	if page := mainText(t, b); strings.Contains(page, "総務課") {
		t.Errorf("the officer of 事業課 sees 総務課's assessment:\n%s", page)
	}
	do(t, b,
		chromedp.Click(chromedp.CSS(`main a[href*="kind=org"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/risks"] input[name=title]`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks"] input[name=title]`), "窓口端末の盗難"),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=impact]`), "2"),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=threat]`), "2"),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=vulnerability]`), "1"),
		chromedp.SetValue(chromedp.CSS(`form[action="/risks"] select[name=treatment]`), "reduce"),
		chromedp.Submit(chromedp.CSS(`form[action="/risks"] input[name=title]`)),
	)
	waitPath(t, b, "/risks/*", "done=created")

	// 4. The CISO (in the 統括's browser after they sign out) finds the
	// acceptance waiting and approves it.
	do(t, a, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, a, "/login", "")
	signInAs(t, a, base, "yamamoto", cisoPw)
	do(t, a, chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if !eval[bool](t, a, `(() => { const l = Array.from(document.querySelectorAll('main table.list a')).find(a => a.textContent.includes("人事評価データの漏えい")); if (l) l.click(); return !!l })()`) {
		t.Fatalf("the acceptance is not waiting for the CISO:\n%s", mainText(t, a))
	}
	do(t, a, chromedp.WaitVisible(chromedp.CSS(`form[action$="/decide"]`)))
	page = mainText(t, a)
	for _, want := range []string{"リスクの受容", "6 / 6", "アクセスログの日次確認"} {
		if !strings.Contains(page, want) {
			t.Errorf("the CISO's request page lacks %q:\n%s", want, page)
		}
	}
	do(t, a,
		chromedp.Click(chromedp.CSS(`form[action$="/decide"] input[value=approve]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/decide"] button[type=submit]`)),
	)
	waitPath(t, a, "/requests/*", "done=decided")
	// The request links to the risk, which records the acceptance.
	do(t, a, chromedp.Click(chromedp.CSS(`main a[href="`+high+`"]`)))
	waitPath(t, a, high, "")
	if page := mainText(t, a); !strings.Contains(page, "受容（CISO 承認済み）") || !strings.Contains(page, "山本 最高") {
		t.Fatalf("the risk does not record the CISO's acceptance:\n%s", page)
	}
	shot(t, a, "risk-4-accepted")

	// 5. The heat map shows both units.
	do(t, a, chromedp.Navigate(base+campaign), chromedp.WaitVisible(chromedp.CSS(`svg.heatmap`)))
	if n := eval[int](t, a, `document.querySelectorAll('section.risk-unit svg.heatmap').length`); n != 2 {
		t.Fatalf("%d heat maps, want one per unit", n)
	}
	counts := eval[[]string](t, a, `Array.from(document.querySelectorAll('section.risk-unit')).map(s => s.querySelector('h2').textContent + ":" + Array.from(s.querySelectorAll('svg text.hm-n')).map(x => x.textContent).join("+"))`)
	got := strings.Join(counts, " | ")
	if len(counts) != 2 || !strings.Contains(got, "事業課 :1") || !strings.Contains(got, "総務課 :1+1") {
		t.Fatalf("heat map counts %q, want 総務課's two risks and 事業課's one", counts)
	}
	shot(t, a, "risk-5-heatmap")

	// On a phone the campaign and the risk pages do not overflow.
	do(t, a, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, path := range []string{campaign, high, "/risks"} {
		do(t, a, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if w := eval[int](t, a, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s is %d px wide on a phone", path, w)
		}
	}
	shot(t, a, "risk-6-phone")
}
