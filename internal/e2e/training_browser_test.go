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

	"github.com/chromedp/chromedp"
)

// trQuestions is the 5-question test the 統括 writes from the rulebooks'
// topics (passwords, suspicious mail, taking information out, leaving the
// desk, removable media): question → choices, the right ones marked "*".
var trQuestions = []struct {
	text     string
	multiple bool
	choices  []string
}{
	{"パスワードの取扱いとして正しいものはどれか", false, []string{"付箋に書いて画面に貼る", "*他人に教えず、推測されにくいものにする", "同じ課の職員と共有する"}},
	{"不審なメールを受け取ったときの対応はどれか", false, []string{"*開かずに情報セキュリティ担当へ報告する", "添付ファイルを開いて内容を確かめる", "そのまま全員に転送する"}},
	{"機密性3の情報を庁外へ持ち出すときに必要なものをすべて選べ", true, []string{"*課室情報セキュリティ責任者の許可", "*暗号化", "口頭で同僚に伝えること"}},
	{"離席するときの端末の扱いはどれか", false, []string{"そのままにする", "*画面をロックする"}},
	{"私物のUSBメモリの扱いはどれか", false, []string{"自由に接続してよい", "*許可なく接続しない"}},
}

// TestTrainingInBrowser: the 統括 writes a course with a 5-question test in
// the course editor and assigns it to all staff; a staff member takes it
// on a 390 px phone screen, fails once and passes; the 課室 officer sees
// the unit's rate and reminds the rest; the CISO's yearly report shows the
// rates.
func TestTrainingInBrowser(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "kitei.db")
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\nJIGYO,事業課,課,HQ\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E100,山田 花子,ヤマダ ハナコ,hanako@example.jp,SOUMU,active,2021-04-01\n" +
			"E200,佐藤 一郎,サトウ イチロウ,ichiro@example.jp,SOUMU,active,2019-04-01\n" +
			"E300,鈴木 次郎,スズキ ジロウ,jiro@example.jp,JIGYO,active,2018-04-01\n" +
			"E400,高橋 三郎,タカハシ サブロウ,saburo@example.jp,SOUMU,active,2022-04-01\n" +
			"E800,田中 統括,タナカ,chief@example.jp,HQ,active,2010-04-01\n" +
			"E900,伊藤 最高,イトウ,ciso@example.jp,HQ,active,2005-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE200,division_iso,SOUMU,2024-04-01\n" +
			"E800,chief_iso,,2024-04-01\nE900,ciso,,2024-04-01\n",
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
	base, _ := server(t, dsn)
	chiefOTP := newAccount(t, dsn, "tanaka", "E800")
	staffOTP := newAccount(t, dsn, "hanako", "E100")
	officerOTP := newAccount(t, dsn, "ichiro", "E200")
	cisoOTP := newAccount(t, dsn, "ito", "E900")
	today := time.Now()

	// The 統括 writes the course in the editor.
	chief := browser(t)
	if !signInAs(t, chief, base, "tanaka", chiefOTP) {
		t.Error("the 統括 (privileged) was not asked for TOTP")
	}
	do(t, chief, chromedp.Navigate(base+"/training"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	do(t, chief, chromedp.Click(chromedp.CSS(`main a[href="/training/admin"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/training/courses"]`)))
	do(t, chief,
		chromedp.SetValue(chromedp.CSS(`form[action="/training/courses"] input[name=title]`), "令和8年度 情報セキュリティ研修"),
		chromedp.Click(chromedp.CSS(`form[action="/training/courses"] button[type=submit]`)),
	)
	if err := waitJS(chief, `document.readyState === "complete" && /^\/training\/courses\/\d+\/edit$/.test(location.pathname) && location.search.includes("done=created")`); err != nil {
		t.Fatalf("after creating the course: %v", err)
	}
	course := strings.TrimSuffix(eval[string](t, chief, `location.pathname`), "/edit")
	body := "情報セキュリティ規程は全職員が守るルールです。\n\n## パスワード\n\n- 他人に教えない\n- 推測されにくいものにする\n\n" +
		"## 不審なメール\n\n1. 開かない\n2. 情報セキュリティ担当へ報告する\n\n<script>alert('x')</script>"
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS(`input[name=opens_on]`), today.AddDate(0, 0, -1).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS(`input[name=closes_on]`), today.AddDate(0, 0, 30).Format("2006-01-02")),
		chromedp.Click(chromedp.CSS(`input[name=aud_all]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=s0_heading]`), "規程の基本"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=s0_body]`), body),
	}
	for i, q := range trQuestions {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`textarea[name=q%d_text]`, i)), q.text))
		if q.multiple {
			steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=q%d_multiple]`, i))))
		}
		for j, c := range q.choices {
			steps = append(steps, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`input[name=q%d_c%d]`, i, j)), strings.TrimPrefix(c, "*")))
			if strings.HasPrefix(c, "*") {
				steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=q%d_correct][value="%d"]`, i, j))))
			}
		}
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(`form.tr-editor > button[type=submit]`)))
	do(t, chief, steps...)
	waitPath(t, chief, course+"/edit", "done=saved")
	if n := eval[int](t, chief, `document.querySelectorAll("textarea[name$=_text]").length`); n != 7 {
		t.Errorf("editor after saving shows %d question slots, want 5 written + 2 empty", n)
	}
	preview := eval[string](t, chief, `document.querySelector(".tr-material").innerHTML`)
	if !strings.Contains(preview, "<h2>パスワード</h2>") || !strings.Contains(preview, "<li>他人に教えない</li>") || strings.Contains(preview, "<script") {
		t.Errorf("preview is not the safe rendering:\n%s", preview)
	}
	shot(t, chief, "training_editor")
	do(t, chief, chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)))
	waitPath(t, chief, course+"/edit", "done=published")

	// A staff member takes it on a phone: fails once, then passes.
	staff := browser(t)
	do(t, staff, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	signInAs(t, staff, base, "hanako", staffOTP)
	do(t, staff, chromedp.Navigate(base+"/training"), chromedp.WaitVisible(chromedp.CSS(`ul.tr-cards`)))
	if p := mainText(t, staff); !strings.Contains(p, "令和8年度 情報セキュリティ研修") || !strings.Contains(p, "未修了") {
		t.Fatalf("my training:\n%s", p)
	}
	shot(t, staff, "training_my_phone")
	do(t, staff, chromedp.Click(chromedp.CSS(`ul.tr-cards a.button`)), chromedp.WaitVisible(chromedp.CSS(`.tr-material`)))
	checkPhone(t, staff, "course")
	if n := eval[int](t, staff, `document.querySelectorAll(".tr-material script, .tr-material a").length`); n != 0 {
		t.Errorf("course text carries %d scripts or links", n)
	}
	shot(t, staff, "training_course_phone")
	take := func(wrong int) {
		t.Helper()
		do(t, staff, chromedp.Click(chromedp.CSS(`.tr-test button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form.tr-quiz`)))
		checkPhone(t, staff, "test")
		if n := eval[int](t, staff, `document.querySelectorAll("li.tr-question").length`); n != 5 {
			t.Fatalf("the test shows %d questions", n)
		}
		// Answer by reading the page as a person would: find each question
		// by its text, choose the choices by theirs.
		for i, q := range trQuestions {
			for _, c := range q.choices {
				pick := strings.HasPrefix(c, "*")
				if i < wrong { // get the first questions wrong
					pick = !pick && c == firstWrong(q.choices)
				}
				if !pick {
					continue
				}
				js := fmt.Sprintf(`(() => { const q = [...document.querySelectorAll("li.tr-question")].find(li => li.querySelector("legend").textContent.includes(%s));
					const l = [...q.querySelectorAll("label.tr-choice")].find(l => l.textContent.trim() === %s); l.querySelector("input").click(); return true })()`,
					jsString(q.text), jsString(strings.TrimPrefix(c, "*")))
				eval[bool](t, staff, js)
			}
		}
		shot(t, staff, fmt.Sprintf("training_test_phone_%d", wrong))
		do(t, staff, chromedp.Click(chromedp.CSS(`form.tr-quiz > button[type=submit]`)))
	}
	take(2)
	waitPath(t, staff, course, "done=failed")
	if p := mainText(t, staff); !strings.Contains(p, "不合格でした") {
		t.Fatalf("after failing:\n%s", p)
	}
	take(0)
	waitPath(t, staff, course, "done=passed")
	if p := mainText(t, staff); !strings.Contains(p, "合格しました") || !strings.Contains(p, "100 点") {
		t.Fatalf("after passing:\n%s", p)
	}
	shot(t, staff, "training_passed_phone")
	my := evalAwait[string](t, staff, `fetch("/api/v1/training/my").then(r => r.json()).then(d => d.map(a => a.status + ":" + a.score + ":" + a.attempts).join("|"))`)
	if my != "completed:100:2" {
		t.Errorf("my training through the API: %q", my)
	}
	if st := fetchStatus(t, staff, "/training/follow"); st != 403 {
		t.Errorf("staff opening the following page: %d", st)
	}

	// The 課室 officer sees 総務課 only, its rate, and reminds the rest.
	officer := browser(t)
	if !signInAs(t, officer, base, "ichiro", officerOTP) {
		t.Error("the 課室情報セキュリティ責任者 was not asked for TOTP")
	}
	do(t, officer, chromedp.Navigate(base+"/training/follow"), chromedp.WaitVisible(chromedp.CSS(`table.tr-rates`)))
	rates := eval[string](t, officer, `document.querySelector("table.tr-rates").innerText`)
	if !regexp.MustCompile(`総務課\s+3\s+1\s+0\s+33\.3`).MatchString(rates) || strings.Contains(rates, "事業課") {
		t.Fatalf("officer's rates (総務課: 3 assigned, 1 completed, 33.3%%; no 事業課):\n%s", rates)
	}
	pending := mainText(t, officer)
	if !strings.Contains(pending, "高橋 三郎") || !strings.Contains(pending, "佐藤 一郎") || strings.Contains(pending, "鈴木 次郎") {
		t.Errorf("pending list:\n%s", pending)
	}
	if n := eval[int](t, officer, `document.querySelectorAll("figure.chart svg rect").length`); n < 2 {
		t.Errorf("following chart has %d bars", n)
	}
	shot(t, officer, "training_follow")
	do(t, officer, chromedp.Click(chromedp.CSS(`table.tr-rates form[action*="/remind"] button`)))
	waitPath(t, officer, "/training/follow", "done=reminded")
	if p := mainText(t, officer); !strings.Contains(p, "督促を送りました") {
		t.Fatalf("remind:\n%s", p)
	}
	if st := fetchStatus(t, officer, "/training/report"); st != 403 {
		t.Errorf("officer opening the CISO report: %d", st)
	}

	// The CISO reads the yearly report with the rates.
	ciso := browser(t)
	signInAs(t, ciso, base, "ito", cisoOTP)
	do(t, ciso, chromedp.Navigate(base+"/training/report"), chromedp.WaitVisible(chromedp.CSS(`table.tr-report`)))
	report := mainText(t, ciso)
	// Everyone active is assigned (6 people), one completed: 16.7 %.
	if !strings.Contains(report, "令和8年度 情報セキュリティ研修") || !regexp.MustCompile(`6\s+1\s+16\.7`).MatchString(report) ||
		!strings.Contains(report, "総務課") || !strings.Contains(report, "事業課") {
		t.Fatalf("CISO report:\n%s", report)
	}
	if n := eval[int](t, ciso, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the report", n)
	}
	shot(t, ciso, "training_report")
	xlsx := evalAwait[string](t, ciso, `fetch("/training/results.xlsx").then(r => r.arrayBuffer().then(b => r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...new Uint8Array(b.slice(0, 2)))))`)
	if xlsx != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet PK" {
		t.Errorf("xlsx: %q", xlsx)
	}
	do(t, ciso, chromedp.Navigate(base+"/training/results"), chromedp.WaitVisible(chromedp.CSS(`figure.chart svg`)))
	shot(t, ciso, "training_results")
}

func firstWrong(choices []string) string {
	for _, c := range choices {
		if !strings.HasPrefix(c, "*") {
			return c
		}
	}
	return ""
}

// checkPhone fails when the page is wider than the 390 px screen or
// carries inline scripts or styles.
func checkPhone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("%s page is %d px wide on a 390 px screen", what, w)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the %s page", n, what)
	}
}
