package policy

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"kitei/internal/catalog"
)

// DocxType is the media type of a Word document.
const DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// DocMeta describes the version being exported.
type DocMeta struct {
	Title       string
	Version     int
	EffectiveOn string
}

// headingLevel is the Word heading level of a node (0: body paragraph):
// structural nodes by their depth in the tree, up to Heading 4.
func headingLevel(n Node, depth int) int {
	switch n.Kind {
	case catalog.KindPart, catalog.KindChapter, catalog.KindSection, catalog.KindArticle, catalog.KindHeading:
		l := depth + 1
		if l > 4 {
			l = 4
		}
		return l
	}
	return 0
}

// label is the number a body paragraph is shown with: the last part of
// its ref after its parent's ("(a)" of "1.2.1.1(1)(a)"), else the ref.
func label(n Node) string {
	if n.Parent != "" && strings.HasPrefix(n.Ref, n.Parent) && len(n.Ref) > len(n.Parent) {
		return strings.TrimPrefix(n.Ref, n.Parent)
	}
	return n.Ref
}

func depths(nodes []Node) []int {
	d := map[string]int{}
	out := make([]int, len(nodes))
	for i, n := range nodes {
		if n.Parent != "" {
			out[i] = d[n.Parent] + 1
		}
		d[n.Ref] = out[i]
	}
	return out
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run is a w:r with text, keeping spaces.
func run(text string, bold bool) string {
	rpr := ""
	if bold {
		rpr = "<w:rPr><w:b/></w:rPr>"
	}
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<w:r><w:br/></w:r>")
		}
		fmt.Fprintf(&b, `<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>`, rpr, esc(line))
	}
	return b.String()
}

// WriteDocx writes the nodes as a Word document (OOXML written directly:
// the document, its styles with Heading 1–4 carrying outline levels so
// Word's navigation pane and table of contents see the structure, a
// numbering part whose hanging-indent list holds the items, and the package
// relationships). The rulebook's own numbers (refs) are kept as text:
// crosswalk links, self-inspection items and requests name them, so Word
// must not renumber them.
func WriteDocx(w io.Writer, meta DocMeta, nodes []Node) error {
	var body strings.Builder
	fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>%s</w:p>`, run(meta.Title, false))
	sub := fmt.Sprintf("第%d版", meta.Version)
	if meta.EffectiveOn != "" {
		sub += "　施行日 " + meta.EffectiveOn
	}
	fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Subtitle"/></w:pPr>%s</w:p>`, run(sub, false))
	ds := depths(nodes)
	for i, n := range nodes {
		if l := headingLevel(n, ds[i]); l > 0 {
			text := n.Ref
			if n.Title != "" {
				text += "　" + n.Title
			}
			fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Heading%d"/></w:pPr>%s</w:p>`, l, run(text, false))
			if n.Text != "" {
				fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="BodyText"/></w:pPr>%s</w:p>`, run(n.Text, false))
			}
			continue
		}
		lvl := ds[i] - 1
		if lvl < 0 {
			lvl = 0
		}
		if lvl > 3 {
			lvl = 3
		}
		text := n.Text
		if n.Title != "" {
			text = n.Title + "　" + text
		}
		fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="ListItem"/><w:numPr><w:ilvl w:val="%d"/><w:numId w:val="1"/></w:numPr><w:ind w:left="%d" w:hanging="567"/></w:pPr>%s%s</w:p>`,
			lvl, 567*(lvl+1), run(label(n)+"　", true), run(text, false))
	}
	body.WriteString(`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1701" w:right="1417" w:bottom="1417" w:left="1417" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`)

	zw := zip.NewWriter(w)
	put := func(name, content string) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, content)
		return err
	}
	const hdr = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	parts := []struct{ name, content string }{
		{"[Content_Types].xml", hdr + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
			`<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`</Types>`},
		{"_rels/.rels", hdr + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`</Relationships>`},
		{"docProps/core.xml", hdr + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
			`<dc:title>` + esc(meta.Title) + `</dc:title><dc:creator>kitei</dc:creator></cp:coreProperties>`},
		{"word/_rels/document.xml.rels", hdr + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>` +
			`</Relationships>`},
		{"word/styles.xml", hdr + docxStyles},
		{"word/numbering.xml", hdr + docxNumbering},
		{"word/document.xml", hdr + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `</w:body></w:document>`},
	}
	for _, p := range parts {
		if err := put(p.name, p.content); err != nil {
			return err
		}
	}
	return zw.Close()
}

const docxFonts = `<w:rFonts w:ascii="IPAexMincho" w:eastAsia="IPAexMincho" w:hAnsi="IPAexMincho" w:cs="IPAexMincho"/>`

func headingStyle(n int, size int) string {
	return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="Heading%[1]d"><w:name w:val="heading %[1]d"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>`+
		`<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="%[2]d"/></w:pPr>`+
		`<w:rPr><w:rFonts w:ascii="IPAexGothic" w:eastAsia="IPAexGothic" w:hAnsi="IPAexGothic"/><w:b/><w:sz w:val="%[3]d"/></w:rPr></w:style>`, n, n-1, size)
}

var docxStyles = `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr>` + docxFonts + `<w:sz w:val="21"/><w:lang w:val="ja-JP" w:eastAsia="ja-JP"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="60"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="right"/></w:pPr></w:style>` +
	headingStyle(1, 32) + headingStyle(2, 28) + headingStyle(3, 24) + headingStyle(4, 22) +
	`<w:style w:type="paragraph" w:styleId="BodyText"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:qFormat/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="ListItem"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:qFormat/></w:style>` +
	`</w:styles>`

// docxNumbering is a list without generated numbers (the items carry
// their own), giving each level its hanging indent.
var docxNumbering = func() string {
	var b strings.Builder
	b.WriteString(`<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>`)
	for l := 0; l < 9; l++ {
		fmt.Fprintf(&b, `<w:lvl w:ilvl="%d"><w:start w:val="1"/><w:numFmt w:val="none"/><w:lvlText w:val=""/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="%d" w:hanging="567"/></w:pPr></w:lvl>`, l, 567*(l+1))
	}
	b.WriteString(`</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`)
	return b.String()
}()
