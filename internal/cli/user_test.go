package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kitei/internal/cli"
)

// serveOnce starts serve on dsn, waits until it listens, stops it and
// returns what it printed on stdout and stderr.
func serveOnce(t *testing.T, dsn string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	ready := make(chan string, 1)
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Ready: func(addr string) { ready <- addr }}
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, env, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}) }()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
	return out.String(), errb.String()
}

var oneTime = regexp.MustCompile(`初期管理者 admin のワンタイムパスワード: (\S+)`)

func TestServePrintsFirstAdminPasswordOnce(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	out, logs := serveOnce(t, dsn)
	m := oneTime.FindStringSubmatch(out)
	if m == nil || len(m[1]) < 16 {
		t.Fatalf("first start printed %q", out)
	}
	if strings.Contains(logs, m[1]) {
		t.Fatal("the one-time password reached the log")
	}
	if out, _ = serveOnce(t, dsn); out != "" {
		t.Fatalf("second start printed %q", out)
	}
	// The account exists, must change its password, and is an administrator.
	_, js, _ := run(t, "user", "list", "--json", "--db", dsn)
	var users []map[string]any
	if err := json.Unmarshal([]byte(js), &users); err != nil || len(users) != 1 ||
		users[0]["login"] != "admin" || users[0]["admin"] != true || users[0]["must_change_password"] != true {
		t.Fatalf("users: %s", js)
	}
}

func TestUserCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	code, out, errOut := run(t, "user", "create", "E1001", "--name", "山田 花子", "--db", dsn)
	if code != 0 || !strings.Contains(out, "e1001 のワンタイムパスワード: ") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = run(t, "user", "create", "root", "--db", dsn); code == 0 || !strings.Contains(errOut, "reserved") {
		t.Fatalf("reserved login: %d %q", code, errOut)
	}
	if code, _, errOut = run(t, "user", "create", "e1002", "--person", "NOPE", "--db", dsn); code == 0 || !strings.Contains(errOut, "NOPE") {
		t.Fatalf("unknown person: %d %q", code, errOut)
	}
	if code, out, _ = run(t, "user", "reset-password", "e1001", "--db", dsn); code != 0 || !strings.Contains(out, "ワンタイムパスワード") {
		t.Fatalf("reset: %d %q", code, out)
	}
	if code, _, _ = run(t, "user", "disable", "e1001", "--db", dsn); code != 0 {
		t.Fatal("disable failed")
	}
	_, js, _ := run(t, "user", "list", "--json", "--db", dsn)
	var users []map[string]any
	if err := json.Unmarshal([]byte(js), &users); err != nil || len(users) != 1 || users[0]["login"] != "e1001" ||
		users[0]["disabled"] != true || users[0]["name"] != "山田 花子" {
		t.Fatalf("list: %s", js)
	}
	if code, _, errOut = run(t, "user", "disable", "nobody", "--db", dsn); code != 1 || errOut == "" {
		t.Fatalf("unknown login: %d %q", code, errOut)
	}
	if code, _, _ = run(t, "user"); code != 2 {
		t.Fatalf("no subcommand: %d", code)
	}
}
