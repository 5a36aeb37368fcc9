package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kitei training: a course from JSON, published to everyone, an attendance
// list imported for a classroom course, results with the workbook, jobs.
func TestTrainingCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	units := filepath.Join(dir, "units.csv")
	people := filepath.Join(dir, "people.csv")
	os.WriteFile(units, []byte("組織コード,組織名,上位組織コード\nHQ,本部,\nIT,情報部,HQ\n"), 0o600)
	os.WriteFile(people, []byte("職員番号,氏名,所属コード,メールアドレス\n1,山田 太郎,IT,yamada@example.jp\n2,佐藤 花子,IT,sato@example.jp\n"), 0o600)
	if code, _, errOut := run(t, "org", "import", units, people, "--db", dsn); code != 0 {
		t.Fatalf("org import: %s", errOut)
	}
	today := time.Now()
	course := map[string]any{"title": "集合研修 情報セキュリティ", "kind": "classroom", "audience": map[string]any{"all": true},
		"opens_on": today.AddDate(0, 0, -1).Format("2006-01-02"), "closes_on": today.AddDate(0, 0, 30).Format("2006-01-02")}
	b, _ := json.Marshal(course)
	cf := filepath.Join(dir, "course.json")
	os.WriteFile(cf, b, 0o600)
	code, out, errOut := run(t, "training", "create", cf, "--db", dsn, "--json")
	if code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	var c struct{ ID int64 }
	json.Unmarshal([]byte(out), &c)
	if code, out, errOut = run(t, "training", "publish", "1", "--db", dsn); code != 0 || !strings.Contains(out, "assigned to 2 people") {
		t.Fatalf("publish: %s %s", out, errOut)
	}
	att := filepath.Join(dir, "att.csv")
	os.WriteFile(att, []byte("職員番号,受講日\n1,"+today.Format("2006/01/02")+"\n9,2026-01-01\n"), 0o600)
	if code, _, errOut = run(t, "training", "attendance", "--course", "1", att, "--db", dsn); code == 0 || !strings.Contains(errOut, "この職員番号の職員はいません") {
		t.Fatalf("attendance with an unknown person: %d %s", code, errOut)
	}
	os.WriteFile(att, []byte("職員番号,受講日\n1,"+today.Format("2006/01/02")+"\n"), 0o600)
	if code, out, errOut = run(t, "training", "attendance", "--course", "1", att, "--db", dsn); code != 0 || !strings.Contains(out, "1 rows") {
		t.Fatalf("attendance: %s %s", out, errOut)
	}
	xlsx := filepath.Join(dir, "r.xlsx")
	code, out, errOut = run(t, "training", "follow", "--db", dsn)
	if code != 0 || !strings.Contains(out, "50.0% (1/2)") {
		t.Fatalf("follow: %s %s", out, errOut)
	}
	if code, out, errOut = run(t, "training", "results", "--xlsx", xlsx, "--db", dsn); code != 0 || !strings.Contains(out, "50.0%") {
		t.Fatalf("results: %s %s", out, errOut)
	}
	if st, err := os.Stat(xlsx); err != nil || st.Size() < 1000 {
		t.Fatalf("workbook: %v", err)
	}
	if code, out, _ = run(t, "training", "jobs", "--db", dsn, "--json"); code != 0 || !strings.Contains(out, "reminded") {
		t.Fatalf("jobs: %s", out)
	}
	if code, _, _ = run(t, "training", "publish", "x", "--db", dsn); code != 2 {
		t.Fatalf("bad id exit %d", code)
	}
}
