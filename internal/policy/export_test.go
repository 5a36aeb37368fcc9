package policy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kitei/internal/pdffont"
	"kitei/internal/policy"
	"kitei/internal/store/storetest"
)

// TestTemplateTailoredAndExported: seed 003 tailored in one form — the
// organisation name, a role title, the revision date and the password
// length filled once, chapter 11 and the appendix left out, the editing notes removed —
// has every occurrence filled and none of the originals left. Approved,
// it exports to a .docx that LibreOffice opens: converted to HTML its
// chapters are <h1> headings and the filled name is in the text; converted
// to PDF, page 1 is rendered to PNG (KITEI_SCREENSHOTS keeps it). The PDF
// export is set in a Japanese font.
func TestTemplateTailoredAndExported(t *testing.T) {
	data := seed(t, "003_3404daed23a594b7.txt")
	db := storetest.SQLite(t)
	ctx := context.Background()
	w := newWorld(t, db)
	svc := w.a.Policy
	tmpl := w.importSeed(t, "民間宇宙事業者向けサンプル", "003.txt", data)
	orig, err := w.a.Catalogs.Nodes(ctx, tmpl.Edition.ID)
	if err != nil {
		t.Fatal(err)
	}
	phs := policy.Placeholders(orig)
	found := map[string]policy.Placeholder{}
	for _, p := range phs {
		found[p.Token] = p
	}
	fill := map[string]string{
		"当社":         "株式会社みらい宇宙",
		"システム管理者":    "情報システム課長",
		"20yy.mm.dd": "2026.04.01",
		"12 文字以上":    "14 文字以上",
	}
	kinds := map[string]string{"当社": policy.FillOrg, "システム管理者": policy.FillRole, "20yy.mm.dd": policy.FillPlaceholder, "12 文字以上": policy.FillNumber}
	for tok, kind := range kinds {
		if p, ok := found[tok]; !ok || p.Kind != kind || p.Count == 0 {
			t.Fatalf("the form does not offer %q as %s: %+v", tok, kind, p)
		}
	}
	// What the kept chapters say before tailoring.
	kept := func(ref string) bool { return ref != "11" && !strings.HasPrefix(ref, "11.") && ref != "付録" }
	before := map[string]int{}
	valueBefore := map[string]int{}
	for _, n := range orig {
		if !kept(n.Ref) {
			continue
		}
		all := n.Title + "\x00" + n.Text + "\x00" + n.Subject
		for tok, v := range fill {
			before[tok] += strings.Count(all, tok)
			valueBefore[v] += strings.Count(all, v)
		}
	}
	d, err := svc.Create(ctx, w.chief, policy.CreateInput{Name: "情報セキュリティ関連規程", Origin: policy.OriginTemplate, Catalog: tmpl.Catalog.ID,
		Tailor: policy.Tailoring{Values: fill, Drop: []string{"11", "付録"}, DropNotes: true}})
	if err != nil {
		t.Fatal(err)
	}
	_, nodes, err := svc.Draft(ctx, w.chief, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]int{}
	for _, n := range nodes {
		if !kept(n.Ref) {
			t.Errorf("dropped chapter kept: %s", n.Ref)
		}
		all := n.Title + "\x00" + n.Text + "\x00" + n.Subject
		for tok, v := range fill {
			if strings.Contains(all, tok) {
				t.Errorf("%s still says %q", n.Ref, tok)
			}
			after[v] += strings.Count(all, v)
		}
		if strings.Contains(n.Text, "※編集時注意") {
			t.Errorf("%s keeps an editing note", n.Ref)
		}
	}
	for tok, v := range fill {
		if before[tok] == 0 || after[v] != before[tok]+valueBefore[v] {
			t.Errorf("%q → %q: %d occurrences before, %d after", tok, v, before[tok], after[v])
		}
	}
	if got := nodeText(t, nodes, "4.3"); !strings.Contains(got, "代表取締役又は情報セキュリティ責任者の承認") {
		t.Errorf("4.3 = %q", got)
	}

	// Approve and export.
	if _, err := svc.Submit(ctx, w.chief, d.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Decide(ctx, w.ciso, d.ID, 1, policy.Decision{Approve: true, Deliberation: "取締役会で承認", EffectiveOn: svc.Today()}); err != nil {
		t.Fatal(err)
	}
	var docx bytes.Buffer
	name, ctype, err := svc.Export(ctx, w.staff[0], d.ID, 0, "docx", &docx)
	if err != nil || ctype != policy.DocxType || !strings.HasSuffix(name, "-v1.docx") {
		t.Fatalf("docx export: %s %s %v", name, ctype, err)
	}
	if _, _, err := svc.Export(ctx, w.staff[0], d.ID, 1, "json", io.Discard); err != nil {
		t.Errorf("staff export of the version in force: %v", err)
	}
	docXML := zipPart(t, docx.Bytes(), "word/document.xml")
	if !strings.Contains(docXML, `<w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">1　組織的対策</w:t>`) {
		t.Error("chapter 1 is not a Heading 1 in document.xml")
	}
	if !strings.Contains(zipPart(t, docx.Bytes(), "word/styles.xml"), `w:outlineLvl w:val="0"`) {
		t.Error("Heading 1 has no outline level")
	}
	for _, f := range []string{"json", "xlsx", "oscal"} {
		var b bytes.Buffer
		if _, _, err := svc.Export(ctx, w.chief, d.ID, 1, f, &b); err != nil || b.Len() == 0 {
			t.Errorf("%s export: %v", f, err)
		}
	}

	dir := t.TempDir()
	docxPath := filepath.Join(dir, "kitei-policy.docx")
	if err := os.WriteFile(docxPath, docx.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("pdf", func(t *testing.T) {
		if pdffont.Find("") == "" {
			t.Skip("no Japanese font (install fonts-ipaexfont or set " + policy.FontEnv + ")")
		}
		var pdf bytes.Buffer
		if _, ctype, err := svc.Export(ctx, w.chief, d.ID, 1, "pdf", &pdf); err != nil || ctype != "application/pdf" {
			t.Fatalf("pdf export: %v", err)
		}
		if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		p := filepath.Join(dir, "export.pdf")
		os.WriteFile(p, pdf.Bytes(), 0o600)
		if text := pdfText(t, p); !strings.Contains(text, "組織的対策") || !strings.Contains(text, "株式会社みらい宇宙") {
			t.Errorf("the PDF's text lacks the headings or the filled name:\n%.500s", text)
		}
		render(t, p, "policy-export-pdf")
	})
	t.Run("libreoffice", func(t *testing.T) {
		soffice, err := exec.LookPath("soffice")
		if err != nil {
			t.Skip("LibreOffice (soffice) not installed")
		}
		profile := "-env:UserInstallation=file://" + filepath.Join(dir, "lo-profile")
		for _, to := range []string{"html", "pdf"} {
			cmd := exec.Command(soffice, profile, "--headless", "--convert-to", to, "--outdir", dir, docxPath)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("soffice --convert-to %s: %v\n%s", to, err, out)
			}
		}
		html, err := os.ReadFile(filepath.Join(dir, "kitei-policy.html"))
		if err != nil {
			t.Fatalf("LibreOffice wrote no HTML: %v", err)
		}
		h1 := regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`).FindAllStringSubmatch(string(html), -1)
		var heads []string
		tag := regexp.MustCompile(`<[^>]+>`)
		for _, m := range h1 {
			heads = append(heads, strings.TrimSpace(tag.ReplaceAllString(m[1], "")))
		}
		joined := strings.Join(heads, "|")
		for _, want := range []string{"組織的対策", "人的対策", "情報セキュリティインシデント対応及び事業継続管理"} {
			if !strings.Contains(joined, want) {
				t.Errorf("LibreOffice sees no heading %q; h1 = %v", want, heads)
			}
		}
		if strings.Contains(joined, "テレワーク") || len(heads) != 10 {
			t.Errorf("%d chapter headings (want the 10 kept): %v", len(heads), heads)
		}
		if !strings.Contains(string(html), "株式会社みらい宇宙") {
			t.Error("the filled organisation name is not in the document LibreOffice read")
		}
		p := filepath.Join(dir, "kitei-policy.pdf")
		if text := pdfText(t, p); !strings.Contains(text, "組織的対策") {
			t.Errorf("LibreOffice's PDF lacks the first chapter:\n%.300s", text)
		}
		render(t, p, "policy-docx-libreoffice")
	})
}

func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// pdfText extracts a PDF's text with pdftotext, or skips.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// render draws page 1 of a PDF as PNG into $KITEI_SCREENSHOTS (when set).
func render(t *testing.T, pdf, name string) {
	t.Helper()
	dir := os.Getenv("KITEI_SCREENSHOTS")
	bin, err := exec.LookPath("pdftoppm")
	if dir == "" || err != nil {
		return
	}
	if out, err := exec.Command(bin, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Errorf("pdftoppm: %v %s", err, out)
	}
}
