package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/tabular"
)

// TestIncidentCommands: a report filed with `kitei incident report`, triaged
// as a leak with personal data, escalated once by `kitei incident jobs` a
// day after the 速報's deadline, and listed in the ledger (JSON and xlsx).
func TestIncidentCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(db.Org())
	o.EnsureBuiltinRoles(ctx)
	u, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "A1", Name: "総務課"})
	for no, role := range map[string]string{"S1": "", "C1": authz.RoleCSIRTChief} {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: u.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: role, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()
	noticed := time.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	code, out, errOut := run(t, "incident", "report", "--db", dsn, "--as", "S1", "--title", "USBメモリ紛失", "--what", "紛失した",
		"--personal", "yes", "--count", "10", "--noticed", noticed)
	if code != 0 || !strings.Contains(out, `"status": "reported"`) {
		t.Fatalf("report: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = run(t, "incident", "triage", "1", "--db", dsn, "--as", "S1", "--reason", "x", "--level", "2", "--category", "leak"); code == 0 {
		t.Fatal("a staff member triaged a report")
	} else if !strings.Contains(errOut, "incident.handle") {
		t.Errorf("refusal: %s", errOut)
	}
	if code, out, errOut = run(t, "incident", "triage", "1", "--db", dsn, "--as", "C1", "--reason", "漏えいのおそれ", "--level", "2", "--category", "leak"); code != 0 {
		t.Fatalf("triage: %d %s", code, errOut)
	}
	day := time.Now().AddDate(0, 0, 4).Format("2006-01-02") // the 速報 was due 72 h after noticing
	for i, want := range []int{2, 0} {                      // the ministry's report and the 速報, once
		code, out, errOut = run(t, "incident", "jobs", "--db", dsn, "--on", day)
		var res struct{ Escalated int }
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Escalated != want {
			t.Fatalf("jobs run %d on %s: %d %s %s, want %d escalated", i+1, day, code, out, errOut, want)
		}
	}
	xlsx := filepath.Join(dir, "ledger.xlsx")
	if code, out, errOut = run(t, "incident", "list", "--db", dsn, "--json"); code != 0 || !strings.Contains(out, `"category": "leak"`) || !strings.Contains(out, `"count": 1`) {
		t.Fatalf("list: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = run(t, "incident", "list", "--db", dsn, "--xlsx", xlsx); code != 0 {
		t.Fatalf("list --xlsx: %s", errOut)
	}
	data, err := os.ReadFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	sheets, err := tabular.ReadXLSX(data)
	if err != nil || len(sheets) != 1 || len(sheets[0].Rows) != 1 || sheets[0].Rows[0][1] != "USBメモリ紛失" {
		t.Fatalf("ledger xlsx: %v %+v", err, sheets)
	}
	if code, out, _ = run(t, "incident", "show", "1", "--db", dsn); code != 0 || strings.Count(out, `"kind": "escalation"`) != 2 {
		t.Errorf("show: the timeline should hold two escalations:\n%s", out)
	}
	if code, _, errOut = run(t, "incident", "bogus", "--db", dsn); code == 0 || !strings.Contains(errOut, "unknown incident command") {
		t.Errorf("unknown subcommand: %d %s", code, errOut)
	}
}
