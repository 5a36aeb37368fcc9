package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/store/storetest"
)

func TestOrgImportExportCommands(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			units := filepath.Join(dir, "units.csv")
			people := filepath.Join(dir, "people.csv")
			os.WriteFile(units, []byte("組織コード,組織名,上位組織コード\nHQ,本部,\nIT,情報部,HQ\n"), 0o600)
			os.WriteFile(people, []byte("職員番号,氏名,所属コード,メールアドレス\n1,山田 太郎,IT,yamada@example.jp\n2,佐藤 花子,IT,sato@example.jp\n"), 0o600)
			code, out, errOut := run(t, "org", "import", units, people, "--db", dsn, "--json")
			var rep struct {
				Applied bool
				Result  map[string]int
			}
			if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.Applied || rep.Result["people_added"] != 2 {
				t.Fatalf("import: %d %s %s", code, out, errOut)
			}
			code, out, _ = run(t, "org", "people", "--unit", "HQ", "--json", "--db", dsn)
			if code != 0 || !strings.Contains(out, `"employee_no": "2"`) && !strings.Contains(out, `"employee_no":"2"`) {
				t.Fatalf("people: %d %s", code, out)
			}
			code, out, _ = run(t, "org", "units", "--db", dsn)
			if code != 0 || !strings.Contains(out, "  IT") {
				t.Fatalf("units: %d %s", code, out)
			}
			xlsx := filepath.Join(dir, "org.xlsx")
			if code, _, errOut := run(t, "org", "export", "--format", "xlsx", "-o", xlsx, "--db", dsn); code != 0 {
				t.Fatalf("export: %s", errOut)
			}
			code, out, _ = run(t, "org", "import", xlsx, "--db", dsn)
			if code != 0 || !strings.Contains(out, "units +0 ~0, people +0 ~0") {
				t.Fatalf("re-import of export: %d %s", code, out)
			}
			if code, out, _ := run(t, "org", "export", "--format", "csv", "-o", filepath.Join(dir, "org.csv"), "--db", dsn); code != 0 || strings.Count(out, ".csv") != 3 {
				t.Fatalf("csv export: %s", out)
			}
			// One bad row: exit 1, the row on stderr, nothing stored.
			os.WriteFile(people, []byte("職員番号,氏名,所属コード\n3,新人,IT\n4,誤り,NOPE\n"), 0o600)
			code, _, errOut = run(t, "org", "import", people, "--db", dsn)
			if code != 1 || !strings.Contains(errOut, "people row 3 unit_code") {
				t.Fatalf("bad import: %d %q", code, errOut)
			}
			if _, out, _ = run(t, "org", "people", "--json", "--db", dsn); strings.Contains(out, "新人") {
				t.Fatal("a failed import stored a row")
			}
		})
	}
}
