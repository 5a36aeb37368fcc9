package oscal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/testshared"
)

var seedIDs = []string{"000", "001", "002", "003", "004"}

// seedNodes parses seed id with jptext, skipping when the seeds are absent.
func seedNodes(tb testing.TB, id string) []catalog.Node {
	tb.Helper()
	dir := testshared.Path("seeds")
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

// oscalSchema compiles NIST's OSCAL 1.1.3 JSON schema, skipping when absent.
func oscalSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	dir := testshared.Path("oscal")
	if dir == "" {
		tb.Skip("OSCAL schema not found (expected shared/oscal beside the repository)")
	}
	path := filepath.Join(dir, "oscal_complete_schema-1.1.3.json")
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("OSCAL schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("oscal.json", doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile("oscal.json")
	if err != nil {
		tb.Fatalf("compile OSCAL schema: %v", err)
	}
	return s
}

func exportBytes(tb testing.TB, meta catalog.ExportMeta, nodes []catalog.Node) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, meta, nodes); err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return buf.Bytes()
}

func seedMeta(id string) catalog.ExportMeta {
	return catalog.ExportMeta{CatalogID: 1, Name: "seed " + id, Edition: 2, Title: "規程 " + id,
		SourceFormat: "jptext", Modified: time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC)}
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000]
		}
		t.Fatalf("export does not validate against OSCAL 1.1.3: %s", msg)
	}
}

func TestSeedExportsValidate(t *testing.T) {
	s := oscalSchema(t)
	for _, id := range seedIDs {
		t.Run(id, func(t *testing.T) {
			validate(t, s, exportBytes(t, seedMeta(id), seedNodes(t, id)))
		})
	}
}

func TestSchemaRejectsBrokenExport(t *testing.T) {
	// The validator must really check: a control without a title fails.
	s := oscalSchema(t)
	data := exportBytes(t, seedMeta("x"), []catalog.Node{{Ref: "1", Kind: catalog.KindItem, Text: "x", Requirement: true}})
	bad := bytes.Replace(data, []byte(`"title": "1"`), []byte(`"titel": "1"`), 1)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err := s.Validate(inst); err == nil {
		t.Fatal("a control without title validated")
	}
	// Patterns are checked too: an id with Japanese parentheses is no token.
	bad = bytes.Replace(data, []byte(`"id": "k-1"`), []byte(`"id": "k-（1）"`), 1)
	inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err := s.Validate(inst); err == nil {
		t.Fatal("an id that is not a token validated")
	}
}

func TestSeedRoundTrip(t *testing.T) {
	for _, id := range seedIDs {
		t.Run(id, func(t *testing.T) {
			nodes := seedNodes(t, id)
			data := exportBytes(t, seedMeta(id), nodes)
			if again := exportBytes(t, seedMeta(id), nodes); !bytes.Equal(data, again) {
				t.Fatal("two exports of the same edition differ")
			}
			p, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Title != "規程 "+id {
				t.Errorf("title %q", p.Title)
			}
			sameNodes(t, nodes, p.Nodes)
		})
	}
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

func TestRoundTripAwkwardValues(t *testing.T) {
	// Values OSCAL props cannot hold, an order nesting alone would change,
	// and refs that map to the same token.
	nodes := []catalog.Node{
		{Ref: "第1章", Kind: catalog.KindChapter, Title: "総則"},
		{Ref: "1(2)", Parent: "第1章", Kind: catalog.KindItem, Text: "a", Requirement: true, Subject: " 職員 ", References: []string{"規程第3条", "x\ny"}},
		{Ref: "1_2", Parent: "第1章", Kind: catalog.KindSection, Title: "節", Category: "要検討事項"},
		{Ref: "1(2", Parent: "第1章", Kind: "", Text: "{{ insert: param, p1 }}", Requirement: true},
		{Ref: " spaced ref", Parent: "1(2)", Kind: catalog.KindSubitem, Title: "t\nt", Text: "b\n\nc", Requirement: false},
		{Ref: "第2章", Kind: catalog.KindChapter, Title: ""},
	}
	s := oscalSchemaOrNil(t)
	data := exportBytes(t, catalog.ExportMeta{Name: "awkward", Edition: 1}, nodes)
	if s != nil {
		validate(t, s, data)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	sameNodes(t, nodes, p.Nodes)
	// ids are tokens without Japanese or parentheses
	var doc struct {
		Catalog struct {
			Groups []struct {
				ID       string `json:"id"`
				Controls []struct {
					ID string `json:"id"`
				} `json:"controls"`
			} `json:"groups"`
		} `json:"catalog"`
	}
	json.Unmarshal(data, &doc)
	for _, g := range doc.Catalog.Groups {
		ids := []string{g.ID}
		for _, c := range g.Controls {
			ids = append(ids, c.ID)
		}
		for _, id := range ids {
			for _, r := range id {
				if r > 0x7f || r == '(' || r == ')' {
					t.Errorf("id %q is not plain ASCII", id)
				}
			}
		}
	}
	if doc.Catalog.Groups[0].Controls[0].ID != "k-1_2" {
		t.Errorf("id of 1(2) = %q, want k-1_2", doc.Catalog.Groups[0].Controls[0].ID)
	}
}

func oscalSchemaOrNil(t *testing.T) *jsonschema.Schema {
	if testshared.Path("oscal") == "" {
		return nil
	}
	return oscalSchema(t)
}

func TestStableUUID(t *testing.T) {
	nodes := []catalog.Node{{Ref: "1", Title: "a"}}
	a := exportBytes(t, catalog.ExportMeta{Name: "x", Edition: 1}, nodes)
	b := exportBytes(t, catalog.ExportMeta{Name: "x", Edition: 1}, nodes)
	c := exportBytes(t, catalog.ExportMeta{Name: "x", Edition: 2}, nodes)
	uuid := func(d []byte) string {
		var doc document
		json.Unmarshal(d, &doc)
		return doc.Catalog.UUID
	}
	if uuid(a) != uuid(b) || uuid(a) == uuid(c) {
		t.Fatalf("uuids %s %s %s: want equal for the same edition, different across editions", uuid(a), uuid(b), uuid(c))
	}
}

// TestBasicCatalog imports NIST's example catalog with all its controls,
// counted independently from the file.
func TestBasicCatalog(t *testing.T) {
	dir := testshared.Path("oscal")
	if dir == "" {
		t.Skip("shared/oscal not found")
	}
	data, err := os.ReadFile(filepath.Join(dir, "basic-catalog.json"))
	if err != nil {
		t.Skip(err)
	}
	var raw any
	json.Unmarshal(data, &raw)
	wantControls, wantGroups := countObjects(raw)
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.Validate(p.Nodes); err != nil {
		t.Fatal(err)
	}
	if p.Requirements() != wantControls || len(p.Nodes) != wantControls+wantGroups {
		t.Fatalf("%d nodes, %d requirements; the file has %d controls and %d groups", len(p.Nodes), p.Requirements(), wantControls, wantGroups)
	}
	if wantControls == 0 {
		t.Fatal("no controls counted in the example")
	}
	for _, n := range p.Nodes {
		if strings.Contains(n.Text, "{{") {
			t.Errorf("%s: parameter left in text: %q", n.Ref, n.Text)
		}
		if n.Requirement && n.Text == "" {
			t.Errorf("%s: control without text", n.Ref)
		}
	}
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "parameter") {
		t.Errorf("warnings %q do not mention parameters", p.Warnings)
	}
}

// countObjects counts controls and groups anywhere under catalog.
func countObjects(v any) (controls, groups int) {
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			switch key {
			case "controls":
				controls++
			case "groups":
				groups++
			}
			for k, c := range x {
				walk(c, k)
			}
		case []any:
			for _, c := range x {
				walk(c, key)
			}
		}
	}
	walk(v, "")
	return
}

func TestParamsAndParts(t *testing.T) {
	doc := `{"catalog":{"uuid":"00000000-0000-4000-8000-000000000000","metadata":{"title":"T","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.0.4"},
	"params":[{"id":"p-v","values":["30 days"]},{"id":"p-l","label":"a period"},{"id":"p-s","select":{"choice":["yearly","after {{ insert: param, p-v }}"]}}],
	"controls":[{"id":"ac-1","title":"Policy","props":[{"name":"label","value":"AC-1"}],
	  "parts":[{"name":"statement","prose":"Review every {{ insert: param, p-v }}.","parts":[{"name":"item","props":[{"name":"label","value":"a."}],"prose":"within {{insert: param, p-l}}","parts":[{"name":"item","props":[{"name":"label","value":"1."}],"prose":"{{ insert: param, p-s }} or {{ insert: param, nope }}"}]}]},
	           {"name":"guidance","prose":"Some guidance."}],
	  "controls":[{"id":"ac-1.1","title":"Enhancement","parts":[{"name":"statement","prose":"More."}]}]}],
	"back-matter":{"resources":[{"uuid":"00000000-0000-4000-8000-000000000001"}]}}}`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := "Review every 30 days.\na. within [a period]\n  1. [yearly / after 30 days] or [nope]\n\nguidance: Some guidance."
	if len(p.Nodes) != 2 || p.Nodes[0].Ref != "AC-1" || p.Nodes[0].Text != want {
		t.Fatalf("nodes %#v\nwant text %q", p.Nodes, want)
	}
	if n := p.Nodes[1]; n.Ref != "ac-1.1" || n.Parent != "AC-1" || !n.Requirement || n.Kind != catalog.KindSubitem {
		t.Fatalf("enhancement %#v", n)
	}
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "back-matter") {
		t.Errorf("no back-matter warning: %q", p.Warnings)
	}
}

func TestRejects(t *testing.T) {
	for name, c := range map[string]struct{ data, want string }{
		"not json":     {`catalog: yes`, "not valid JSON"},
		"not oscal":    {`{"hello":"world"}`, "no top-level \"catalog\""},
		"array":        {`[1,2]`, "not a JSON object"},
		"profile":      {`{"profile":{"uuid":"x","metadata":{},"imports":[]}}`, "OSCAL profile"},
		"ssp":          {`{"system-security-plan":{"uuid":"x"}}`, "system security plan"},
		"kitei json":   {`{"id":1,"name":"x","nodes":[]}`, "--format json"},
		"no metadata":  {`{"catalog":{"uuid":"x"}}`, "metadata"},
		"oscal 2":      {`{"catalog":{"uuid":"x","metadata":{"title":"t","oscal-version":"2.0.0"}}}`, "not supported"},
		"bad controls": {`{"catalog":{"uuid":"x","metadata":{"title":"t","oscal-version":"1.1.3"},"controls":{}}}`, "not a valid OSCAL catalog"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want Invalid mentioning %q", err, c.want)
			}
		})
	}
}

// genCatalog writes an OSCAL catalog of families × controls × enhancements
// with statements, items, guidance and parameters.
func genCatalog(families, controls, enhancements int) []byte {
	var b strings.Builder
	b.WriteString(`{"catalog":{"uuid":"7d1e5c1a-2b3c-4d5e-8f60-718293a4b5c6","metadata":{"title":"Generated","last-modified":"2025-01-01T00:00:00Z","version":"1","oscal-version":"1.1.3"},"groups":[`)
	for f := range families {
		if f > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"f%d","class":"family","title":"Family %d","controls":[`, f, f)
		for c := range controls {
			if c > 0 {
				b.WriteByte(',')
			}
			id := fmt.Sprintf("f%d-%d", f, c+1)
			fmt.Fprintf(&b, `{"id":%q,"class":"SP800-53","title":"Control %s","params":[{"id":"%s_prm_1","label":"organization-defined frequency"}],"props":[{"name":"label","value":"F%d-%d"},{"name":"sort-id","value":%q}],"parts":[{"id":"%s_smt","name":"statement","parts":[{"id":"%s_smt.a","name":"item","props":[{"name":"label","value":"a."}],"prose":"Develop and document a policy reviewed every {{ insert: param, %s_prm_1 }}; and"},{"id":"%s_smt.b","name":"item","props":[{"name":"label","value":"b."}],"prose":"Designate an official to manage the policy."}]},{"id":"%s_gdn","name":"guidance","prose":"The policy addresses purpose, scope, roles and responsibilities for control %s."}]`,
				id, id, id, f, c+1, id, id, id, id, id, id, id)
			if enhancements > 0 {
				b.WriteString(`,"controls":[`)
				for e := range enhancements {
					if e > 0 {
						b.WriteByte(',')
					}
					eid := fmt.Sprintf("%s.%d", id, e+1)
					fmt.Fprintf(&b, `{"id":%q,"class":"SP800-53-enhancement","title":"Enhancement %s","props":[{"name":"label","value":"F%d-%d(%d)"}],"parts":[{"name":"statement","prose":"Employ automated mechanisms to support control %s."}]}`, eid, eid, f, c+1, e+1, id)
				}
				b.WriteByte(']')
			}
			b.WriteByte('}')
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func TestGeneratedCatalog(t *testing.T) {
	data := genCatalog(20, 25, 2) // 500 controls + 1000 enhancements
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.Validate(p.Nodes); err != nil {
		t.Fatal(err)
	}
	if p.Requirements() != 1500 || len(p.Nodes) != 1520 {
		t.Fatalf("%d nodes, %d requirements", len(p.Nodes), p.Requirements())
	}
}

// BenchmarkParseGenerated imports an OSCAL catalog of 1,500 controls and
// enhancements (DESIGN.md §5: an 800-control catalog ≤ 300 ms).
func BenchmarkParseGenerated(b *testing.B) {
	data := genCatalog(20, 25, 2)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportSeed002(b *testing.B) {
	nodes := seedNodes(b, "002")
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Export(&buf, seedMeta("002"), nodes); err != nil {
			b.Fatal(err)
		}
	}
}
