package ciso_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/catalog/ciso"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSingleFramework(t *testing.T) {
	p, err := ciso.Parse(read(t, "single.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.Validate(p.Nodes); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ref, parent string
		req         bool
	}
	want := []row{{"A", "", false}, {"A.1", "A", true}, {"A.2", "A", true}, {"a.2.node1", "A.2", true}, {"B", "", false}, {"1", "B", true}}
	if len(p.Nodes) != len(want) {
		t.Fatalf("%d nodes: %#v", len(p.Nodes), p.Nodes)
	}
	for i, w := range want {
		n := p.Nodes[i]
		if n.Ref != w.ref || n.Parent != w.parent || n.Requirement != w.req {
			t.Errorf("node %d = %s (parent %q, requirement %v), want %+v", i, n.Ref, n.Parent, n.Requirement, w)
		}
	}
	if p.Title != "事務所の情報管理ルール（試験用）" || p.Format != "ciso" {
		t.Errorf("title %q format %q", p.Title, p.Format)
	}
	a1 := p.Nodes[1]
	if a1.Title != "机上の整理" || !strings.HasPrefix(a1.Text, "職員は、離席する際に") || !strings.Contains(a1.Text, "[en] Clear desk\nStaff put papers") {
		t.Errorf("A.1 = %#v", a1)
	}
	if a2 := p.Nodes[2]; !strings.Contains(a2.Text, "証明書を受け取る") {
		t.Errorf("annotation missing from %q", a2.Text)
	}
	if p.Nodes[3].Title != "" || p.Nodes[3].Text != "裁断の記録を一年間保存すること。" {
		t.Errorf("unnamed node %#v", p.Nodes[3])
	}
}

func TestMultiParse(t *testing.T) {
	ps, err := ciso.ParseAll(read(t, "multi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Title != "First test framework" || ps[1].Title != "Second test framework" {
		t.Fatalf("%d frameworks", len(ps))
	}
	if len(ps[0].Nodes) != 3 || ps[0].Requirements() != 2 || len(ps[1].Nodes) != 1 {
		t.Fatalf("nodes %d/%d", len(ps[0].Nodes), len(ps[1].Nodes))
	}
	if !strings.Contains(ps[0].Nodes[1].Text, "[ja] 責任者\n規則ごとに責任者を定めること。") {
		t.Errorf("Japanese translation missing: %q", ps[0].Nodes[1].Text)
	}
	if _, err := ciso.Parse(read(t, "multi.yaml")); err == nil {
		t.Error("Parse accepted a library with two frameworks")
	}
}

func TestParseErrors(t *testing.T) {
	lib := func(nodes string) string {
		return "urn: urn:x:library:t\nlocale: en\nobjects:\n  framework:\n    urn: urn:x:framework:t\n    name: T\n    requirement_nodes:\n" + nodes
	}
	for name, c := range map[string]struct{ data, want string }{
		"dangling":     {string(read(t, "dangling.yaml")), "parent_urn urn:kitei:risk:req_node:test-dangling:nowhere"},
		"duplicate":    {lib("    - urn: urn:x:1\n      name: a\n    - urn: urn:x:1\n      name: b\n"), "appears twice"},
		"no urn":       {lib("    - name: a\n"), "has no urn"},
		"loop":         {lib("    - urn: urn:x:1\n      parent_urn: urn:x:2\n    - urn: urn:x:2\n      parent_urn: urn:x:1\n"), "parent_urn loop"},
		"no framework": {"urn: urn:x:library:t\nobjects:\n  risk_matrix:\n    urn: urn:x:m\n", "no framework"},
		"no nodes":     {lib(""), "no requirement_nodes"},
		"not yaml":     {"{{{", "not a CISO Assistant library"},
		"not library":  {"hello: world\n", "not a CISO Assistant library"},
		"empty":        {"# nothing\n", "empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ciso.ParseAll([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want Invalid mentioning %q", err, c.want)
			}
		})
	}
}

func service(db *store.DB) *catalog.Service {
	s := catalog.NewService(db.Catalogs(), nil)
	s.SetMultiParser("ciso", ciso.ParseAll)
	return s
}

func TestImportThroughService(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service(db)
		rs, err := svc.ImportAll(ctx, catalog.ImportRequest{SourceName: "multi.yaml", Data: read(t, "multi.yaml")})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].Catalog.Name != "First test framework" || rs[1].Edition.Nodes != 1 || rs[0].Edition.Format != "ciso" {
			t.Fatalf("results %+v", rs)
		}
		nodes, err := svc.Nodes(ctx, rs[0].Edition.ID)
		if err != nil || len(nodes) != 3 || nodes[2].Parent != "1" {
			t.Fatalf("stored nodes %v %#v", err, nodes)
		}
		again, err := svc.ImportAll(ctx, catalog.ImportRequest{SourceName: "multi.yaml", Data: read(t, "multi.yaml")})
		if err != nil || len(again) != 2 || !again[0].Duplicate || !again[1].Duplicate {
			t.Fatalf("re-import: %v %+v", err, again)
		}
		one, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "single.yaml", Data: read(t, "single.yaml")})
		if err != nil || one.Catalog.Name != "事務所の情報管理ルール（試験用）" || one.Edition.Requirements != 4 {
			t.Fatalf("single: %v %+v", err, one)
		}
	})
}

func TestBadLibraryChangesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service(db)
		// A library whose second framework is broken stores neither.
		bad := strings.Replace(string(read(t, "multi.yaml")), "parent_urn: urn:kitei:risk:req_node:test-first:1\n      ref_id: '1.2'",
			"parent_urn: urn:kitei:risk:req_node:test-first:9\n      ref_id: '1.2'", 1)
		for name, data := range map[string]string{"dangling": string(read(t, "dangling.yaml")), "multi with dangling": bad} {
			_, err := svc.ImportAll(ctx, catalog.ImportRequest{SourceName: name + ".yaml", Data: []byte(data)})
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "parent_urn") {
				t.Fatalf("%s: err = %v", name, err)
			}
		}
		if cats, err := svc.List(ctx); err != nil || len(cats) != 0 {
			t.Fatalf("catalogs after failed imports: %v %d", err, len(cats))
		}
	})
}
