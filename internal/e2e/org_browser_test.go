package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestOrganisationInBrowser: after the first administrator signs in, the
// organisation loaded from CSV shows as a unit tree, people are found by
// kana, and a person's page shows their appointment.
func TestOrganisationInBrowser(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "kitei.db")
	files := map[string]string{
		"units.csv":       "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務部,部,HQ\nJINJI,人事課,課,SOUMU\n",
		"people.csv":      "employee_no,name,name_kana,email,unit_code,status,joined_on\nE100,山田 花子,ヤマダ ハナコ,hanako@example.jp,JINJI,active,2021-04-01\nE200,佐藤 一郎,サトウ イチロウ,ichiro@example.jp,SOUMU,active,2019-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE100,division_iso,JINJI,2024-04-01\n",
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
	base, stdout := server(t, dsn)
	ctx := browser(t)
	signIn(t, ctx, base, stdout)

	do(t, ctx, chromedp.Navigate(base+"/org"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	tree := eval[string](t, ctx, `document.querySelector("main").innerText`)
	for _, want := range []string{"本部", "総務部", "人事課"} {
		if !strings.Contains(tree, want) {
			t.Errorf("unit tree lacks %s:\n%s", want, tree)
		}
	}
	do(t, ctx, chromedp.Navigate(base+"/org/people?q=%E3%82%84%E3%81%BE%E3%81%A0"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	list := eval[string](t, ctx, `document.querySelector("main").innerText`)
	if !strings.Contains(list, "山田 花子") || strings.Contains(list, "佐藤 一郎") {
		t.Fatalf("search by hiragana kana: %s", list)
	}
	href := eval[string](t, ctx, `Array.from(document.querySelectorAll("main a")).find(a => a.textContent.includes("山田")).getAttribute("href")`)
	do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.CSS(`main`)))
	page := eval[string](t, ctx, `document.querySelector("main").innerText`)
	if !strings.Contains(page, "課室情報セキュリティ責任者") {
		t.Errorf("person page lacks the appointment:\n%s", page)
	}
	// The page obeys the strict CSP: no inline script or style attributes.
	inline := eval[int](t, ctx, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`)
	if inline != 0 {
		t.Errorf("%d inline scripts or styles on the person page", inline)
	}
}
