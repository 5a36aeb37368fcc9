package oscal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

// otherModels are the OSCAL root objects that are not catalogs, with the
// name people know them by.
var otherModels = map[string]string{
	"profile":                       "an OSCAL profile",
	"component-definition":          "an OSCAL component definition",
	"system-security-plan":          "an OSCAL system security plan (SSP)",
	"assessment-plan":               "an OSCAL assessment plan",
	"assessment-results":            "an OSCAL assessment results document",
	"plan-of-action-and-milestones": "an OSCAL plan of action and milestones (POA&M)",
	"mapping-collection":            "an OSCAL mapping collection",
}

// Parse imports an OSCAL 1.x catalog in JSON. Groups and controls become
// nodes in document order; a control's text is its statement (items
// nested beneath it) followed by its other parts (guidance …), with
// parameters replaced by their values, or their labels in brackets. Nodes
// written by Export come back exactly as they were.
func Parse(data []byte) (*catalog.Parsed, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var root map[string]json.RawMessage
	if err := json.Unmarshal(data, &root); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, apperr.E(apperr.Invalid, "catalog.err.oscal_catalog_file_valid_json", syn, syn.Offset)
		}
		return nil, apperr.E(apperr.Invalid, "catalog.err.oscal_catalog_file_json_object")
	}
	raw, ok := root["catalog"]
	if !ok {
		for key, what := range otherModels {
			if _, ok := root[key]; ok {
				return nil, apperr.E(apperr.Invalid, "catalog.err.file_catalog_kitei_imports_oscal", what)
			}
		}
		if _, ok := root["nodes"]; ok {
			return nil, apperr.E(apperr.Invalid, "catalog.err.oscal_catalog_looks_like_kitei")
		}
		return nil, apperr.E(apperr.Invalid, "catalog.err.oscal_catalog_file_has_top")
	}
	var c oCatalog
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.valid_oscal_catalog", err)
	}
	if c.Metadata.OSCALVersion == "" || c.Metadata.Title == "" {
		return nil, apperr.E(apperr.Invalid, "catalog.err.valid_oscal_catalog_metadata_needs")
	}
	if v := c.Metadata.OSCALVersion; !strings.HasPrefix(strings.TrimPrefix(v, "v"), "1.") {
		return nil, apperr.E(apperr.Invalid, "catalog.err.oscal_version_supported_x", v)
	}
	r := &reader{params: map[string]*oParam{}, used: map[string]bool{}}
	r.collectParams(&c)
	p := &catalog.Parsed{Title: c.Metadata.Title, Format: "oscal", Style: "oscal", Encoding: "utf-8"}
	for _, ct := range c.Controls {
		r.control(ct, "", 0)
	}
	for i, g := range c.Groups {
		r.group(g, "", strconv.Itoa(i+1))
	}
	if r.seq {
		sort.SliceStable(r.nodes, func(i, j int) bool { return r.nodes[i].seq < r.nodes[j].seq })
	}
	p.Nodes = make([]catalog.Node, len(r.nodes))
	for i := range r.nodes {
		p.Nodes[i] = r.nodes[i].Node
	}
	if len(c.BackMatter) > 0 && string(c.BackMatter) != "null" {
		p.Warnings = append(p.Warnings, "back-matter (resources and citations) is not imported")
	}
	if r.inserted > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d parameter references were replaced by their values or labels", r.inserted))
	}
	if err := catalog.Validate(p.Nodes); err != nil {
		return nil, err
	}
	return p, nil
}

type seqNode struct {
	catalog.Node
	seq int
}

type reader struct {
	params   map[string]*oParam
	nodes    []seqNode
	used     map[string]bool // refs given out
	seq      bool            // some node carries a kitei seq prop
	inserted int
}

func (r *reader) collectParams(c *oCatalog) {
	add := func(ps []oParam) {
		for i := range ps {
			if ps[i].ID != "" {
				r.params[ps[i].ID] = &ps[i]
			}
		}
	}
	add(c.Params)
	var ctl func(ct *oControl)
	ctl = func(ct *oControl) {
		add(ct.Params)
		for _, k := range ct.Controls {
			ctl(k)
		}
	}
	var grp func(g *oGroup)
	grp = func(g *oGroup) {
		add(g.Params)
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

func (r *reader) group(g *oGroup, parent, pos string) {
	n := r.node(g.ID, g.Title, g.Props, g.Parts, parent, false, catalog.KindSection, "G"+pos)
	for _, k := range g.Controls {
		r.control(k, n, 0)
	}
	for i, k := range g.Groups {
		r.group(k, n, pos+"."+strconv.Itoa(i+1))
	}
}

func (r *reader) control(ct *oControl, parent string, depth int) {
	kind := catalog.KindItem
	if depth > 0 {
		kind = catalog.KindSubitem
	}
	n := r.node(ct.ID, ct.Title, ct.Props, ct.Parts, parent, true, kind, ct.ID)
	for _, k := range ct.Controls {
		r.control(k, n, depth+1)
	}
}

// node adds one group or control and returns its ref.
func (r *reader) node(id, title string, props []oProp, parts []*oPart, parent string, requirement bool, kind, fallback string) string {
	n := seqNode{Node: catalog.Node{Parent: parent, Title: title}}
	kitei := false
	for _, p := range props {
		if p.NS == NS && p.Name == propRequirement {
			kitei = true
		}
	}
	if kitei {
		n.Ref = refOf(props, parts)
		for _, p := range props {
			if p.NS != NS {
				continue
			}
			switch p.Name {
			case propKind:
				n.Kind = p.Value
			case propRequirement:
				n.Requirement = p.Value == "true"
			case propUntitled:
				n.Title = ""
			case propSubject:
				n.Subject = p.Value
			case propCategory:
				n.Category = p.Value
			case propReference:
				n.References = append(n.References, p.Value)
			case propSeq:
				if v, err := strconv.Atoi(p.Value); err == nil {
					n.seq, r.seq = v, true
				}
			}
		}
		for _, p := range parts {
			switch {
			case p.NS == NS && p.Name == partField:
				switch p.Class {
				case propKind:
					n.Kind = p.Prose
				case propSubject:
					n.Subject = p.Prose
				case propCategory:
					n.Category = p.Prose
				case propReference:
					n.References = append(n.References, p.Prose)
				}
			case p.NS == "" && p.Name == "statement" && n.Text == "":
				n.Text = p.Prose
			}
		}
	} else {
		n.Requirement, n.Kind = requirement, kind
		n.Ref = labelOf(props)
		n.Text = r.text(parts)
	}
	if n.Ref == "" || r.used[n.Ref] {
		n.Ref = id
	}
	if n.Ref == "" || r.used[n.Ref] {
		n.Ref = fallback
	}
	for i := 2; r.used[n.Ref]; i++ {
		n.Ref = fmt.Sprintf("%s#%d", fallback, i)
	}
	r.used[n.Ref] = true
	r.nodes = append(r.nodes, n)
	return n.Ref
}

func labelOf(props []oProp) string {
	for _, p := range props {
		if p.Name == propLabel && (p.NS == "" || p.NS == nistNS) && strings.TrimSpace(p.Value) != "" {
			return strings.TrimSpace(p.Value)
		}
	}
	return ""
}

// text flattens a control's parts: statements first (with their items
// indented beneath), then every other part headed by its title or name.
func (r *reader) text(parts []*oPart) string {
	var blocks []string
	for _, p := range parts {
		if p.Name == "statement" {
			if s := r.flatten(p, 0); s != "" {
				blocks = append(blocks, s)
			}
		}
	}
	for _, p := range parts {
		if p.Name == "statement" || p.NS == NS {
			continue
		}
		s := r.flatten(p, 0)
		if s == "" {
			continue
		}
		head := strings.TrimSpace(p.Title)
		if head == "" {
			head = p.Name
		}
		blocks = append(blocks, head+": "+s)
	}
	return strings.Join(blocks, "\n\n")
}

// flatten renders a part and its sub-parts as lines, items prefixed by
// their label and indented by depth.
func (r *reader) flatten(p *oPart, depth int) string {
	var lines []string
	prose := strings.TrimSpace(r.subst(p.Prose))
	if depth > 0 {
		if l := labelOf(p.Props); l != "" {
			prose = strings.TrimSpace(l + " " + prose)
		} else if t := strings.TrimSpace(p.Title); t != "" {
			prose = strings.TrimSpace(t + " " + prose)
		}
		if prose != "" {
			prose = strings.Repeat("  ", depth-1) + prose
		}
	}
	if prose != "" {
		lines = append(lines, prose)
	}
	for _, k := range p.Parts {
		if s := r.flatten(k, depth+1); s != "" {
			lines = append(lines, s)
		}
	}
	return strings.Join(lines, "\n")
}

var insertRE = regexp.MustCompile(`\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}`)

// subst replaces parameter insertions by the parameter's values, its
// selection's choices, its label in brackets, or its id in brackets.
func (r *reader) subst(s string) string {
	return r.substDepth(s, 0)
}

func (r *reader) substDepth(s string, depth int) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return insertRE.ReplaceAllStringFunc(s, func(m string) string {
		r.inserted++
		id := insertRE.FindStringSubmatch(m)[1]
		p := r.params[id]
		switch {
		case p == nil || depth > 4:
			return "[" + id + "]"
		case len(p.Values) > 0:
			return strings.Join(p.Values, ", ")
		case p.Select != nil && len(p.Select.Choice) > 0:
			cs := make([]string, len(p.Select.Choice))
			for i, c := range p.Select.Choice {
				cs[i] = r.substDepth(c, depth+1)
			}
			sep := " / "
			return "[" + strings.Join(cs, sep) + "]"
		case strings.TrimSpace(p.Label) != "":
			return "[" + strings.TrimSpace(p.Label) + "]"
		}
		return "[" + id + "]"
	})
}
