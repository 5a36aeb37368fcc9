package cli_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// selfcheckRulebook is a tiny rulebook in the 統一基準 style: two
// sections, two requirements for every staff member and one for the
// 課室情報セキュリティ責任者.
const selfcheckRulebook = `第２部　基本対策
２．１．１　アカウント
目的・趣旨
アカウントを守る。
遵守事項
（１）　パスワード
（ａ）　職員等は、パスワードを適切に管理すること。
（ｂ）　課室情報セキュリティ責任者は、職員等の教育を実施すること。
２．１．２　運用
目的・趣旨
運用を定める。
遵守事項
（１）　報告
（ａ）　職員等は、不審なメールを報告すること。
`

// selfcheckOrg writes a small organisation as CSV files: 本部 with 総務課
// (two staff, one of them its 課室情報セキュリティ責任者) and 事業課 (one).
func selfcheckOrg(t *testing.T, dir string) []string {
	t.Helper()
	files := map[string]string{
		"units.csv":       "code,name,kind,parent_code\nHQ,本部,本部,\nSOUMU,総務課,課,HQ\nJIGYO,事業課,課,HQ\n",
		"people.csv":      "employee_no,name,email,unit_code,status,joined_on\nE1,山田 花子,e1@example.jp,SOUMU,active,2020-04-01\nE2,佐藤 一郎,e2@example.jp,SOUMU,active,2020-04-01\nE3,鈴木 次郎,e3@example.jp,JIGYO,active,2020-04-01\n",
		"assignments.csv": "employee_no,role_key,unit_code,starts_on\nE1,division_iso,SOUMU,2024-04-01\n",
	}
	var paths []string
	for _, name := range []string{"units.csv", "people.csv", "assignments.csv"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestSelfcheckCommands(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			book := filepath.Join(dir, "r.txt")
			os.WriteFile(book, []byte(selfcheckRulebook), 0o600)
			mustRun := func(args ...string) string {
				t.Helper()
				code, out, errOut := run(t, append(args, "--db", dsn)...)
				if code != 0 {
					t.Fatalf("kitei %v: exit %d: %s", args, code, errOut)
				}
				return out
			}
			refuse := func(want string, args ...string) {
				t.Helper()
				code, out, errOut := run(t, append(args, "--db", dsn)...)
				if code == 0 || !strings.Contains(errOut, want) {
					t.Fatalf("kitei %v: exit %d, stderr %q (want %q), stdout %q", args, code, errOut, want, out)
				}
			}
			mustRun(append([]string{"org", "import"}, selfcheckOrg(t, dir)...)...)
			mustRun("catalog", "import", book, "--name", "規程")

			// Refusals first: nothing may be created by them.
			refuse("no section or requirement \"9.9\"", "selfcheck", "create", "--catalog", "1", "--name", "点検",
				"--year", "2026", "--opens", "2020-01-01", "--closes", "2099-12-31", "--sections", "2.1.1,9.9")
			refuse("closes (2020-01-01) before it opens", "selfcheck", "create", "--catalog", "1", "--name", "点検",
				"--year", "2026", "--opens", "2026-01-01", "--closes", "2020-01-01")
			refuse("usage", "selfcheck", "create", "--name", "点検")
			if out := mustRun("selfcheck", "list", "--json"); strings.TrimSpace(out) != "[]" {
				t.Fatalf("a refused create left a campaign: %s", out)
			}

			var c selfcheck.Campaign
			out := mustRun("selfcheck", "create", "--catalog", "1", "--name", "2026年度 自己点検", "--year", "2026",
				"--opens", "2020-01-01", "--closes", "2099-12-31", "--sections", "2.1.1 2.1.2", "--json")
			if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == 0 || c.Status != selfcheck.Draft || c.Items != 3 {
				t.Fatalf("create: %v %s", err, out)
			}
			var items []selfcheck.Item
			if err := json.Unmarshal([]byte(mustRun("selfcheck", "items", "1", "--json")), &items); err != nil || len(items) != 3 {
				t.Fatalf("items: %v %v", err, items)
			}
			if items[0].NodeRef != "2.1.1(1)(a)" || strings.Join(items[0].Roles, ",") != "staff" ||
				strings.Join(items[1].Roles, ",") != "division_iso" || items[2].SectionRef != "2.1.2" {
				t.Fatalf("items: %+v", items)
			}
			if out := mustRun("selfcheck", "items", "1"); !strings.Contains(out, "2.1.1(1)(b)") || !strings.Contains(out, "division_iso") {
				t.Fatalf("items table: %s", out)
			}
			refuse("no self-inspection campaign 99", "selfcheck", "items", "99")
			refuse("is a draft", "selfcheck", "progress", "1")

			var res selfcheck.PublishResult
			if err := json.Unmarshal([]byte(mustRun("selfcheck", "publish", "1", "--json")), &res); err != nil ||
				res.Checklists != 3 || res.Questions != 2+3+2 {
				t.Fatalf("publish: %v %+v", err, res)
			}
			refuse("already published", "selfcheck", "publish", "1")
			refuse("usage", "selfcheck", "publish", "x")

			// People answer through the service (the web and API path).
			answer(t, dsn, map[string][]selfcheck.Value{"E1": {selfcheck.Yes, selfcheck.No, selfcheck.Yes}, "E3": {selfcheck.Yes}})

			var prog struct {
				Units []struct {
					Code       string `json:"code"`
					NotStarted int    `json:"not_started"`
					InProgress int    `json:"in_progress"`
					Submitted  int    `json:"submitted"`
				} `json:"units"`
				Total struct {
					NotStarted, InProgress, Submitted int
				} `json:"total"`
			}
			if err := json.Unmarshal([]byte(mustRun("selfcheck", "progress", "1", "--json")), &prog); err != nil {
				t.Fatal(err)
			}
			got := map[string][3]int{}
			for _, u := range prog.Units {
				got[u.Code] = [3]int{u.NotStarted, u.InProgress, u.Submitted}
			}
			if got["HQ"] != [3]int{1, 1, 1} || got["SOUMU"] != [3]int{1, 0, 1} || got["JIGYO"] != [3]int{0, 1, 0} {
				t.Fatalf("progress: %+v", got)
			}
			if out := mustRun("selfcheck", "progress", "1"); !strings.Contains(out, "総務課") || !strings.Contains(out, "total") {
				t.Fatalf("progress table: %s", out)
			}

			var ru selfcheck.Rollup
			if err := json.Unmarshal([]byte(mustRun("selfcheck", "rollup", "1", "--json")), &ru); err != nil {
				t.Fatal(err)
			}
			if len(ru.Sections) != 2 || len(ru.Rows) != 2 || ru.Total.Total.Yes != 3 || ru.Total.Total.No != 1 {
				t.Fatalf("rollup: %+v", ru)
			}
			if out := mustRun("selfcheck", "rollup", "1", "--level", "0"); !strings.Contains(out, "本部") || !strings.Contains(out, "75.0%") {
				t.Fatalf("rollup table: %s", out)
			}

			xlsx := filepath.Join(dir, "sc.xlsx")
			mustRun("selfcheck", "export", "1", "-o", xlsx)
			zr, err := zip.OpenReader(xlsx)
			if err != nil {
				t.Fatalf("export is not an xlsx: %v", err)
			}
			zr.Close()
			refuse("-o is required", "selfcheck", "export", "1")
			refuse("no self-inspection campaign 42", "selfcheck", "export", "42", "-o", filepath.Join(dir, "x.xlsx"))
			if _, err := os.Stat(filepath.Join(dir, "x.xlsx")); err == nil {
				t.Error("a refused export wrote a file")
			}
			refuse("unknown selfcheck command", "selfcheck", "destroy")
		})
	}
}

// answer saves the answers of people (by employee number) to their
// checklist items in order; E1 submits when complete.
func answer(t *testing.T, dsn string, answers map[string][]selfcheck.Value) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := selfcheck.NewService(db.Selfchecks(), catalog.NewService(db.Catalogs(), nil))
	defer svc.Close()
	for no, vals := range answers {
		p, err := org.NewService(db.Org()).PersonByEmployeeNo(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		person := p.ID
		v, err := svc.MyChecklist(ctx, 1, person)
		if err != nil {
			t.Fatal(err)
		}
		for i, val := range vals {
			comment := ""
			if val.NeedsComment() {
				comment = "未実施"
			}
			if _, err := svc.SaveAnswer(ctx, 1, person, v.Items[i].ID, val, comment); err != nil {
				t.Fatal(err)
			}
		}
		if len(vals) == len(v.Items) {
			if err := svc.Submit(ctx, 1, person); err != nil {
				t.Fatal(err)
			}
		}
	}
}
