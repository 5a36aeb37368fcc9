package xlsxfmt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func seedDir() string {
	dir, _ := os.Getwd()
	for {
		cand := filepath.Join(dir, "shared", "seeds")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func seedNodes(tb testing.TB, id string) []catalog.Node {
	tb.Helper()
	dir := seedDir()
	if dir == "" {
		tb.Skip("seed documents not found (expected shared/seeds beside the repository)")
	}
	m, _ := filepath.Glob(filepath.Join(dir, id+"_*.txt"))
	if len(m) != 1 {
		tb.Skipf("seed %s not found", id)
	}
	data, err := os.ReadFile(m[0])
	if err != nil {
		tb.Fatal(err)
	}
	p, err := jptext.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return p.Nodes
}

func export(tb testing.TB, nodes []catalog.Node) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, catalog.ExportMeta{Name: "n", Edition: 1, Title: "題名"}, nodes); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func sameNodes(t *testing.T, want, got []catalog.Node) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d nodes back, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("node %d differs:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

func TestSeedRoundTrip(t *testing.T) {
	for _, id := range []string{"000", "001", "002", "003", "004"} {
		t.Run(id, func(t *testing.T) {
			nodes := seedNodes(t, id)
			p, err := Parse(export(t, nodes))
			if err != nil {
				t.Fatal(err)
			}
			if p.Title != "題名" {
				t.Errorf("title %q", p.Title)
			}
			sameNodes(t, nodes, p.Nodes)
		})
	}
}

func TestRoundTripAwkwardValues(t *testing.T) {
	nodes := []catalog.Node{
		{Ref: "第1章", Kind: catalog.KindChapter, Title: "  総則 ", Text: "=SUM(A1)"},
		{Ref: "1(2)", Parent: "第1章", Kind: catalog.KindItem, Text: "a\r\nb\n\n  c", Requirement: true, Subject: "職員", References: []string{"規程第3条", "細則第2条"}},
		{Ref: "2", Parent: "第1章", Title: "'quoted", Category: "要検討事項"},
	}
	p, err := Parse(export(t, nodes))
	if err != nil {
		t.Fatal(err)
	}
	sameNodes(t, nodes, p.Nodes)
}

// sheet builds a workbook with rows on its first sheet.
func sheet(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+string(rune('1'+i)), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAuthoredEnglishSheet(t *testing.T) {
	data := sheet(t,
		[]any{},
		[]any{"Ref", "Parent ref", "Title", "Text", "Requirement", "Subject"},
		[]any{"1", "", "Scope", "", ""},
		[]any{"1.1", "1", "", "Staff lock their screens.", "yes", "staff"},
		[]any{},
		[]any{"1.2", "1", "", "Visitors sign in.", 1},
	)
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 3 || p.Requirements() != 2 || p.Nodes[1].Subject != "staff" || p.Nodes[0].Kind != catalog.KindSection || p.Nodes[2].Kind != catalog.KindItem {
		t.Fatalf("%#v", p.Nodes)
	}
}

func TestParseErrors(t *testing.T) {
	for name, c := range map[string]struct {
		data []byte
		want []string
	}{
		"missing columns": {sheet(t, []any{"番号", "見出し", "要求事項"}, []any{"1", "a", ""}),
			[]string{"missing columns: parent (親番号), text (本文)", "row 1"}},
		"bad rows": {sheet(t, []any{"番号", "親番号", "見出し", "本文", "要求事項"},
			[]any{"1", "", "a", "", "maybe"},
			[]any{"", "", "b", "x", ""},
			[]any{"1", "", "c", "", ""},
			[]any{"3", "9", "d", "", ""}),
			[]string{"row 2: requirement", "row 3: the ref", "row 4: ref \"1\" is already used on row 2", "row 5: parent \"9\""}},
		"empty":       {sheet(t), []string{"empty"}},
		"not a sheet": {[]byte("PK\x03\x04 not really"), []string{"not an Excel workbook"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(c.data)
			if err == nil || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestServiceRefusesBadSheet(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"xlsx": Parse})
		_, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "rules.xlsx",
			Data: sheet(t, []any{"ref", "title"}, []any{"1", "a"})})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "missing columns") {
			t.Fatalf("err = %v", err)
		}
		if cats, _ := svc.List(ctx); len(cats) != 0 {
			t.Fatalf("%d catalogs stored", len(cats))
		}
		svc.SetExporter("xlsx", Exporter)
		good := []catalog.Node{{Ref: "1", Kind: catalog.KindSection, Title: "a"}, {Ref: "1.1", Parent: "1", Kind: catalog.KindItem, Text: "b", Requirement: true}}
		res, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "rules.xlsx", Data: export(t, good)})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := svc.Export(ctx, res.Catalog.ID, 0, "xlsx", &buf); err != nil {
			t.Fatal(err)
		}
		p, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		sameNodes(t, good, p.Nodes)
	})
}

func BenchmarkExportSeed002(b *testing.B) {
	nodes := seedNodes(b, "002")
	for b.Loop() {
		var buf bytes.Buffer
		if err := Export(&buf, catalog.ExportMeta{Name: "n"}, nodes); err != nil {
			b.Fatal(err)
		}
	}
}
