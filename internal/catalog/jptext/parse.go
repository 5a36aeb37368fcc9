// Package jptext imports Japanese rulebooks given as plain text extracted from
// PDF. It detects the encoding, repairs the usual extraction damage and
// recognises the numbering style, then builds the node tree.
package jptext

import (
	"kitei/internal/catalog"
)

// style is one numbering convention a rulebook may follow.
type style struct {
	name string
	// score says how strongly the lines look like this style; the highest wins.
	score func(lines []string) int
	// parse builds the nodes. Warnings are passed to the user.
	parse func(lines []string) (nodes []catalog.Node, warnings []string)
}

// styles lists the recognised conventions; paragraphs is the fallback.
var styles = []style{
	{name: "dotted", score: scoreDotted, parse: parseDotted},
	{name: "articles", score: scoreArticles, parse: parseArticles},
	{name: "chapters", score: scoreChapters, parse: parseChapters},
	{name: "guideline", score: scoreGuideline, parse: parseGuideline},
}

// Parse decodes data and builds a catalog from it. Every style scores the
// lines and the highest score wins (ties go to the earlier style in
// styles); with no positive score, or when the winner finds no nodes, the
// text is imported as paragraphs with a warning.
func Parse(data []byte) (*catalog.Parsed, error) {
	text, enc, err := Decode(data)
	if err != nil {
		return nil, err
	}
	lines := splitLines(text)
	best, bestScore := -1, 0
	for i, s := range styles {
		if sc := s.score(lines); sc > bestScore {
			best, bestScore = i, sc
		}
	}
	p := &catalog.Parsed{Format: "jptext", Encoding: enc}
	if best < 0 {
		p.Style = "paragraphs"
		p.Nodes, p.Warnings = parseParagraphs(lines)
		return p, nil
	}
	p.Style = styles[best].name
	p.Nodes, p.Warnings = styles[best].parse(lines)
	if len(p.Nodes) == 0 {
		// The numbering looked familiar but yielded nothing: keep the text.
		p.Style = "paragraphs"
		nodes, warnings := parseParagraphs(lines)
		p.Nodes = nodes
		p.Warnings = append(p.Warnings, warnings...)
	}
	return p, nil
}
