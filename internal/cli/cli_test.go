package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/cli"
)

// run runs the command line in-process and returns exit status and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := cli.Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestBadDatabaseGivesOneLineAndCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		dsn  string
		want string
	}{
		{"unknown scheme", "mysql://root@localhost/x", "unknown database scheme"},
		{"unreachable postgres", "postgres://root@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "cannot connect"},
		{"missing folder", "sqlite:" + filepath.Join(dir, "no", "such", "k.db"), "does not exist"},
		{"folder as file", "sqlite:" + dir, "cannot write"},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"catalog", "list"}} {
			code, out, errOut := run(t, append(cmd, "--db", c.dsn)...)
			if code == 0 {
				t.Errorf("%s %v: exit 0", c.name, cmd)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(errOut, c.want) {
				t.Errorf("%s %v: stderr %q, want one line containing %q", c.name, cmd, errOut, c.want)
			}
			if out != "" {
				t.Errorf("%s %v: stdout %q", c.name, cmd, out)
			}
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files created: %v", ents)
	}
}

func TestUnknownCommandAndUsage(t *testing.T) {
	if code, _, errOut := run(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := run(t, "help"); code != 0 || !strings.Contains(out, "serve") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := run(t, "catalog", "show"); code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("catalog show without id: %d %q", code, errOut)
	}
	if code, out, _ := run(t, "version"); code != 0 || !strings.HasPrefix(out, "kitei ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestCatalogCommandsJSON(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	src := filepath.Join(dir, "rules.txt")
	// A small rulebook of our own in the dotted style.
	text := "第1部 総則\n1.1 目的\n(1) 目的\n(a) この規程は目的を定める。\n第2部 組織\n2.1 体制\n(1) 責任者\n(a) 統括情報セキュリティ責任者は、手順を定めること。\n(b) 情報セキュリティ責任者は、例外措置を審査すること。\n"
	if err := os.WriteFile(src, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "catalog", "import", src, "--json", "--db", db, "--name", "テスト規程")
	if code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("import output is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "name", "format", "nodes", "requirements"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("import JSON lacks %q: %s", k, out)
		}
	}
	if sum["name"] != "テスト規程" || sum["format"] != "jptext" {
		t.Errorf("import JSON = %s", out)
	}
	code, out, _ = run(t, "catalog", "list", "--json", "--db", db)
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["name"] != "テスト規程" {
		t.Fatalf("list: %d %s", code, out)
	}
	code, out, _ = run(t, "catalog", "show", "1", "--json", "--db", db)
	var doc struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Nodes []map[string]any
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.ID != 1 || len(doc.Nodes) == 0 {
		t.Fatalf("show: %d %s", code, out)
	}
	for _, k := range []string{"ref", "parent", "kind", "title", "text", "requirement", "subject"} {
		if _, ok := doc.Nodes[0][k]; !ok {
			t.Errorf("node JSON lacks %q", k)
		}
	}
	// Importing the same file again changes nothing.
	code, out, _ = run(t, "catalog", "import", src, "--json", "--db", db)
	if code != 0 || !strings.Contains(out, `"duplicate": true`) {
		t.Fatalf("second import: %d %s", code, out)
	}
	// Export writes the same document to a file.
	exp := filepath.Join(dir, "out.json")
	if code, _, errOut = run(t, "catalog", "export", "1", "--format", "json", "-o", exp, "--db", db); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	b, _ := os.ReadFile(exp)
	if !bytes.Contains(b, []byte(`"nodes"`)) {
		t.Fatalf("export file: %s", b)
	}
	if code, _, errOut = run(t, "catalog", "show", "42", "--db", db); code == 0 || !strings.Contains(errOut, "no catalog") {
		t.Errorf("show unknown: %d %q", code, errOut)
	}
}

func TestCatalogImportRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o600)
	bin := filepath.Join(dir, "bin.dat")
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for i := 0; i < 4096; i++ {
		b = append(b, byte(i*7), 0, byte(i))
	}
	os.WriteFile(bin, b, 0o600)
	huge := filepath.Join(dir, "huge.txt")
	f, _ := os.Create(huge)
	f.Truncate(200 << 20) // sparse: 200 MB without using the disk
	f.Close()
	for _, p := range []string{empty, bin, huge, filepath.Join(dir, "missing.txt"), dir} {
		code, _, errOut := run(t, "catalog", "import", p, "--db", db)
		if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
			t.Errorf("%s: exit %d, stderr %q", filepath.Base(p), code, errOut)
		}
	}
	code, out, _ := run(t, "catalog", "list", "--json", "--db", db)
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("store changed: %s", out)
	}
}
