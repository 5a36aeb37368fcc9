package oscal

import (
	"testing"

	"kitei/internal/catalog"
)

// FuzzParse: no input may crash the importer, and whatever it accepts must
// keep the catalog invariants (unique refs, parents before children).
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"catalog":{"uuid":"3c5f2d4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f","metadata":{"title":"t","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.3"},"groups":[{"id":"g1","title":"G","controls":[{"id":"c1","title":"C","parts":[{"id":"c1_smt","name":"statement","prose":"x {{ insert: param, p1 }}"}],"params":[{"id":"p1","values":["v"]}]}]}]}}`))
	f.Add([]byte(""))
	f.Add([]byte("\x00\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if err := catalog.Validate(p.Nodes); err != nil && len(p.Nodes) > 0 {
			t.Fatalf("accepted nodes break the invariants: %v", err)
		}
	})
}
