// Package ciso imports CISO Assistant libraries (YAML). Each framework in a
// library becomes one catalog: its requirement_nodes become nodes, the tree
// following parent_urn, assessable nodes marked as requirements.
package ciso

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

type translation struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Annotation  string `yaml:"annotation"`
}

type reqNode struct {
	URN          string                 `yaml:"urn"`
	ParentURN    string                 `yaml:"parent_urn"`
	RefID        string                 `yaml:"ref_id"`
	Name         string                 `yaml:"name"`
	Description  string                 `yaml:"description"`
	Annotation   string                 `yaml:"annotation"`
	Assessable   bool                   `yaml:"assessable"`
	Depth        int                    `yaml:"depth"`
	Translations map[string]translation `yaml:"translations"`
}

type framework struct {
	URN              string                 `yaml:"urn"`
	RefID            string                 `yaml:"ref_id"`
	Name             string                 `yaml:"name"`
	Description      string                 `yaml:"description"`
	Translations     map[string]translation `yaml:"translations"`
	RequirementNodes []reqNode              `yaml:"requirement_nodes"`
}

type library struct {
	URN     string `yaml:"urn"`
	Locale  string `yaml:"locale"`
	RefID   string `yaml:"ref_id"`
	Name    string `yaml:"name"`
	Objects *struct {
		Framework  *framework  `yaml:"framework"`
		Frameworks []framework `yaml:"frameworks"`
	} `yaml:"objects"`
}

// ParseAll reads a library and returns one catalog per framework, in file
// order. A file may hold several YAML documents (several libraries). Any
// error in any framework fails the whole file.
func ParseAll(data []byte) ([]*catalog.Parsed, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*catalog.Parsed
	for doc := 1; ; doc++ {
		var lib library
		err := dec.Decode(&lib)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apperr.E(apperr.Invalid, "catalog.err.ciso_assistant_library", err)
		}
		if lib.URN == "" && lib.Objects == nil {
			return nil, apperr.E(apperr.Invalid, "catalog.err.ciso_assistant_library_document_has", doc)
		}
		var fws []framework
		if lib.Objects != nil {
			if lib.Objects.Framework != nil {
				fws = append(fws, *lib.Objects.Framework)
			}
			fws = append(fws, lib.Objects.Frameworks...)
		}
		if len(fws) == 0 {
			return nil, apperr.E(apperr.Invalid, "catalog.err.library_has_framework_objects_framework", orDash(lib.URN))
		}
		for _, fw := range fws {
			p, err := parseFramework(lib.Locale, fw)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.ciso_assistant_library_file_empty")
	}
	return out, nil
}

// Parse reads a library holding exactly one framework.
func Parse(data []byte) (*catalog.Parsed, error) {
	ps, err := ParseAll(data)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.library_holds_frameworks_import_as", len(ps))
	}
	return ps[0], nil
}

func orDash(s string) string {
	if s == "" {
		return "(no urn)"
	}
	return s
}

func parseFramework(locale string, fw framework) (*catalog.Parsed, error) {
	name := strings.TrimSpace(fw.Name)
	if name == "" {
		name = strings.TrimSpace(fw.RefID)
	}
	if name == "" {
		name = fw.URN
	}
	where := "framework " + orDash(fw.URN)
	if len(fw.RequirementNodes) == 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.has_requirement_nodes", where)
	}
	byURN := make(map[string]int, len(fw.RequirementNodes))
	for i, rn := range fw.RequirementNodes {
		if strings.TrimSpace(rn.URN) == "" {
			return nil, apperr.E(apperr.Invalid, "catalog.err.requirement_node_has_urn", where, i+1)
		}
		if j, dup := byURN[rn.URN]; dup {
			return nil, apperr.E(apperr.Invalid, "catalog.err.urn_appears_twice_requirement_nodes", where, rn.URN, j+1, i+1)
		}
		byURN[rn.URN] = i
	}
	children := make(map[string][]int, len(fw.RequirementNodes))
	var roots []int
	for i, rn := range fw.RequirementNodes {
		if rn.ParentURN == "" {
			roots = append(roots, i)
			continue
		}
		if _, ok := byURN[rn.ParentURN]; !ok {
			return nil, apperr.E(apperr.Invalid, "catalog.err.requirement_node_names_parent_urn", where, rn.URN, rn.ParentURN)
		}
		children[rn.ParentURN] = append(children[rn.ParentURN], i)
	}
	// Document order: depth first from the roots, siblings in file order,
	// so parents always come before their children.
	order := make([]int, 0, len(fw.RequirementNodes))
	var walk func(i int)
	walk = func(i int) {
		order = append(order, i)
		for _, k := range children[fw.RequirementNodes[i].URN] {
			walk(k)
		}
	}
	for _, i := range roots {
		walk(i)
	}
	if len(order) != len(fw.RequirementNodes) {
		for i, rn := range fw.RequirementNodes {
			if !contains(order, i) {
				return nil, apperr.E(apperr.Invalid, "catalog.err.requirement_node_own_ancestor_parent", where, rn.URN)
			}
		}
	}
	p := &catalog.Parsed{Title: name, Format: "ciso", Style: "ciso", Encoding: "utf-8"}
	refOf := make(map[string]string, len(order))
	used := make(map[string]bool, len(order))
	langs := map[string]bool{}
	depthWarned := false
	depthOf := map[string]int{}
	for _, i := range order {
		rn := fw.RequirementNodes[i]
		ref := strings.TrimSpace(rn.RefID)
		if ref == "" || used[ref] {
			ref = rn.URN[strings.LastIndex(rn.URN, ":")+1:]
		}
		if ref == "" || used[ref] {
			ref = rn.URN
		}
		used[ref] = true
		refOf[rn.URN] = ref
		d := 1
		if rn.ParentURN != "" {
			d = depthOf[rn.ParentURN] + 1
		}
		depthOf[rn.URN] = d
		if rn.Depth != 0 && rn.ParentURN != "" && rn.Depth != fw.RequirementNodes[byURN[rn.ParentURN]].Depth+1 && !depthWarned {
			p.Warnings = append(p.Warnings, fmt.Sprintf("depth of %s does not match its parent_urn; the tree follows parent_urn", rn.URN))
			depthWarned = true
		}
		n := catalog.Node{
			Ref: ref, Parent: refOf[rn.ParentURN], Kind: catalog.KindSection,
			Title: strings.TrimSpace(rn.Name), Requirement: rn.Assessable,
		}
		if rn.Assessable {
			n.Kind = catalog.KindItem
		}
		blocks := []string{}
		if s := strings.TrimSpace(rn.Description); s != "" {
			blocks = append(blocks, s)
		}
		if s := strings.TrimSpace(rn.Annotation); s != "" {
			blocks = append(blocks, s)
		}
		// Translations follow the base text, one paragraph per language,
		// so they are shown and searchable beside the original.
		for _, lang := range sortedKeys(rn.Translations) {
			if lang == locale {
				continue
			}
			tr := rn.Translations[lang]
			var parts []string
			for _, s := range []string{tr.Name, tr.Description, tr.Annotation} {
				if s = strings.TrimSpace(s); s != "" {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				blocks = append(blocks, "["+lang+"] "+strings.Join(parts, "\n"))
				langs[lang] = true
			}
		}
		n.Text = strings.Join(blocks, "\n\n")
		if n.Title == "" && n.Text == "" {
			n.Title = ref
		}
		p.Nodes = append(p.Nodes, n)
	}
	if len(langs) > 0 {
		p.Warnings = append(p.Warnings, "translations ("+strings.Join(sortedKeys(langs), ", ")+") are kept after the original text of each node")
	}
	return p, nil
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
