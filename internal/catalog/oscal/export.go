package oscal

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// uuidNamespace is the UUIDv5 namespace of kitei catalog exports.
var uuidNamespace = [16]byte{0x6b, 0x69, 0x74, 0x65, 0x69, 0x2d, 0x4f, 0x53, 0x43, 0x41, 0x4c, 0x2d, 0x63, 0x61, 0x74, 0x31}

// Export writes nodes as an OSCAL 1.1.3 catalog. The same catalog, edition
// and nodes always give the same bytes (ids, uuid and timestamp included).
func Export(w io.Writer, meta catalog.ExportMeta, nodes []catalog.Node) error {
	doc, err := build(meta, nodes)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// Exporter registers Export with a catalog.Service.
var Exporter = catalog.Exporter{Write: Export, ContentType: "application/json", Ext: ".oscal.json"}

func build(meta catalog.ExportMeta, nodes []catalog.Node) (*document, error) {
	if err := catalog.Validate(nodes); err != nil {
		return nil, err
	}
	title := strings.TrimSpace(meta.Title)
	if title == "" {
		title = meta.Name
	}
	if title == "" {
		title = "kitei catalog"
	}
	modified := meta.Modified.UTC()
	if modified.Year() < 1900 || modified.Year() > 2999 {
		modified = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	edition := max(meta.Edition, 1)
	c := &oCatalog{
		UUID: uuid5(fmt.Sprintf("catalog\x00%s\x00%d", meta.Name, edition)),
		Metadata: oMetadata{
			Title:        title,
			LastModified: modified.Format("2006-01-02T15:04:05Z"),
			Version:      strconv.Itoa(edition),
			OSCALVersion: Version,
		},
	}
	if clean(meta.Name) {
		c.Metadata.Props = append(c.Metadata.Props, oProp{Name: "catalog-name", NS: NS, Value: meta.Name})
	}
	if clean(meta.SourceFormat) {
		c.Metadata.Props = append(c.Metadata.Props, oProp{Name: "source-format", NS: NS, Value: meta.SourceFormat})
	}

	// Control or group: requirements and everything inside a control are controls.
	isControl := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		isControl[n.Ref] = n.Requirement || (n.Parent != "" && isControl[n.Parent])
	}
	ids := newIDs()
	groups := map[string]*oGroup{}
	controls := map[string]*oControl{}
	for _, n := range nodes {
		id := ids.forRef(n.Ref)
		props, parts := describe(n)
		t := n.Title
		if t == "" {
			t = n.Ref
		}
		if isControl[n.Ref] {
			ct := &oControl{ID: id, Title: t, Props: props, Parts: parts}
			controls[n.Ref] = ct
			switch {
			case n.Parent == "":
				c.Controls = append(c.Controls, ct)
			case controls[n.Parent] != nil:
				controls[n.Parent].Controls = append(controls[n.Parent].Controls, ct)
			default:
				groups[n.Parent].Controls = append(groups[n.Parent].Controls, ct)
			}
			continue
		}
		g := &oGroup{ID: id, Title: t, Props: props, Parts: parts}
		groups[n.Ref] = g
		if n.Parent == "" {
			c.Groups = append(c.Groups, g)
		} else {
			groups[n.Parent].Groups = append(groups[n.Parent].Groups, g)
		}
	}
	// The importer walks controls before groups; when that would reorder
	// the nodes, record each node's position.
	order := make([]string, 0, len(nodes))
	walkCatalog(c, func(props []oProp, parts []*oPart) { order = append(order, refOf(props, parts)) })
	same := len(order) == len(nodes)
	for i := 0; same && i < len(nodes); i++ {
		same = order[i] == nodes[i].Ref
	}
	if !same {
		pos := make(map[string]int, len(nodes))
		for i, n := range nodes {
			pos[n.Ref] = i + 1
		}
		for ref, g := range groups {
			g.Props = append(g.Props, oProp{Name: propSeq, NS: NS, Value: strconv.Itoa(pos[ref])})
		}
		for ref, ct := range controls {
			ct.Props = append(ct.Props, oProp{Name: propSeq, NS: NS, Value: strconv.Itoa(pos[ref])})
		}
	}
	return &document{Catalog: c}, nil
}

// walkCatalog visits groups and controls in the order the importer reads
// them: in each container, controls first, then groups.
func walkCatalog(c *oCatalog, visit func(props []oProp, parts []*oPart)) {
	var ctl func(ct *oControl)
	ctl = func(ct *oControl) {
		visit(ct.Props, ct.Parts)
		for _, k := range ct.Controls {
			ctl(k)
		}
	}
	var grp func(g *oGroup)
	grp = func(g *oGroup) {
		visit(g.Props, g.Parts)
		for _, k := range g.Controls {
			ctl(k)
		}
		for _, k := range g.Groups {
			grp(k)
		}
	}
	for _, k := range c.Controls {
		ctl(k)
	}
	for _, k := range c.Groups {
		grp(k)
	}
}

// refOf reads the ref a node was exported with.
func refOf(props []oProp, parts []*oPart) string {
	for _, p := range props {
		if p.Name == propLabel && (p.NS == "" || p.NS == nistNS) {
			return p.Value
		}
	}
	for _, p := range parts {
		if p.NS == NS && p.Name == partField && p.Class == "ref" {
			return p.Prose
		}
	}
	return ""
}

// describe gives a node's props and parts. Values a prop cannot hold (empty,
// multi-line, or with surrounding spaces) travel as kitei "field" parts.
func describe(n catalog.Node) ([]oProp, []*oPart) {
	var props []oProp
	var parts []*oPart
	field := func(class, v string) { parts = append(parts, &oPart{Name: partField, NS: NS, Class: class, Prose: v}) }
	if clean(n.Ref) {
		props = append(props, oProp{Name: propLabel, Value: n.Ref})
	} else {
		field("ref", n.Ref)
	}
	if n.Kind != "" {
		if clean(n.Kind) {
			props = append(props, oProp{Name: propKind, NS: NS, Value: n.Kind})
		} else {
			field(propKind, n.Kind)
		}
	}
	props = append(props, oProp{Name: propRequirement, NS: NS, Value: strconv.FormatBool(n.Requirement)})
	if n.Title == "" {
		props = append(props, oProp{Name: propUntitled, NS: NS, Value: "true"})
	}
	for _, f := range []struct{ name, v string }{{propSubject, n.Subject}, {propCategory, n.Category}} {
		switch {
		case f.v == "":
		case clean(f.v):
			props = append(props, oProp{Name: f.name, NS: NS, Value: f.v})
		default:
			field(f.name, f.v)
		}
	}
	allClean := true
	for _, r := range n.References {
		allClean = allClean && clean(r)
	}
	for _, r := range n.References {
		if allClean {
			props = append(props, oProp{Name: propReference, NS: NS, Value: r})
		} else {
			field(propReference, r)
		}
	}
	if n.Text != "" {
		parts = append([]*oPart{{Name: "statement", Prose: n.Text}}, parts...)
	}
	return props, parts
}

// clean reports whether v fits OSCAL's string datatype: not empty, one line,
// no surrounding white space.
func clean(v string) bool {
	if v == "" || strings.ContainsAny(v, "\n\r\u2028\u2029\u0085") {
		return false
	}
	first, _ := utf8.DecodeRuneInString(v)
	last, _ := utf8.DecodeLastRuneInString(v)
	return !unicode.IsSpace(first) && !unicode.IsSpace(last) && first != '\ufeff' && last != '\ufeff'
}

// ids hands out OSCAL tokens for refs: "k-" and the ref's ASCII letters and
// digits when that says it all ("1.2.1.3(2)(b)" → "k-1.2.1.3_2_b"), with a
// short hash of the ref added when it holds anything else
// ("第24条第2項" → "k-24-2-…"). Ids are unique within one export.
type ids struct{ used map[string]bool }

func newIDs() *ids { return &ids{used: map[string]bool{}} }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func (x *ids) forRef(ref string) string {
	var b strings.Builder
	b.WriteString("k-")
	exact := true
	sep := false
	for _, r := range ref {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
			exact = false
		case r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			r = r - 'Ａ' + 'A'
			exact = false
		}
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '.', r == '-':
			if sep && b.Len() > 2 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		case r == '(':
			b.WriteByte('_')
			sep = false
		case r == ')':
		default:
			exact = false
			sep = true
		}
	}
	id := b.String()
	if !exact || x.used[id] {
		sum := sha256.Sum256([]byte(ref))
		id = strings.TrimRight(id, "-") + "-" + strings.ToLower(b32.EncodeToString(sum[:5]))
	}
	for i := 2; x.used[id]; i++ { // hash collision: practically never
		id = fmt.Sprintf("%s-%d", strings.TrimSuffix(id, fmt.Sprintf("-%d", i-1)), i)
	}
	x.used[id] = true
	return id
}

// uuid5 derives a name-based (version 5) UUID in kitei's namespace.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
