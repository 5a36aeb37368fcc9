package kjson

import (
	"testing"

	"kitei/internal/catalog"
)

// FuzzParse: no input may crash the importer, and whatever it accepts must
// keep the catalog invariants (unique refs, parents before children).
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":1,"name":"n","nodes":[{"ref":"1","parent":"","kind":"item","title":"","text":"t","requirement":true,"subject":""}]}`))
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
