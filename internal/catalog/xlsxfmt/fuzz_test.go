package xlsxfmt

import (
	"testing"

	"kitei/internal/catalog"
)

// FuzzParse: no input may crash the importer, and whatever it accepts must
// keep the catalog invariants (unique refs, parents before children).
func FuzzParse(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
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
