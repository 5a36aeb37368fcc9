package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/catalog/ciso"
	"kitei/internal/catalog/kjson"
	"kitei/internal/catalog/oscal"
	"kitei/internal/catalog/xlsxfmt"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func interchangeService(db *store.DB) *catalog.Service {
	s := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{
		"oscal": oscal.Parse, "xlsx": xlsxfmt.Parse, "json": kjson.Parse,
	})
	s.SetMultiParser("ciso", ciso.ParseAll)
	s.SetExporter("oscal", oscal.Exporter)
	s.SetExporter("xlsx", xlsxfmt.Exporter)
	s.SetExporter("json", kjson.Exporter)
	return s
}

func missingColumnsSheet(t *testing.T) []byte {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"番号", "見出し"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"1", "総則"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInvalidInputChangesNothing feeds each importer a file it must refuse,
// through the service and a real store, with format detection.
func TestInvalidInputChangesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := interchangeService(db)
		cases := []struct {
			name, file, data, want string
		}{
			{"json not oscal", "data.json", `{"rows":[1,2,3]}`, "not an OSCAL catalog"},
			{"oscal profile", "profile.json", `{"profile":{"uuid":"8f2c3b1a-1111-4222-8333-444455556666","metadata":{"title":"p","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.3"},"imports":[{"href":"#x"}]}}`, "OSCAL profile"},
			{"oscal ssp", "ssp.json", `{"system-security-plan":{"uuid":"8f2c3b1a-1111-4222-8333-444455556666"}}`, "system security plan"},
			{"dangling parent_urn", "lib.yaml", "urn: urn:t:library:x\nobjects:\n  framework:\n    urn: urn:t:framework:x\n    name: X\n    requirement_nodes:\n    - urn: urn:t:1\n      parent_urn: urn:t:0\n      name: a\n", "parent_urn urn:t:0"},
			{"xlsx missing columns", "rules.xlsx", string(missingColumnsSheet(t)), "missing columns: parent (親番号), text (本文), requirement (要求事項)"},
		}
		for _, c := range cases {
			_, err := svc.ImportAll(ctx, catalog.ImportRequest{SourceName: c.file, Data: []byte(c.data)})
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: err = %v, want Invalid mentioning %q", c.name, err, c.want)
			}
			_, err = svc.Import(ctx, catalog.ImportRequest{SourceName: c.file, Data: []byte(c.data)})
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s through Import: err = %v", c.name, err)
			}
		}
		if cats, err := svc.List(ctx); err != nil || len(cats) != 0 {
			t.Fatalf("after refused imports: %v, %d catalogs", err, len(cats))
		}
	})
}

// TestExportReimport exports a stored catalog in every format and imports
// each export as a new catalog with the same nodes.
func TestExportReimport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := interchangeService(db)
		src := `{"id":0,"name":"src","edition":1,"nodes":[
 {"ref":"第1章","parent":"","kind":"chapter","title":"総則","text":"","requirement":false,"subject":""},
 {"ref":"第1条","parent":"第1章","kind":"article","title":"目的","text":"この規程は、…を定める。","requirement":false,"subject":""},
 {"ref":"第2条","parent":"第1章","kind":"article","title":"","text":"職員は、規程を守らなければならない。","requirement":true,"subject":"職員","references":["第1条"]},
 {"ref":"第2条第1項","parent":"第2条","kind":"paragraph","title":"","text":"(1) 遵守","requirement":false,"subject":"","category":"要検討事項"}]}`
		res, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "src.json", Data: []byte(src)})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := svc.Nodes(ctx, res.Edition.ID)
		if len(want) != 4 {
			t.Fatalf("%d nodes", len(want))
		}
		for _, f := range []string{"oscal", "xlsx", "json"} {
			info, err := svc.ExportInfo(ctx, res.Catalog.ID, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := svc.Export(ctx, res.Catalog.ID, 0, f, &buf); err != nil {
				t.Fatal(err)
			}
			back, err := svc.Import(ctx, catalog.ImportRequest{Name: "copy " + f, SourceName: info.Name, Data: buf.Bytes()})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if back.Edition.Format != f {
				t.Errorf("%s export detected as %s", f, back.Edition.Format)
			}
			got, _ := svc.Nodes(ctx, back.Edition.ID)
			if len(got) != len(want) {
				t.Fatalf("%s: %d nodes", f, len(got))
			}
			for i := range want {
				if got[i].Ref != want[i].Ref || got[i].Parent != want[i].Parent || got[i].Text != want[i].Text || got[i].Requirement != want[i].Requirement ||
					got[i].Subject != want[i].Subject || got[i].Category != want[i].Category || strings.Join(got[i].References, "|") != strings.Join(want[i].References, "|") || got[i].Title != want[i].Title || got[i].Kind != want[i].Kind {
					t.Errorf("%s: node %d = %#v, want %#v", f, i, got[i], want[i])
				}
			}
		}
		if _, err := svc.ExportInfo(ctx, res.Catalog.ID, 0, "pdf"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("pdf export: %v", err)
		}
		if _, err := svc.ExportInfo(ctx, res.Catalog.ID, 7, "json"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("edition 7: %v", err)
		}
	})
}
