package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/tabular"
	"kitei/internal/testshared"
	"kitei/internal/wareki"
)

var demoAccount = regexp.MustCompile(`(?m)^\s+(demo-[a-z]+)\s+(\S+)\s`)

// The year as a whole, as new users would meet it: `kitei serve --demo`
// fills an empty store with a year of data (an organisation, a running
// self-inspection, requests, a course, two incidents, an audit with a
// finding); a staff member's home page shows their own to-dos and no
// organisation figures; the CISO's shows the organisation's figures; the
// CISO generates the annual report, records two review decisions and
// downloads the PDF (Japanese text read back with pdftotext, pages drawn
// with pdftoppm) and the xlsx; the 和暦 setting changes the dates on pages
// but not in the API.
func TestYearInBrowser(t *testing.T) {
	testshared.Seeds(t) // the demo loads the rulebooks it finds
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	base, out := serverWith(t, dsn, "--demo")
	accounts := map[string]string{}
	for _, m := range demoAccount.FindAllStringSubmatch(out.String(), -1) {
		accounts[m[1]] = m[2]
	}
	if accounts["demo-staff"] == "" || accounts["demo-ciso"] == "" {
		t.Fatalf("serve --demo printed no demo accounts:\n%s", out.String())
	}
	fy := wareki.FiscalYearOf(time.Now())

	// A staff member: their own to-dos, nothing of the organisation.
	ctx := browser(t)
	signInAs(t, ctx, base, "demo-staff", accounts["demo-staff"])
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`ul.todos`)))
	home := mainText(t, ctx)
	if !strings.Contains(home, "自己点検（デモ）") || strings.Contains(home, "組織全体の状況") {
		t.Fatalf("staff home page:\n%s", home)
	}
	shot(t, ctx, "year-01-staff-home")

	// The CISO: the organisation's figures, then the annual report.
	ctx = browser(t)
	signInAs(t, ctx, base, "demo-ciso", accounts["demo-ciso"])
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`ul.todos`)))
	home = mainText(t, ctx)
	if !strings.Contains(home, "組織全体の状況") || !strings.Contains(home, "有効な例外措置") {
		t.Fatalf("CISO home page:\n%s", home)
	}
	shot(t, ctx, "year-02-ciso-home")
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/yearly/%d/report", base, fy)),
		chromedp.WaitVisible(chromedp.CSS(`main form[action$="/report"] button`)),
		chromedp.Click(chromedp.CSS(`main form[action$="/report"] button`)))
	waitPath(t, ctx, fmt.Sprintf("/yearly/%d/report", fy), "done=generated")
	report := mainText(t, ctx)
	for _, want := range []string{"年次報告書", "自己点検", "申請・届出と例外措置", "情報資産と情報システム"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	decisions := []string{"パスワードの規定を改定する", "来年度は標的型メール訓練を全職員に行う"}
	for i, text := range decisions {
		kind := []string{"rules", "plan"}[i]
		do(t, ctx,
			chromedp.SetValue(chromedp.CSS(`form[action$="/decisions"] select[name=kind]`), kind),
			chromedp.SetValue(chromedp.CSS(`form[action$="/decisions"] textarea[name=text]`), text),
			chromedp.Submit(chromedp.CSS(`form[action$="/decisions"] textarea[name=text]`)))
		waitPath(t, ctx, fmt.Sprintf("/yearly/%d/report", fy), "done=decision")
	}
	report = mainText(t, ctx)
	for _, text := range decisions {
		if !strings.Contains(report, text) {
			t.Errorf("decision %q not on the report", text)
		}
	}
	shot(t, ctx, "year-03-report")

	// The PDF and the xlsx as the browser downloads them.
	pdf := download(t, ctx, fmt.Sprintf("/yearly/%d/report.pdf", fy), "application/pdf")
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatal("the report download is not a PDF")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		text, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append([]string{"年次報告書", "見直しの決定"}, decisions...) {
			if !strings.Contains(string(text), want) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
		pages := filepath.Join(dir, "page")
		if d := os.Getenv("KITEI_SCREENSHOTS"); d != "" {
			pages = filepath.Join(d, "year-04-report-pdf")
		}
		if err := exec.Command("pdftoppm", "-png", "-r", "50", "-l", "3", file, pages).Run(); err != nil {
			t.Errorf("pdftoppm: %v", err)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("poppler-utils is not installed (.ci/run installs it)")
	}
	xlsx := download(t, ctx, fmt.Sprintf("/yearly/%d/report.xlsx", fy), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	sheets, err := tabular.ReadXLSX(xlsx)
	if err != nil || len(sheets) < 3 {
		t.Fatalf("the xlsx does not open: %v (%d sheets)", err, len(sheets))
	}

	// 和暦 on pages, ISO dates in the API.
	do(t, ctx, chromedp.Navigate(base+"/account"),
		chromedp.Click(chromedp.CSS(`input[name=date_style][value=wareki]`)),
		chromedp.Submit(chromedp.CSS(`input[name=date_style][value=wareki]`)))
	waitPath(t, ctx, "/account", "done=prefs")
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/yearly/%d/report", base, fy)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if title := eval[string](t, ctx, `document.querySelector("h1").textContent`); !strings.Contains(title, wareki.FiscalYear(fy)) {
		t.Errorf("with 和暦 the report is titled %q, want %s", title, wareki.FiscalYear(fy))
	}
	if page := mainText(t, ctx); !strings.Contains(page, "令和") {
		t.Error("with 和暦 the report shows no era date")
	}
	api := evalAwait[string](t, ctx, fmt.Sprintf(`(async () => { const r = await fetch("/api/v1/yearly/%d/report"); return await r.text(); })()`, fy))
	var an struct {
		Report struct {
			GeneratedAt time.Time `json:"generated_at"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(api), &an); err != nil || an.Report.GeneratedAt.IsZero() || strings.Contains(api, "令和") {
		t.Errorf("the API changed with the page's date style: %v %.200s", err, api)
	}
}

// download fetches path in the page's session and returns the body,
// checking the content type.
func download(t *testing.T, ctx context.Context, path, contentType string) []byte {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
		const r = await fetch(%q);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
		return JSON.stringify({status: r.status, type: r.headers.get("Content-Type"), body: btoa(s)});
	})()`, path)
	var res struct {
		Status int
		Type   string
		Body   string
	}
	if err := json.Unmarshal([]byte(evalAwait[string](t, ctx, js)), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || !strings.HasPrefix(res.Type, contentType) {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Type)
	}
	b, err := base64.StdEncoding.DecodeString(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
