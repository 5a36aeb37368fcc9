package yearly

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kitei/internal/capability"
	"kitei/internal/i18n"
	"kitei/internal/pdffont"
	"kitei/internal/tabular"
	"kitei/internal/wareki"
)

func sampleAnnual() *Annual {
	sec := capability.Section{Key: "sc.report.section",
		Figures: []capability.Figure{
			{Key: "sc.report.submitted", Value: 92.5, Unit: "%", Bars: []capability.Bar{{Label: "総務課", Value: 100}, {Label: "事業部", Value: 85}}},
			{Key: "req.report.total", Value: 14, Unit: "unit.count"},
		},
		Tables: []capability.Table{{Key: "req.report.table", Header: []string{"req.report.col.type", "req.report.col.total"},
			Rows: [][]string{{"例外措置", "3"}, {"持出し", "11"}}}},
	}
	prev := sec
	prev.Figures = []capability.Figure{{Key: "sc.report.submitted", Value: 80, Unit: "%"}}
	return &Annual{
		Report:    Report{FiscalYear: 2025, Sections: []capability.Section{sec}, GeneratedAt: time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC), GeneratedBy: "ciso"},
		Previous:  &Report{FiscalYear: 2024, Sections: []capability.Section{prev}},
		Decisions: []Decision{{Kind: "rules", Text: "パスワードの規定を改定する", DecidedByName: "情報 太郎", DecidedAt: time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC)}},
	}
}

// The report page's figures stand beside last year's with the change.
func TestPresentComparesWithPreviousYear(t *testing.T) {
	v := present(i18n.Ja, sampleAnnual())
	if len(v) != 1 || v[0].Title != "自己点検" {
		t.Fatalf("sections = %+v", v)
	}
	f := v[0].Figures[0]
	if f.Value != "92.5%" || f.Previous != "80%" || f.Change != "+12.5%" || !f.Up {
		t.Errorf("figure = %+v", f)
	}
	if g := v[0].Figures[1]; g.Value != "14件" || g.Previous != "—" {
		t.Errorf("figure without last year = %+v", g)
	}
	if len(v[0].Charts) != 1 || !strings.Contains(string(v[0].Charts[0]), "総務課") {
		t.Error("bars not drawn")
	}
	if v[0].Tables[0].Header[0] != "種類" || v[0].Tables[0].Rows[1][0] != "持出し" {
		t.Errorf("table = %+v", v[0].Tables[0])
	}
}

// The PDF embeds a Japanese font: pdftotext reads the Japanese text back
// and pdftoppm renders the pages (KITEI_REPORT_PNG keeps the pictures).
func TestPDFHasJapaneseText(t *testing.T) {
	if pdffont.Find("") == "" {
		t.Skip("no Japanese font (install fonts-ipaexfont or set KITEI_PDF_FONT)")
	}
	var buf bytes.Buffer
	if err := WritePDF(&buf, i18n.Ja, sampleAnnual(), wareki.Japanese); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdf, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"令和7年度 年次報告書", "最高情報セキュリティ責任者 殿", "提出率", "92.5%", "パスワードの規定を改定する", "見直しの決定"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	png := filepath.Join(dir, "page")
	if keep := os.Getenv("KITEI_REPORT_PNG"); keep != "" {
		png = keep
	}
	if err := exec.Command("pdftoppm", "-png", "-r", "60", pdf, png).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pages, _ := filepath.Glob(png + "-*.png")
	if len(pages) < 3 {
		t.Errorf("rendered %d pages, want title, section and decisions", len(pages))
	}
}

func TestXLSXKeepsRealDates(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, i18n.Ja, sampleAnnual()); err != nil {
		t.Fatal(err)
	}
	sheets, err := tabular.ReadXLSX(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 3 {
		t.Fatalf("sheets = %d", len(sheets))
	}
	fig := sheets[0]
	if tabular.Cell(fig.Rows[0], 1) != "提出率" || tabular.Cell(fig.Rows[0], 2) != "92.5" || tabular.Cell(fig.Rows[0], 3) != "80" {
		t.Errorf("figures = %+v", fig.Rows)
	}
	dec := sheets[2]
	// The decision date is a real Excel date (a serial number), not 和暦 text.
	if d := tabular.Cell(dec.Rows[0], 3); strings.Contains(d, "令和") || !strings.HasPrefix(d, "46") {
		t.Errorf("decision date cell = %q", d)
	}
}

// A stored report's arguments come back from JSON as float64; whole numbers
// still format with %d.
func TestStoredArgumentsFormatAsIntegers(t *testing.T) {
	a := sampleAnnual()
	a.Report.Sections[0].Figures[1].Key = "req.todo.decide" // "… %d 件あります"
	a.Report.Sections[0].Figures[1].Args = []any{float64(3)}
	v := present(i18n.Ja, a)
	if got := v[0].Figures[1].Label; strings.Contains(got, "%!") || !strings.Contains(got, "3") {
		t.Errorf("label = %q", got)
	}
}
