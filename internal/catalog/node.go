// Package catalog holds rulebooks as structured catalogs: a catalog has
// editions, an edition has an ordered tree of nodes. Importers turn source
// documents into a Parsed document; the Service stores and searches them.
package catalog

// Node kinds. A node's kind says what the source document calls it.
const (
	KindPart      = "part"      // 編, 部
	KindChapter   = "chapter"   // 章, chapter of a sample rulebook
	KindSection   = "section"   // 節, 款, dotted section x.y.z
	KindArticle   = "article"   // 第N条
	KindParagraph = "paragraph" // 項, or unstructured paragraph
	KindClause    = "clause"    // 号 (1)
	KindHeading   = "heading"   // (1) heading inside a dotted section
	KindItem      = "item"      // (a) 遵守事項, ア item
	KindSubitem   = "subitem"   // (ア) under an (a) item
	KindGroup     = "group"     // ○ group of example measures
	KindExample   = "example"   // ・ example measure
	KindQuote     = "quote"     // quoted guideline text
	KindTerm      = "term"      // 用語定義 entry: Title is the term, Text its definition
)

// Node is one numbered piece of a rulebook.
//
// Ref is the document's own identifier ("1.2.1.3(2)(b)", "第24条第2項第1号"),
// unique within one edition. Parent is the Ref of the enclosing node, empty at
// the top. Text is verbatim source text with PDF damage repaired (wrapped
// lines joined, page-break spaces removed) and without the numbering prefix.
type Node struct {
	Ref         string   `json:"ref"`
	Parent      string   `json:"parent"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Text        string   `json:"text"`
	Requirement bool     `json:"requirement"`
	Subject     string   `json:"subject"`
	Category    string   `json:"category,omitempty"`   // 要検討事項, 参考事項
	References  []string `json:"references,omitempty"` // cross-references such as 規程第3条第1項
}

// Parsed is what an importer produces from one source file.
type Parsed struct {
	Title    string   // document title when the source names one
	Format   string   // jptext, oscal, ciso, xlsx, json
	Style    string   // structure recognised: dotted, articles, chapters, guideline, paragraphs
	Encoding string   // source encoding detected: utf-8, shift_jis, euc-jp, utf-16le, utf-16be
	Nodes    []Node   // in document order; parents come before their children
	Warnings []string // things the user should know (e.g. no structure recognised)
}

// Requirements counts the nodes flagged as requirements.
func (p *Parsed) Requirements() int {
	n := 0
	for i := range p.Nodes {
		if p.Nodes[i].Requirement {
			n++
		}
	}
	return n
}
