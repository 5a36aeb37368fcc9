package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"kitei/internal/register"
)

// TestRegistersInBrowser walks the registers as a new organisation would:
// the first administrator loads the organisation and opens an account for
// the security office's 高橋 (the administrator keeps kitei, not the
// registers); 高橋 registers a cloud service and a system with its ISSO,
// classifies two assets, copies one and sees the copy inherit, retires the
// copy, files a クラウド利用 request about the system and sees it linked
// both ways, exports the 情報システム台帳 to xlsx and imports it back
// unchanged. Then the CLI carries the ledger into a fresh store: same rows.
// With KITEI_SCREENSHOTS=DIR it saves a PNG of each step.
func TestRegistersInBrowser(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "kitei.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orgFiles := []string{
		write("units.csv", "code,name,kind,parent_code\nHQ,本部,本部,\nJOHO,情報システム部,部,HQ\nSOUMU,総務課,課,HQ\n"),
		write("people.csv", "employee_no,name,name_kana,email,unit_code,status,joined_on\n"+
			"E100,高橋 真理,タカハシ マリ,mari@example.jp,HQ,active,2020-04-01\n"+
			"E200,佐藤 一郎,サトウ イチロウ,ichiro@example.jp,SOUMU,active,2019-04-01\n"+
			"E300,鈴木 次郎,スズキ ジロウ,jiro@example.jp,JOHO,active,2018-04-01\n"+
			"E400,田中 統括,タナカ トウカツ,chief@example.jp,HQ,active,2010-04-01\n"),
		write("assignments.csv", "employee_no,role_key,unit_code,starts_on\n"+
			"E100,security_office,,2024-04-01\nE400,chief_iso,,2024-04-01\nE200,division_iso,SOUMU,2024-04-01\n"),
	}
	kitei(t, append([]string{"org", "import", "--db", dsn}, orgFiles...)...)
	base, stdout := server(t, dsn)
	ctx := browser(t)
	signIn(t, ctx, base, stdout)
	shot := regScreenshots(t, ctx)

	// The administrator opens 高橋's account, tied to her person record.
	do(t, ctx,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"] input[name=login]`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/admin/users"] input[name=login]`), "takahashi"),
		chromedp.SetValue(chromedp.CSS(`form[action="/admin/users"] input[name=employee_no]`), "E100"),
	)
	regSubmit(t, ctx, `form[action="/admin/users"] button`, chromedp.WaitVisible(chromedp.CSS(`p.flash code`)))
	onetime := eval[string](t, ctx, `document.querySelector("p.flash code").textContent`)
	regSubmit(t, ctx, `form[action="/logout"] button`)
	regSignIn(t, ctx, base, "takahashi", onetime)

	// A cloud service.
	post := func(action string) string { return `form[method=post][action="` + action + `"] ` }
	f := post("/register/services")
	do(t, ctx,
		chromedp.Navigate(base+"/register/services"),
		chromedp.WaitVisible(chromedp.CSS(f+`input[name=code]`)),
		chromedp.SetValue(chromedp.CSS(f+`input[name=code]`), "CL-1"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=name]`), "文書共有サービス"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=provider]`), "例示クラウド株式会社"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=data_location]`), "日本国内"),
	)
	regPick(t, ctx, f+`select[name=unit]`, "JOHO")
	regSubmit(t, ctx, f+`button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	regMainHas(t, ctx, "文書共有サービス", "例示クラウド株式会社")
	shot("service")

	// A system with its ISSO (named by employee number) using the service.
	f = post("/register/systems")
	do(t, ctx,
		chromedp.Navigate(base+"/register/systems"),
		chromedp.WaitVisible(chromedp.CSS(f+`input[name=code]`)),
		chromedp.SetValue(chromedp.CSS(f+`input[name=code]`), "SYS-1"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=name]`), "文書管理システム"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=purpose]`), "文書の保存と共有"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=isso]`), "E300"),
		chromedp.SetValue(chromedp.CSS(f+`textarea[name=components]`), "Web サーバ\nDB サーバ"),
		chromedp.Click(chromedp.CSS(f+`input[name=service][value="CL-1"]`)),
	)
	regPick(t, ctx, f+`select[name=unit]`, "JOHO")
	regPick(t, ctx, f+`select[name=stage]`, "運用・保守")
	regPick(t, ctx, f+`select[name=c]`, "機密性2")
	regSubmit(t, ctx, f+`button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	regMainHas(t, ctx, "文書管理システム", "鈴木 次郎", "E300", "CL-1 文書共有サービス", "運用・保守")
	systemURL := eval[string](t, ctx, `location.pathname`)
	shot("system")

	// Two assets classified: one 機密性2 with 持出禁止, one 機密性3 named.
	f = post("/register/assets")
	classify := func(code, name, c string, restriction, named string) {
		do(t, ctx,
			chromedp.Navigate(base+"/register/assets"),
			chromedp.WaitVisible(chromedp.CSS(f+`input[name=code]`)),
			chromedp.SetValue(chromedp.CSS(f+`input[name=code]`), code),
			chromedp.SetValue(chromedp.CSS(f+`input[name=name]`), name),
			chromedp.SetValue(chromedp.CSS(f+`input[name=kind]`), "データベース"),
		)
		if named != "" {
			do(t, ctx, chromedp.SetValue(chromedp.CSS(f+`input[name=named]`), named))
		}
		regPick(t, ctx, f+`select[name=unit]`, "SOUMU")
		regPick(t, ctx, f+`select[name=c]`, c)
		regPick(t, ctx, f+`select[name=i]`, "完全性2")
		if restriction != "" {
			do(t, ctx, chromedp.Click(chromedp.CSS(f+`input[name=restriction][value=`+restriction+`]`)))
		}
		regSubmit(t, ctx, f+`button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	}
	classify("IA-1", "職員名簿", "機密性2", "no_takeout", "")
	regMainHas(t, ctx, "職員名簿", "機密性2", "持出禁止", "高橋 真理")
	sourceURL := eval[string](t, ctx, `location.pathname`)
	classify("IA-2", "人事評価記録", "機密性3", "no_copy", "E100")
	regMainHas(t, ctx, "人事評価記録", "機密性3", "複製禁止", "高橋 真理 (E100)")
	shot("asset")

	// A copy of 職員名簿 inherits its classification and restrictions.
	f = post(sourceURL + "/copy")
	do(t, ctx,
		chromedp.Navigate(base+sourceURL),
		chromedp.WaitVisible(chromedp.CSS(f+`input[name=code]`)),
		chromedp.SetValue(chromedp.CSS(f+`input[name=code]`), "IA-1-C"),
		chromedp.SetValue(chromedp.CSS(f+`input[name=location]`), "共有フォルダ（複製）"),
	)
	regSubmit(t, ctx, f+`button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	regMainHas(t, ctx, "職員名簿（複製）", "IA-1-C", "機密性2", "完全性2", "持出禁止", "高橋 真理", "複製を登録しました")
	if src := eval[string](t, ctx, `document.querySelector('main a[href="`+sourceURL+`"]').textContent`); src != "IA-1" {
		t.Errorf("the copy's source link reads %q", src)
	}
	shot("copy")

	// Retiring the copy takes it out of the list; "include retired" shows it.
	copyURL := eval[string](t, ctx, `location.pathname`)
	// The copy's page already shows a flash (複製を登録しました): only the
	// new document may satisfy the wait (see regSubmit).
	do(t, ctx, chromedp.SetValue(chromedp.CSS(post(copyURL+"/retire")+`input[name=reason]`), "共有フォルダから削除"))
	regSubmit(t, ctx, post(copyURL+"/retire")+`button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	regMainHas(t, ctx, "廃止しました", "共有フォルダから削除")
	do(t, ctx, chromedp.Navigate(base+"/register/assets"), chromedp.WaitVisible(chromedp.CSS(`main table`)))
	if list := regMainText(t, ctx); strings.Contains(list, "IA-1-C") || !strings.Contains(list, "IA-2") {
		t.Errorf("default list shows the retired copy or lacks IA-2:\n%s", list)
	}
	do(t, ctx, chromedp.Navigate(base+"/register/assets?retired=1"), chromedp.WaitVisible(chromedp.CSS(`main table`)))
	regMainHas(t, ctx, "IA-1-C", "廃止")
	shot("assets")

	// A クラウド利用 request about the system names it by its id; the request
	// page links to the system and the system page lists the request.
	do(t, ctx,
		chromedp.Navigate(base+"/requests/new?type=cloud"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=title]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "文書共有サービスの利用"),
		chromedp.SetValue(chromedp.CSS(`input[name=provider]`), "例示クラウド株式会社"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=purpose]`), "文書管理システムの外部共有"),
		chromedp.SetValue(chromedp.CSS(`input[name=target_ref]`), "SYS-1"),
	)
	regPick(t, ctx, `select[name=level]`, "要機密情報")
	regPick(t, ctx, `select[name=ismap]`, "登録あり")
	regSubmit(t, ctx, `button[name=submit]`, chromedp.WaitVisible(chromedp.CSS(`main table.kv`)))
	regMainHas(t, ctx, "文書共有サービスの利用", "SYS-1 文書管理システム", "田中 統括")
	if href := eval[string](t, ctx, `(document.querySelector('main a[href="`+systemURL+`"]') || {textContent: ""}).textContent`); href != "SYS-1 文書管理システム" {
		t.Errorf("the request page does not link to the system: %q", href)
	}
	shot("request")
	do(t, ctx, chromedp.Navigate(base+systemURL), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	regMainHas(t, ctx, "この登録を対象とする申請", "文書共有サービスの利用")

	// Export the 台帳 to xlsx from the page.
	type download struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}
	dl, err := chromedp.Run(ctx, chromedp.Evaluate[download](`fetch("/register/export/systems").then(async r => {
		const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (const x of b) s += String.fromCharCode(x);
		return {type: r.headers.get("Content-Type"), data: btoa(s)};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if dl.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("export content type %q", dl.Type)
	}
	xlsx, err := base64.StdEncoding.DecodeString(dl.Data)
	if err != nil || !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Fatalf("export is not an xlsx workbook: %v", err)
	}
	exported := readRegister(t, register.KindSystems, "systems.xlsx", xlsx)
	if len(exported.Rows) != 1 || exported.Rows[0][0] != "SYS-1" || exported.Rows[0][4] != "E300" || exported.Rows[0][11] != "CL-1" {
		t.Fatalf("exported ledger: %q %q", exported.Header, exported.Rows)
	}

	// Import it back through the page: nothing changes.
	xlsxPath := write("systems.xlsx", string(xlsx))
	do(t, ctx,
		chromedp.Navigate(base+"/register/import"),
		chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{xlsxPath}),
	)
	regPick(t, ctx, `select[name=kind]`, "情報システム")
	regSubmit(t, ctx, `form[action="/register/import"] button[type=submit]`, chromedp.WaitVisible(chromedp.CSS(`main h2:not(section.panel h2)`)))
	regMainHas(t, ctx, "1 行を確認し、0 件を追加、0 件を更新しました")
	shot("import")

	// The CLI carries the ledger into a fresh store: same rows.
	fresh := "sqlite:" + filepath.Join(dir, "fresh.db")
	kitei(t, append([]string{"org", "import", "--db", fresh}, orgFiles...)...)
	svcFile, sysFile := filepath.Join(dir, "services-cli.xlsx"), filepath.Join(dir, "systems-cli.xlsx")
	kitei(t, "register", "export", "services", "--format", "xlsx", "-o", svcFile, "--db", dsn)
	kitei(t, "register", "export", "systems", "--format", "xlsx", "-o", sysFile, "--db", dsn)
	kitei(t, "register", "import", "services", svcFile, "--db", fresh)
	if out := kitei(t, "register", "import", "systems", sysFile, "--db", fresh); !strings.Contains(out, "+1 added") {
		t.Fatalf("import into the fresh store: %s", out)
	}
	again := filepath.Join(dir, "systems-fresh.xlsx")
	kitei(t, "register", "export", "systems", "--format", "xlsx", "-o", again, "--db", fresh)
	a, b := readRegisterFile(t, sysFile), readRegisterFile(t, again)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a.Rows, exported.Rows) {
		t.Fatalf("rows differ:\n%q\n%q\n%q", exported.Rows, a.Rows, b.Rows)
	}
}

// regSignIn signs in a user with their one-time password: the pages ask
// for a new password and, for privileged roles, TOTP enrolment.
func regSignIn(t *testing.T, ctx context.Context, base, login, onetime string) {
	t.Helper()
	const pw = "E2e-Register-Passw0rd"
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=login]`), login),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), onetime),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=current]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=current]`), onetime),
		chromedp.SetValue(chromedp.CSS(`input[name=new]`), pw),
		chromedp.SetValue(chromedp.CSS(`input[name=confirm]`), pw),
		chromedp.Submit(chromedp.CSS(`input[name=confirm]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if eval[bool](t, ctx, `!!document.querySelector('form[action="/account/totp"] input[name=code]')`) {
		secret := eval[string](t, ctx, `document.querySelector("dl.facts dd code").textContent`)
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		do(t, ctx,
			chromedp.SetValue(chromedp.CSS(`input[name=code]`), code),
			chromedp.Submit(chromedp.CSS(`input[name=code]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action="/account/totp"] input[name=code]`)),
		)
	}
}

// pick chooses the option of a select whose text contains text.
func regPick(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	v := eval[string](t, ctx, `(() => { const s = document.querySelector(`+regJS(sel)+`);
		const o = s && Array.from(s.options).find(o => o.textContent.includes(`+regJS(text)+`));
		return o ? o.value : "\u0000"; })()`)
	if v == "\x00" {
		t.Fatalf("%s has no option %q", sel, text)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS(sel), v))
}

func regJS(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

func regMainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(document.querySelector("main") || {innerText: ""}).innerText`)
}

// regMainHas fails when the page's main content lacks any of want. It
// waits for them first (a page may still be rendering), retrying where the
// page is being replaced.
func regMainHas(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	words, _ := json.Marshal(want)
	regWait(ctx, `(() => { const m = document.querySelector("main");
		return !!m && `+string(words)+`.every(w => m.innerText.includes(w)); })()`)
	text := regMainText(t, ctx)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("page %s lacks %q:\n%s", eval[string](t, ctx, `location.pathname`), w, text)
		}
	}
}

// regSubmit posts a form by clicking its button sel and waits for the page
// the post leads to, then runs then. Right after the click the old page is
// still on screen: its flash or text would satisfy a wait at once (the
// flake TestRegistersInBrowser had: the retired copy's page was checked
// while it still showed the copy's flash), and a check running while the
// page is replaced fails with a destroyed execution context, which
// chromedp.Poll reports as an error instead of waiting on. So the old
// document is marked first, and the wait is for a document without the
// mark that has finished loading.
func regSubmit(t *testing.T, ctx context.Context, sel string, then ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if !eval[bool](t, ctx, `window.__e2eOldPage = true`) {
		t.Fatal("could not mark the page")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	if !regWait(ctx, `!window.__e2eOldPage && document.readyState === "complete"`) {
		t.Fatalf("posting %s: no new page (still at %s)", sel, eval[string](t, ctx, `location.pathname`))
	}
	do(t, ctx, then...)
}

// regWait evaluates the JavaScript condition expr until it holds (true)
// or 20 s pass (false). Evaluation errors (the page being replaced) count
// as not yet.
func regWait(ctx context.Context, expr string) bool {
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshots returns a function saving a full-page PNG under
// $KITEI_SCREENSHOTS as register_NAME.png (nothing when unset).
func regScreenshots(t *testing.T, ctx context.Context) func(name string) {
	dir := os.Getenv("KITEI_SCREENSHOTS")
	return func(name string) {
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "register_"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readRegister(t *testing.T, kind, name string, data []byte) register.Table {
	t.Helper()
	tab, err := register.ReadFile(kind, name, data)
	if err != nil {
		t.Fatal(err)
	}
	tab.RowNumbers = nil
	return tab
}

func readRegisterFile(t *testing.T, path string) register.Table {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readRegister(t, register.KindSystems, filepath.Base(path), data)
}
