package cli_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	pol "kitei/internal/policy"
	"kitei/internal/store"
)

// TestPolicyCommands: a document published through the service is listed
// by `kitei policy list --json`, exported as a Word document by `kitei
// policy export`, and `kitei policy jobs` publishes nothing more; bad
// arguments exit non-zero with the reason on stderr.
func TestPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, nil)
	res, err := a.Catalogs.Import(ctx, catalog.ImportRequest{Name: "親", SourceName: "p.txt", Format: "jptext",
		Data: []byte("第1部 総則\n1 目的\n(1) 目的\n(a) 統括情報セキュリティ責任者は、規程を定めること。\n")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Policy.Create(ctx, authz.System, pol.CreateInput{Name: "対策基準", Origin: pol.OriginDerived, Catalog: res.Catalog.ID, Sections: []string{"第1部"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Policy.Submit(ctx, authz.System, d.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Policy.Decide(ctx, authz.System, d.ID, 1, pol.Decision{Approve: true, Deliberation: "了承", EffectiveOn: a.Policy.Today()}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	db.Close()

	code, out, errs := run(t, "policy", "list", "--json", "--db", dsn)
	var docs []pol.Doc
	if code != 0 || json.Unmarshal([]byte(out), &docs) != nil || len(docs) != 1 || docs[0].Published != 1 {
		t.Fatalf("policy list: %d %q %s", code, out, errs)
	}
	file := filepath.Join(dir, "out.docx")
	if code, _, errs := run(t, "policy", "export", "1", "--format", "docx", "-o", file, "--db", dsn); code != 0 {
		t.Fatalf("policy export: %d %s", code, errs)
	}
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatalf("the export is not a docx: %v", err)
	}
	names := []string{}
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if !strings.Contains(strings.Join(names, " "), "word/document.xml") {
		t.Errorf("docx parts = %v", names)
	}
	if code, out, _ := run(t, "policy", "jobs", "--db", dsn); code != 0 || !strings.Contains(out, `"published": 0`) {
		t.Errorf("policy jobs: %d %s", code, out)
	}
	if code, _, errs := run(t, "policy", "export", "9", "--db", dsn); code == 0 || errs == "" {
		t.Errorf("export of an unknown document: %d %q", code, errs)
	}
	if code, _, _ := run(t, "policy", "frobnicate", "--db", dsn); code == 0 {
		t.Error("an unknown subcommand succeeded")
	}
}
