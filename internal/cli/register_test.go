package cli_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"kitei/internal/register"
	"kitei/internal/store/storetest"
)

// The 情報システム台帳 goes out to xlsx and into a fresh store unchanged:
// export systems, import them elsewhere, export again, same rows.
func TestRegisterSystemsExportImportRoundTrip(t *testing.T) {
	first, second := storetest.DSNs(t), storetest.DSNs(t)
	for engine, dsn := range first {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, text string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			units := write("units.csv", "組織コード,組織名,上位組織コード\nHQ,本部,\nIT,情報部,HQ\n")
			people := write("people.csv", "職員番号,氏名,所属コード\n1,山田 太郎,IT\n2,佐藤 花子,IT\n")
			services := write("services.csv", "サービスID,サービス名,区分,事業者,所管部署コード,ISMAP登録,ISMAP登録番号,データ保存場所,管理者職員番号,取扱可能な機密性,終了時確認済み\n"+
				"CL-1,文書共有,クラウド,例示クラウド,IT,○,C22-0001-1,日本国内,2,機密性2,データの返却\n"+
				"OS-1,運用保守,業務委託,例示システムズ,IT,,,,,機密性2,\n")
			// SYS-2 is retired (廃止): it stays in the ledger and travels too.
			systems := write("systems.csv", "システムID,システム名,目的,所管部署コード,ISSO職員番号,ライフサイクル段階,機密性,完全性,可用性,構成要素,接続先,利用サービスID,廃止\n"+
				"SYS-1,文書管理システム,文書の保存と共有,IT,1,運用・保守,機密性2,完全性2,可用性1,Web サーバ; DB サーバ,インターネット,CL-1; OS-1,\n"+
				"SYS-2,会計システム,経理,IT,2,更改・廃棄,機密性2,完全性2,可用性2,,,,○\n")
			other := second[engine]
			for _, db := range []string{dsn, other} {
				if code, _, errOut := run(t, "org", "import", units, people, "--db", db); code != 0 {
					t.Fatalf("org import: %s", errOut)
				}
				if code, out, errOut := run(t, "register", "import", "services", services, "--db", db); code != 0 || !strings.Contains(out, "+2 added") {
					t.Fatalf("services import: %s %s", out, errOut)
				}
			}
			if code, out, errOut := run(t, "register", "import", "systems", systems, "--db", dsn); code != 0 || !strings.Contains(out, "+2 added") {
				t.Fatalf("systems import: %s %s", out, errOut)
			}
			x1 := filepath.Join(dir, "systems.xlsx")
			if code, _, errOut := run(t, "register", "export", "systems", "--format", "xlsx", "-o", x1, "--db", dsn); code != 0 {
				t.Fatalf("export: %s", errOut)
			}
			if code, out, errOut := run(t, "register", "import", "systems", x1, "--db", other); code != 0 || !strings.Contains(out, "+2 added") {
				t.Fatalf("import into the fresh store: %s %s", out, errOut)
			}
			x2 := filepath.Join(dir, "systems2.xlsx")
			if code, _, errOut := run(t, "register", "export", "systems", "--format", "xlsx", "-o", x2, "--db", other); code != 0 {
				t.Fatalf("export from the fresh store: %s", errOut)
			}
			a, b := readTable(t, x1), readTable(t, x2)
			if len(a.Rows) != 2 || !reflect.DeepEqual(a, b) {
				t.Fatalf("rows differ:\n%v\n%v", a.Rows, b.Rows)
			}
			if last := len(a.Header) - 1; a.Header[last] != "廃止" || (len(a.Rows[0]) > last && a.Rows[0][last] != "") || a.Rows[1][last] != "○" {
				t.Fatalf("廃止 column: %q %q", a.Header, a.Rows)
			}
			if a.Rows[0][5] != "運用・保守" || a.Rows[0][11] != "CL-1; OS-1" {
				t.Fatalf("row = %q", a.Rows[0])
			}
			// Importing the export again changes nothing.
			if code, out, _ := run(t, "register", "import", "systems", x1, "--db", dsn); code != 0 || !strings.Contains(out, "+0 added, 0 updated") {
				t.Fatalf("re-import: %s", out)
			}
			csv := filepath.Join(dir, "systems.csv.out")
			if code, _, errOut := run(t, "register", "export", "systems", "--format", "csv", "-o", csv, "--db", dsn); code != 0 {
				t.Fatalf("csv export: %s", errOut)
			}

			// A malformed file: unknown stage, unknown service, duplicate id
			// and a missing ISSO, each on its row; nothing stored.
			bad := write("bad.csv", "システムID,システム名,所管部署コード,ISSO職員番号,ライフサイクル段階,利用サービスID\n"+
				"SYS-3,新システム,IT,1,企画,\n"+
				"SYS-4,誤り,IT,1,稼働中,NOPE\n"+
				"SYS-3,重複,IT,1,企画,\n"+
				"SYS-5,責任者なし,IT,,企画,\n")
			code, _, errOut := run(t, "register", "import", "systems", bad, "--db", dsn)
			for _, want := range []string{"systems row 3 stage", "systems row 3 services", "systems row 4 code", "systems row 5 isso"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("report lacks %q:\n%s", want, errOut)
				}
			}
			if code != 1 {
				t.Fatalf("bad import exit %d", code)
			}
			x3 := filepath.Join(dir, "systems3.xlsx")
			run(t, "register", "export", "systems", "--format", "xlsx", "-o", x3, "--db", dsn)
			if got := readTable(t, x3); len(got.Rows) != 2 {
				t.Fatalf("a refused import stored rows: %v", got.Rows)
			}
		})
	}
}

func readTable(t *testing.T, name string) register.Table {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := register.ReadFile(register.KindSystems, filepath.Base(name), data)
	if err != nil {
		t.Fatal(err)
	}
	tab.RowNumbers = nil
	return tab
}
