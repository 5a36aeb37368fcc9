package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
)

// TestAuditInBrowser is issue #15's first demonstration, tried as new
// users would in Chromium: the 監査責任者 plans an audit of one 課 against
// two sections of seed 000's catalog and is refused, with the reason, when
// assigning an auditor of that 課; the CISO approves the plan; an auditor
// from another unit records working papers with one 不適合, an evidence
// file and a finding and reports to the CISO, who instructs the unit; the
// unit's officer files a remediation plan; the owner reports it done; the
// officer confirms it and the finding closes. The engagement's OSCAL
// assessment results and the open actions' POA&M, downloaded on the way,
// validate against NIST's schema and name the requirement.
func TestAuditInBrowser(t *testing.T) {
	seeds := testshared.Seeds(t)
	dsn := storetest.DSNs(t)["sqlite"]
	dir := t.TempDir()
	kitei(t, "catalog", "import", filepath.Join(seeds, "000_666dad1990f509b5.txt"), "--name", "NIES", "--db", dsn)
	files := map[string]string{
		"units.csv": "code,name,kind,parent_code\nHQ,本部,本部,\nKIKAKU,企画部,部,HQ\nSOUMU,総務課,課,KIKAKU\nKANSA,監査室,室,HQ\n",
		"people.csv": "employee_no,name,name_kana,email,unit_code,status,joined_on\n" +
			"E001,山田 花子,ヤマダ ハナコ,yamada@example.jp,HQ,active,2005-04-01\n" +
			"E010,佐藤 健,サトウ ケン,sato@example.jp,KANSA,active,2008-04-01\n" +
			"E011,伊藤 誠,イトウ マコト,ito@example.jp,KANSA,active,2015-04-01\n" +
			"E020,渡辺 聡,ワタナベ サトシ,watanabe@example.jp,SOUMU,active,2016-04-01\n" +
			"E021,高橋 直子,タカハシ ナオコ,takahashi@example.jp,SOUMU,active,2012-04-01\n" +
			"E022,田中 太郎,タナカ タロウ,tanaka@example.jp,SOUMU,active,2020-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE001,ciso,,2024-04-01\nE010,audit_chief,,2024-04-01\n" +
			"E011,auditor,,2024-04-01\nE020,auditor,,2024-04-01\nE021,division_iso,SOUMU,2024-04-01\n",
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
	pw := map[string]string{}
	for login, no := range map[string]string{"yamada": "E001", "sato": "E010", "ito": "E011", "takahashi": "E021", "tanaka": "E022"} {
		pw[login] = newAccount(t, dsn, login, no)
	}
	evidence := filepath.Join(dir, "情報システム台帳.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := server(t, dsn)
	day := func(d int) string { return time.Now().AddDate(0, 0, d).Format("2006-01-02") }
	year := time.Now().Year()
	if time.Now().Month() < time.April {
		year--
	}

	// 1. The 監査責任者 plans the audit.
	chief := auditBrowser(t)
	signInAs(t, chief, base, "sato", pw["sato"])
	do(t, chief,
		chromedp.Navigate(base+"/audits"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/audits/plans"] input[name=fiscal_year]`)),
		chromedp.Submit(chromedp.CSS(`form[action="/audits/plans"] input[name=fiscal_year]`)),
	)
	if err := waitJS(chief, `document.readyState === "complete" && /^\/audits\/plans\/\d+$/.test(location.pathname)`); err != nil {
		t.Fatalf("plan not created: %v\n%s", err, mainText(t, chief))
	}
	planPath := eval[string](t, chief, `location.pathname`)
	if page := mainText(t, chief); !strings.Contains(page, itoa(int64(year))+"年度 情報セキュリティ監査計画") || !strings.Contains(page, "作成中") {
		t.Fatalf("the new plan shows:\n%s", page)
	}
	const title = "総務課 情報セキュリティ監査"
	form := `form[action$="/engagements"] `
	do(t, chief,
		chromedp.SetValue(chromedp.CSS(form+`input[name=title]`), title),
		chromedp.SetValue(chromedp.CSS(form+`select[name=unit]`), optionValue(t, chief, form+`select[name=unit]`, "総務課")),
		chromedp.SetValue(chromedp.CSS(form+`select[name=catalog]`), optionValue(t, chief, form+`select[name=catalog]`, "NIES")),
		chromedp.SetValue(chromedp.CSS(form+`input[name=scope]`), "2.1.2 2.5.1"),
		chromedp.SetValue(chromedp.CSS(form+`input[name=starts_on]`), day(0)),
		chromedp.SetValue(chromedp.CSS(form+`input[name=ends_on]`), day(30)),
		chromedp.SetValue(chromedp.CSS(form+`textarea[name=objective]`), "資産管理（2.1.2）と独立行政法人に係る対策（2.5.1）の運用状況を、台帳と記録の閲覧及び聴取により確認する。"),
	)
	shot(t, chief, "audit-1-plan")
	do(t, chief, chromedp.Submit(chromedp.CSS(form+`input[name=title]`)))
	waitPath(t, chief, "/audits/engagements/*", "done=engagement_created")
	engPath := eval[string](t, chief, `location.pathname`)
	items := eval[int](t, chief, `document.querySelectorAll("table.audit-checklist tbody tr").length`)
	if items < 2 {
		t.Fatalf("the checklist has %d requirements:\n%s", items, mainText(t, chief))
	}
	// An auditor of the audited 課 is refused, with the reason.
	assign := func(name string) {
		do(t, chief,
			chromedp.Navigate(base+engPath),
			chromedp.WaitReady(chromedp.CSS(`#assign-auditor select[name=person]`)),
		)
		do(t, chief,
			chromedp.SetValue(chromedp.CSS(`#assign-auditor select[name=person]`), optionValue(t, chief, `#assign-auditor select[name=person]`, name)),
			chromedp.Submit(chromedp.CSS(`#assign-auditor select[name=person]`)),
		)
	}
	assign("渡辺 聡")
	if err := waitJS(chief, `document.readyState === "complete" && location.pathname.endsWith("/auditors")`); err != nil {
		t.Fatal(err)
	}
	if page := mainText(t, chief); !strings.Contains(page, "独立性") || !strings.Contains(page, "渡辺 聡") || !strings.Contains(page, "被監査部署（総務課）の所属") {
		t.Fatalf("the refusal does not give the reason:\n%s", page)
	}
	shot(t, chief, "audit-2-independence")
	assign("伊藤 誠")
	waitPath(t, chief, engPath, "done=auditor")
	if got := eval[string](t, chief, `document.querySelector("#auditors").innerText`); !strings.Contains(got, "伊藤 誠") || strings.Contains(got, "渡辺") {
		t.Fatalf("auditors: %s", got)
	}
	do(t, chief,
		chromedp.Navigate(base+planPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/submit"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/submit"] button`)),
	)
	waitPath(t, chief, planPath, "done=plan_submitted")

	// 2. The CISO approves the plan.
	ciso := auditBrowser(t)
	signInAs(t, ciso, base, "yamada", pw["yamada"])
	do(t, ciso,
		chromedp.Navigate(base+"/audits"),
		chromedp.WaitVisible(chromedp.CSS(`a[href=`+jsString(planPath)+`]`)),
		chromedp.Click(chromedp.CSS(`a[href=`+jsString(planPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
	)
	waitPath(t, ciso, planPath, "done=plan_approved")
	if got := eval[string](t, ciso, `document.querySelector("#plan-status").innerText`); got != "承認済" {
		t.Fatalf("plan status after approval: %q", got)
	}

	// 3. The auditor records the working papers, the evidence and the finding, and reports.
	auditor := auditBrowser(t)
	signInAs(t, auditor, base, "ito", pw["ito"])
	do(t, auditor,
		chromedp.Navigate(base+"/audits"),
		chromedp.WaitVisible(chromedp.CSS(`a[href=`+jsString(engPath)+`]`)),
		chromedp.Click(chromedp.CSS(`a[href=`+jsString(engPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.audit-checklist`)),
	)
	refs := eval[[]string](t, auditor, `Array.from(document.querySelectorAll("table.audit-checklist tbody tr")).map(tr => tr.dataset.ref)`)
	first := refs[0]
	for i, ref := range refs {
		sel := `form.paper-form[data-ref=` + jsString(ref) + `] `
		result, obs := "conform", "規程どおり運用されていることを記録で確認した。"
		if i == 0 {
			result, obs = "nonconform", "情報システム台帳が整備されておらず、資産の把握ができていない。"
		}
		do(t, auditor,
			chromedp.Click(chromedp.CSS(`tr[data-ref=`+jsString(ref)+`] details summary`)),
			chromedp.WaitVisible(chromedp.CSS(sel+`select[name=result]`)),
			chromedp.SetValue(chromedp.CSS(sel+`select[name=result]`), result),
			chromedp.SetValue(chromedp.CSS(sel+`textarea[name=observation]`), obs),
		)
		if i == 0 {
			shot(t, auditor, "audit-3-paper")
		}
		do(t, auditor, chromedp.Submit(chromedp.CSS(sel+`select[name=result]`)))
		waitPath(t, auditor, engPath, "done=paper")
	}
	esel := `form.evidence-form[data-ref=` + jsString(first) + `] `
	do(t, auditor,
		chromedp.Click(chromedp.CSS(`tr[data-ref=`+jsString(first)+`] details summary`)),
		chromedp.WaitVisible(chromedp.CSS(esel+`input[type=file]`)),
		chromedp.SetUploadFiles(esel+`input[type=file]`, []string{evidence}),
		chromedp.Submit(chromedp.CSS(esel+`input[type=file]`)),
	)
	waitPath(t, auditor, engPath, "done=evidence")
	row := eval[string](t, auditor, `document.querySelector('tr[data-ref=`+jsString(first)+`]').innerText`)
	if !strings.Contains(row, "不適合") || !strings.Contains(row, "情報システム台帳.pdf") {
		t.Fatalf("the 不適合 paper row shows: %s", row)
	}
	do(t, auditor,
		chromedp.Click(chromedp.CSS(`details:has(#finding-form) summary`)),
		chromedp.SetValue(chromedp.CSS(`#finding-form select[name=ref]`), first),
		chromedp.SetValue(chromedp.CSS(`#finding-form select[name=severity]`), "major"),
		chromedp.SetValue(chromedp.CSS(`#finding-form textarea[name=description]`), "情報システム台帳が整備されていない。"),
		chromedp.SetValue(chromedp.CSS(`#finding-form textarea[name=recommendation]`), "台帳を整備し、年1回以上見直すこと。"),
		chromedp.Submit(chromedp.CSS(`#finding-form textarea[name=description]`)),
	)
	waitPath(t, auditor, engPath, "done=finding")
	do(t, auditor,
		chromedp.SetValue(chromedp.CSS(`#report-form textarea[name=summary]`), "概ね適合しているが、情報システム台帳について重大な指摘がある。"),
		chromedp.Submit(chromedp.CSS(`#report-form textarea[name=summary]`)),
	)
	waitPath(t, auditor, engPath, "done=reported")
	if got := eval[string](t, auditor, `document.querySelector("#engagement-status").innerText`); got != "報告済（CISO）" {
		t.Fatalf("status after the report: %q", got)
	}
	shot(t, auditor, "audit-4-reported")

	// 4. The CISO reads the report and instructs the unit.
	do(t, ciso,
		chromedp.Navigate(base+engPath+"/report"),
		chromedp.WaitVisible(chromedp.CSS(`article.audit-report`)),
	)
	if rep := mainText(t, ciso); !strings.Contains(rep, "監査報告書") || !strings.Contains(rep, "重大") || !strings.Contains(rep, "不適合 1 件") {
		t.Fatalf("the report shows:\n%s", rep)
	}
	shot(t, ciso, "audit-5-report")
	do(t, ciso,
		chromedp.Navigate(base+engPath),
		chromedp.WaitVisible(chromedp.CSS(`#instruct-form textarea[name=text]`)),
		chromedp.SetValue(chromedp.CSS(`#instruct-form textarea[name=text]`), "指摘事項に対する対処計画を策定し、期限までに是正すること。"),
		chromedp.Submit(chromedp.CSS(`#instruct-form textarea[name=text]`)),
	)
	waitPath(t, ciso, engPath, "done=instructed")

	// 5. The 課室 officer finds the instruction in the inbox and files the remediation plan.
	officer := auditBrowser(t)
	signInAs(t, officer, base, "takahashi", pw["takahashi"])
	do(t, officer, chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if inbox := mainText(t, officer); !strings.Contains(inbox, "CISO から指示") {
		t.Errorf("the officer's inbox lacks the instruction:\n%s", inbox)
	}
	// The finding links to its remediation page; the owner is found with the
	// picker's search (a GET that keeps the fields typed) and chosen.
	rsel := `form.remediation-form `
	do(t, officer,
		chromedp.Navigate(base+engPath),
		chromedp.WaitVisible(chromedp.CSS(`#findings a.remediation-link`)),
		chromedp.Click(chromedp.CSS(`#findings a.remediation-link`)),
		chromedp.WaitVisible(chromedp.CSS(rsel+`input[name=title]`)),
	)
	if n := eval[int](t, officer, `document.querySelectorAll("form.remediation-form").length`); n != 1 {
		t.Fatalf("the remediation page has %d forms", n)
	}
	do(t, officer,
		chromedp.SetValue(chromedp.CSS(rsel+`input[name=title]`), "情報システム台帳の整備"),
		chromedp.SetValue(chromedp.CSS(rsel+`input[name=owner_q]`), "田中"),
		chromedp.Click(chromedp.CSS(rsel+`button[formmethod=get]`)),
	)
	if err := waitJS(officer, `document.readyState === "complete" && location.search.includes("owner_q=")`); err != nil {
		t.Fatalf("the owner search: %v", err)
	}
	do(t, officer, chromedp.WaitVisible(chromedp.CSS(rsel+`select[name=owner]`)))
	if got := eval[string](t, officer, `document.querySelector("form.remediation-form input[name=title]").value`); got != "情報システム台帳の整備" {
		t.Fatalf("the search lost the title: %q", got)
	}
	do(t, officer,
		chromedp.SetValue(chromedp.CSS(rsel+`select[name=owner]`), optionValue(t, officer, rsel+`select[name=owner]`, "田中 太郎")),
		chromedp.SetValue(chromedp.CSS(rsel+`input[name=due_on]`), day(60)),
		chromedp.Submit(chromedp.CSS(rsel+`input[name=title]`)),
	)
	waitPath(t, officer, engPath, "done=remediation")
	if got := eval[string](t, officer, `document.querySelector("#findings .finding-state").innerText`); got != "対処中" {
		t.Fatalf("finding state after the plan: %q", got)
	}
	actionPath := eval[string](t, officer, `new URL(document.querySelector('#findings a[href^="/actions/"]').href).pathname`)
	// The open action as OSCAL POA&M, and the engagement as OSCAL assessment results.
	schema := e2eOSCALSchema(t)
	poam := evalAwait[string](t, officer, `fetch("/actions/poam.json").then(r => r.text())`)
	validateOSCAL(t, schema, "POA&M", poam)
	ar := evalAwait[string](t, officer, `fetch(`+jsString(engPath+"/oscal.json")+`).then(r => r.text())`)
	validateOSCAL(t, schema, "assessment-results", ar)
	for what, doc := range map[string]string{"POA&M": poam, "assessment-results": ar} {
		if !strings.Contains(doc, `"`+first+`"`) || !strings.Contains(doc, `"k-`) {
			t.Errorf("%s does not name the requirement %s", what, first)
		}
	}

	// 6. The owner reports progress and completion.
	owner := auditBrowser(t)
	do(t, owner, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))) // on a phone
	signInAs(t, owner, base, "tanaka", pw["tanaka"])
	do(t, owner,
		chromedp.Navigate(base+"/actions"),
		chromedp.WaitVisible(chromedp.CSS(`a[href=`+jsString(actionPath)+`]`)),
		chromedp.Click(chromedp.CSS(`a[href=`+jsString(actionPath)+`]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/progress"] textarea[name=text]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/progress"] textarea[name=text]`), "台帳の様式を作成し、課内の情報システムを洗い出した。"),
		chromedp.Submit(chromedp.CSS(`form[action$="/progress"] textarea[name=text]`)),
	)
	waitPath(t, owner, actionPath, "done=progress")
	if w := eval[int](t, owner, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the action page is %d px wide on a 390 px screen", w)
	}
	if n := eval[int](t, owner, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the action page", n)
	}
	if eval[int](t, owner, `document.querySelectorAll('form[action$="/confirm"]').length`) != 0 {
		t.Error("the owner is offered the confirmation")
	}
	do(t, owner,
		chromedp.SetValue(chromedp.CSS(`form[action$="/done"] textarea[name=note]`), "情報システム台帳を整備し、課長の確認を受けた。"),
		chromedp.Submit(chromedp.CSS(`form[action$="/done"] textarea[name=note]`)),
	)
	waitPath(t, owner, actionPath, "done=done")
	shot(t, owner, "audit-6-action-done")

	// 7. The officer confirms it; the finding closes.
	do(t, officer,
		chromedp.Navigate(base+actionPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/confirm"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/confirm"] button`)),
	)
	waitPath(t, officer, actionPath, "done=confirmed")
	if got := eval[string](t, officer, `document.querySelector("#action-status").innerText`); got != "完了（確認済）" {
		t.Fatalf("action status after confirmation: %q", got)
	}
	do(t, officer, chromedp.Navigate(base+engPath), chromedp.WaitVisible(chromedp.CSS(`#findings`)))
	if got := eval[string](t, officer, `document.querySelector("#findings .finding-state").innerText`); got != "完了（確認済）" {
		t.Fatalf("finding state after confirmation: %q", got)
	}
	if eval[int](t, officer, `document.querySelectorAll("#engagement-closed").length`) != 1 {
		t.Error("the engagement does not show every finding closed")
	}
	shot(t, officer, "audit-7-closed")
	do(t, officer, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#findings`)))
	if w := eval[int](t, officer, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the engagement page is %d px wide on a 390 px screen", w)
	}
	if n := eval[int](t, officer, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d inline scripts or styles on the engagement page", n)
	}
	shot(t, officer, "audit-8-phone")
}

// optionValue is the value of the option of sel whose text contains text.
func optionValue(t *testing.T, ctx context.Context, sel, text string) string {
	t.Helper()
	v := eval[string](t, ctx, `(Array.from(document.querySelectorAll(`+jsString(sel+" option")+`)).find(o => o.textContent.includes(`+jsString(text)+`)) || {value: ""}).value`)
	if v == "" {
		t.Fatalf("%s offers no %q", sel, text)
	}
	return v
}

func e2eOSCALSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(filepath.Dir(testshared.Seeds(t)), "oscal", "oscal_complete_schema-1.1.3.json")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("OSCAL schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("oscal.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("oscal.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateOSCAL(t *testing.T, s *jsonschema.Schema, what, doc string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatalf("%s is not JSON: %v\n%.500s", what, err, doc)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		t.Fatalf("%s does not validate: %s", what, msg)
	}
}

// auditBrowser is browser with a longer life: the people of the audit
// story keep their browsers open across several steps, and the machine
// may be busy.
func auditBrowser(t testing.TB) context.Context {
	t.Helper()
	return browserFor(t, 8*time.Minute)
}
