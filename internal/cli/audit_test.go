package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/audit"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func TestAuditCommands(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			actx := audit.WithActor(ctx, audit.Actor{ID: 2, Login: "yamada", IP: "192.0.2.7"})
			for i := 1; i <= 5; i++ {
				action := audit.ActionLogin
				if i%2 == 0 {
					action = audit.ActionLoginFailed
				}
				ev := audit.Event{Action: action, ObjectType: "user", ObjectID: "2",
					Detail: audit.Details(map[string]any{"attempt": i, "note": "窓口"})}
				if err := db.Audit().Append(actx, &ev); err != nil {
					t.Fatal(err)
				}
			}

			code, out, errOut := run(t, "audit", "verify", "--db", dsn)
			if code != 0 || !strings.Contains(out, "audit trail intact: 5 entries") || errOut != "" {
				t.Fatalf("verify: %d %q %q", code, out, errOut)
			}

			code, out, errOut = run(t, "audit", "list", "--db", dsn, "--action", "auth.login_failed", "--json")
			if code != 0 {
				t.Fatalf("list: %d %q", code, errOut)
			}
			var evs []map[string]any
			if err := json.Unmarshal([]byte(out), &evs); err != nil {
				t.Fatalf("list --json: %v\n%s", err, out)
			}
			if len(evs) != 2 || evs[0]["seq"] != 4.0 || evs[0]["actor"] != "yamada" ||
				evs[0]["detail"].(map[string]any)["note"] != "窓口" {
				t.Fatalf("list --json = %v", evs)
			}
			if code, out, _ := run(t, "audit", "list", "--db", dsn, "--actor", "nobody"); code != 0 || strings.Count(out, "\n") != 1 {
				t.Fatalf("list for unknown actor: %d %q", code, out)
			}
			if code, _, errOut := run(t, "audit", "list", "--db", dsn, "--since", "yesterday"); code != 2 || !strings.Contains(errOut, "--since") {
				t.Fatalf("bad --since: %d %q", code, errOut)
			}

			file := filepath.Join(t.TempDir(), "audit.csv")
			if code, _, errOut := run(t, "audit", "export", "--db", dsn, "--format", "csv", "-o", file, "--bom"); code != 0 {
				t.Fatalf("export: %d %q", code, errOut)
			}
			csv, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
			if len(lines) != 6 || !strings.HasPrefix(lines[0], "\uFEFFseq,at,actor") || !strings.HasPrefix(lines[1], "1,") {
				t.Fatalf("csv:\n%s", csv)
			}

			if _, err := db.W.Exec(`UPDATE audit_events SET actor = 'someone' WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = run(t, "audit", "verify", "--db", dsn)
			if code == 0 || out != "" || !strings.Contains(errOut, "broken at entry 3 (edited)") {
				t.Fatalf("verify after edit: %d %q %q", code, out, errOut)
			}

			if _, err := db.W.Exec(`UPDATE audit_events SET actor = 'yamada' WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.W.Exec(`DELETE FROM audit_events WHERE seq = 5`); err != nil {
				t.Fatal(err)
			}
			code, _, errOut = run(t, "audit", "verify", "--db", dsn)
			if code == 0 || !strings.Contains(errOut, fmt.Sprintf("broken at entry %d (%s)", 5, audit.Truncated)) {
				t.Fatalf("verify after deleting the last entry: %d %q", code, errOut)
			}
		})
	}
}

func TestAuditUsage(t *testing.T) {
	if code, _, errOut := run(t, "audit"); code != 2 || !strings.Contains(errOut, "verify") {
		t.Errorf("audit without command: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "audit", "export", "--format", "xml"); code != 2 || !strings.Contains(errOut, "csv") {
		t.Errorf("bad format: %d %q", code, errOut)
	}
}
