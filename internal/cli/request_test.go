package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/cli"
	"kitei/internal/org"
	"kitei/internal/store"
)

func TestRequestCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	code, out, errOut := run(t, "request", "types", "--json", "--db", dsn)
	if code != 0 {
		t.Fatalf("types: %d %s", code, errOut)
	}
	var types []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &types); err != nil || len(types) != 8 {
		t.Fatalf("types json (%v): %s", err, out)
	}
	for _, k := range []string{"key", "name", "fields", "levels"} {
		if _, ok := types[0][k]; !ok {
			t.Errorf("types[0] lacks %q", k)
		}
	}
	if string(types[0]["name"]) != `"例外措置"` || len(types) != 8 || string(types[1]["name"]) != `"情報の持出し"` {
		t.Errorf("names: %s %s", types[0]["name"], types[1]["name"])
	}

	// A staff member files a take-out of 機密性3 information; the officer approves.
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(db.Org())
	o.EnsureBuiltinRoles(ctx)
	u, _ := o.CreateUnit(ctx, authz.System, org.Unit{Code: "A1", Name: "総務課"})
	for _, no := range []string{"S1", "O1"} {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: u.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if no == "O1" {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: u.ID, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()
	code, out, errOut = run(t, "request", "file", "--db", dsn, "--as", "S1", "--type", "take_out", "--submit",
		"--set", "title=学会資料", "--set", "level=機密性3", "--set", "information=解析結果", "--set", "destination=会場",
		"--set", "starts_on=2099-04-01", "--set", "ends_on=2099-04-02", "--set", "method=暗号化", "--json")
	if code != 0 || !strings.Contains(out, `"status": "submitted"`) {
		t.Fatalf("file: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "request", "decide", "1", "--db", dsn, "--as", "S1", "--action", "approve"); code == 0 || !strings.Contains(errOut, "cannot decide it yourself") {
		t.Fatalf("self decision: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "request", "decide", "1", "--db", dsn, "--as", "O1", "--action", "approve", "--conditions", "暗号化を確認"); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("decide: %d %s %s", code, out, errOut)
	}
	if code, out, _ := run(t, "request", "list", "--db", dsn, "--as", "O1", "--view", "ledger", "--json"); code != 0 || !strings.Contains(out, "暗号化を確認") {
		t.Fatalf("ledger: %d %s", code, out)
	}
	if code, out, _ := run(t, "request", "show", "1", "--db", dsn, "--as", "S1"); code != 0 || !strings.Contains(out, `"history"`) {
		t.Fatalf("show: %d %s", code, out)
	}
	// The jobs run as of a given day: the approval takes effect on its
	// first day, and expires after its last.
	if code, out, errOut := run(t, "request", "jobs", "--db", dsn); code != 0 || !strings.Contains(out, `"activated": 0`) {
		t.Fatalf("jobs today: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run(t, "request", "jobs", "--db", dsn, "--on", "2099-04-01"); code != 0 || !strings.Contains(out, `"activated": 1`) {
		t.Fatalf("jobs on the first day: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run(t, "request", "jobs", "--db", dsn, "--on", "2099-04-03"); code != 0 || !strings.Contains(out, `"expired": 1`) {
		t.Fatalf("jobs after the period: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "request", "jobs", "--db", dsn, "--on", "2099/04/03"); code == 0 || !strings.Contains(errOut, "--on") {
		t.Fatalf("bad --on: %d %s", code, errOut)
	}
}

// TestCLIErrorsInJapanese shows the command line's refusals in Japanese
// when KITEI_LANG (or LANG) asks for it.
func TestCLIErrorsInJapanese(t *testing.T) {
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "KITEI_LANG" {
			return "ja"
		}
		return ""
	}}
	if code := cli.Main(context.Background(), env, []string{"catalog", "show", "x", "--db", "sqlite:" + t.TempDir() + "/k.db"}); code == 0 || !strings.Contains(errb.String(), "カタログ ID は数字で指定してください") {
		t.Fatalf("%d %q", code, errb.String())
	}
}
