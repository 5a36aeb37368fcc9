package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
)

// TestAuditEngagementCommands drives an audit from the command line: plan, an
// engagement of 総務課, the auditor of 総務課 refused with the reason, an
// auditor of 監査室 assigned, approval, a finding; OSCAL and xlsx exports;
// and `kitei audit verify` still checks the trail, which holds it all.
func TestAuditEngagementCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(db.Org())
	o.EnsureBuiltinRoles(ctx)
	a1, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "A1", Name: "総務課"})
	b, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "B", Name: "監査室"})
	for no, u := range map[string]int64{"S1": a1.ID, "M1": b.ID} {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: u, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleAuditor, StartsOn: "2020-04-01"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	cat := filepath.Join(dir, "rules.txt")
	os.WriteFile(cat, []byte("1 総則\n1.1 目的\n(1) 台帳\n(a) 情報システム台帳を整備すること。\n(b) 台帳を見直すこと。\n"), 0o600)
	if code, _, errOut := run(t, "catalog", "import", cat, "--name", "規程", "--db", dsn); code != 0 {
		t.Fatal(errOut)
	}
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, append(args, "--db", dsn)...)
		if code != 0 {
			t.Fatalf("%v: %d %s %s", args, code, out, errOut)
		}
		return out
	}
	if out := must("audit", "plan", "create", "--year", "2026"); !strings.Contains(out, "plan 1: 2026年度 情報セキュリティ監査計画") {
		t.Fatalf("plan create: %s", out)
	}
	must("audit", "engagement", "add", "--plan", "1", "--title", "総務課監査", "--unit", "A1", "--catalog", "1", "--scope", "1.1",
		"--from", "2026-06-01", "--to", "2026-06-30")
	code, _, errOut := run(t, "audit", "engagement", "assign", "1", "--person", "S1", "--db", dsn)
	if code == 0 || !strings.Contains(errOut, "職員S1") || !strings.Contains(errOut, "総務課") {
		t.Fatalf("auditor of the audited unit: exit %d, %s", code, errOut)
	}
	must("audit", "engagement", "assign", "1", "--person", "M1")
	must("audit", "plan", "submit", "1")
	if out := must("audit", "plan", "approve", "1"); !strings.Contains(out, "approved") {
		t.Fatalf("approve: %s", out)
	}
	if out := must("audit", "finding", "add", "1", "--ref", "1.1(1)(a)", "--severity", "major", "--description", "台帳がない"); !strings.Contains(out, "finding 1") {
		t.Fatalf("finding add: %s", out)
	}
	if out := must("audit", "finding", "list", "1"); !strings.Contains(out, "1.1(1)(a)") || !strings.Contains(out, "open") {
		t.Fatalf("finding list: %s", out)
	}
	if out := must("audit", "engagement", "oscal", "1"); !strings.Contains(out, `"assessment-results"`) || !strings.Contains(out, `"k-1.1_1_a"`) {
		t.Fatalf("oscal: %.400s", out)
	}
	xlsx := filepath.Join(dir, "audit.xlsx")
	must("audit", "engagement", "export", "1", "--out", xlsx)
	if st, err := os.Stat(xlsx); err != nil || st.Size() == 0 {
		t.Fatalf("xlsx: %v", err)
	}
	if out := must("audit", "verify"); !strings.Contains(out, "audit trail intact") {
		t.Fatalf("verify: %s", out)
	}
	if out := must("audit", "list", "--action", "auditeng.finding_add"); !strings.Contains(out, "auditeng.finding_add") {
		t.Errorf("the trail lacks the finding: %s", out)
	}
}
