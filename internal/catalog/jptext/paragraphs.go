package jptext

import (
	"strconv"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// The paragraphs style is the fallback for text with no numbering that any
// other style recognises. Each paragraph becomes one node of kind
// "paragraph" with ref "¶1", "¶2", … in document order, no parent, and no
// requirement flag; a warning tells the user that no structure was found.
//
// Paragraph breaks: in a hard-wrapped source (most lines near one width)
// blank lines are ignored and a paragraph ends at a line that stops short
// of the width after 「。」 or well short of it; otherwise blank lines
// separate paragraphs and the lines between them are joined with
// joinWrapped. Page-number lines are dropped.

// paragraphRefPrefix starts every paragraph ref.
const paragraphRefPrefix = "¶"

// parseParagraphs splits lines into paragraph nodes.
func parseParagraphs(lines []string) ([]catalog.Node, []string) {
	cls := make([]dottedLine, 0, len(lines))
	for _, raw := range lines {
		c := cleanLine(raw)
		if c == "" {
			cls = append(cls, dottedLine{kind: dlBlank})
			continue
		}
		k := dlText
		if isPageLine(normDigits(c)) {
			k = dlPage
		}
		cls = append(cls, dottedLine{kind: k, src: c, runes: utf8.RuneCountInString(c)})
	}
	wrap := wrapWidth(cls)

	var nodes []catalog.Node
	var group []string
	emit := func() {
		if len(group) == 0 {
			return
		}
		text := joinWrapped(group)
		group = group[:0]
		if text == "" {
			return
		}
		ref := paragraphRefPrefix + strconv.Itoa(len(nodes)+1)
		nodes = append(nodes, catalog.Node{Ref: ref, Kind: catalog.KindParagraph, Text: text})
	}
	for i := range cls {
		l := &cls[i]
		switch l.kind {
		case dlPage:
			continue
		case dlBlank:
			if wrap == 0 {
				emit()
			}
			continue
		}
		group = append(group, l.src)
		if wrap > 0 {
			last, _ := utf8.DecodeLastRuneInString(l.src)
			if (last == '。' && l.runes < wrap-3) || l.runes < wrap*3/4 {
				emit()
			}
		}
	}
	emit()
	warn := "no numbering structure recognised; imported as " + strconv.Itoa(len(nodes)) + " paragraphs"
	return nodes, []string{warn}
}
