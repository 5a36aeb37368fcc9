package kjson

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
)

func seedNodes(tb testing.TB, id string) []catalog.Node {
	tb.Helper()
	dir, _ := os.Getwd()
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, "shared", "seeds", id+"_*.txt")); len(m) == 1 {
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
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("seed documents not found (expected shared/seeds beside the repository)")
		}
		dir = parent
	}
}

func TestSeedRoundTrip(t *testing.T) {
	for _, id := range []string{"000", "001", "002", "003", "004"} {
		t.Run(id, func(t *testing.T) {
			nodes := seedNodes(t, id)
			var buf bytes.Buffer
			if err := Export(&buf, catalog.ExportMeta{CatalogID: 3, Name: "n", Edition: 2, Title: "t"}, nodes); err != nil {
				t.Fatal(err)
			}
			p, err := Parse(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if p.Title != "t" || !reflect.DeepEqual(p.Nodes, nodes) {
				t.Fatal("round trip changed the nodes")
			}
		})
	}
}

func TestRejects(t *testing.T) {
	for name, data := range map[string]string{
		"oscal":    `{"catalog":{"uuid":"x"}}`,
		"no nodes": `{"id":1,"name":"x"}`,
		"nodes":    `{"nodes":{}}`,
		"two docs": `{"nodes":[]} {"nodes":[]}`,
		"text":     `hello`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(data))
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "not a kitei catalog JSON document") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
