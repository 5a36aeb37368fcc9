package catalog

import (
	"bytes"
	"encoding/json"
)

// oscalRoots are the top-level keys of OSCAL documents. Any of them means
// the OSCAL importer, which names the model when it is not a catalog.
var oscalRoots = map[string]bool{
	"catalog": true, "profile": true, "component-definition": true, "system-security-plan": true,
	"assessment-plan": true, "assessment-results": true, "plan-of-action-and-milestones": true, "mapping-collection": true,
}

// detectJSON reads the top-level keys at the start of a JSON object and says
// "oscal" for an OSCAL document, "json" for kitei's own shape, or "" when
// the head does not tell (it may be cut short).
func detectJSON(head []byte) string {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		switch {
		case oscalRoots[key]:
			return "oscal"
		case key == "nodes":
			return "json"
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// looksLikeCISO reports whether a text head reads as a CISO Assistant
// library (YAML starting with its urn, or naming requirement nodes).
func looksLikeCISO(head []byte) bool {
	return bytes.HasPrefix(head, []byte("urn:")) || bytes.Contains(head, []byte("\nrequirement_nodes:")) ||
		bytes.Contains(head, []byte("\n    requirement_nodes:"))
}
