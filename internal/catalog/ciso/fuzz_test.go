package ciso

import (
	"testing"

	"kitei/internal/catalog"
)

// FuzzParse: no input may crash the importer, and whatever it accepts must
// keep the catalog invariants (unique refs, parents before children).
func FuzzParse(f *testing.F) {
	f.Add([]byte("urn: urn:x:lib\nobjects:\n  framework:\n    urn: urn:x:fw\n    name: F\n    requirement_nodes:\n      - urn: urn:x:r1\n        assessable: false\n        depth: 1\n        ref_id: \"1\"\n        name: A\n      - urn: urn:x:r2\n        parent_urn: urn:x:r1\n        assessable: true\n        depth: 2\n        ref_id: \"1.1\"\n        description: d\n"))
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
