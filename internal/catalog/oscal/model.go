// Package oscal exports catalogs as NIST OSCAL 1.1.3 catalog JSON and
// imports OSCAL 1.x catalogs.
//
// Export maps the catalog tree onto OSCAL: a node becomes a control when it
// is a requirement or sits inside a control (OSCAL controls only nest
// controls); every other node becomes a group. A node's text is the prose of
// its "statement" part; its ref is the standard "label" prop; what OSCAL has
// no field for (kind, requirement flag, subject role, category, references)
// goes into props in the kitei namespace NS. Importing such a document gives
// back exactly the nodes that were exported.
package oscal

import "encoding/json"

// NS is the namespace of kitei's own props and parts.
const NS = "https://kitei.example/ns/oscal"

// Version is the OSCAL version kitei writes.
const Version = "1.1.3"

// nistNS is the namespace of OSCAL's own props (the default when ns is absent).
const nistNS = "http://csrc.nist.gov/ns/oscal"

// kitei prop names.
const (
	propKind        = "kind"
	propRequirement = "requirement"
	propSubject     = "subject"
	propCategory    = "category"
	propReference   = "reference"
	propUntitled    = "untitled" // the node has no title; the OSCAL title repeats the ref
	propSeq         = "seq"      // document position, written when nesting alone would reorder nodes
	propLabel       = "label"    // OSCAL's own label prop: the node's ref
	partField       = "field"    // kitei part carrying a value a prop cannot hold (class names the field)
)

type document struct {
	Catalog *oCatalog `json:"catalog"`
}

type oCatalog struct {
	UUID       string          `json:"uuid"`
	Metadata   oMetadata       `json:"metadata"`
	Params     []oParam        `json:"params,omitempty"`
	Controls   []*oControl     `json:"controls,omitempty"`
	Groups     []*oGroup       `json:"groups,omitempty"`
	BackMatter json.RawMessage `json:"back-matter,omitempty"`
}

type oMetadata struct {
	Title        string  `json:"title"`
	Published    string  `json:"published,omitempty"`
	LastModified string  `json:"last-modified"`
	Version      string  `json:"version"`
	OSCALVersion string  `json:"oscal-version"`
	Props        []oProp `json:"props,omitempty"`
	Remarks      string  `json:"remarks,omitempty"`
}

type oGroup struct {
	ID       string      `json:"id,omitempty"`
	Class    string      `json:"class,omitempty"`
	Title    string      `json:"title"`
	Params   []oParam    `json:"params,omitempty"`
	Props    []oProp     `json:"props,omitempty"`
	Parts    []*oPart    `json:"parts,omitempty"`
	Groups   []*oGroup   `json:"groups,omitempty"`
	Controls []*oControl `json:"controls,omitempty"`
}

type oControl struct {
	ID       string      `json:"id"`
	Class    string      `json:"class,omitempty"`
	Title    string      `json:"title"`
	Params   []oParam    `json:"params,omitempty"`
	Props    []oProp     `json:"props,omitempty"`
	Parts    []*oPart    `json:"parts,omitempty"`
	Controls []*oControl `json:"controls,omitempty"`
}

type oPart struct {
	ID    string   `json:"id,omitempty"`
	Name  string   `json:"name"`
	NS    string   `json:"ns,omitempty"`
	Class string   `json:"class,omitempty"`
	Title string   `json:"title,omitempty"`
	Props []oProp  `json:"props,omitempty"`
	Prose string   `json:"prose,omitempty"`
	Parts []*oPart `json:"parts,omitempty"`
}

type oProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
	Class string `json:"class,omitempty"`
}

type oParam struct {
	ID     string   `json:"id"`
	Label  string   `json:"label,omitempty"`
	Values []string `json:"values,omitempty"`
	Select *struct {
		HowMany string   `json:"how-many,omitempty"`
		Choice  []string `json:"choice,omitempty"`
	} `json:"select,omitempty"`
}
