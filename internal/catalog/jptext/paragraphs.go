package jptext

import "kitei/internal/catalog"

// STUB
func parseParagraphs(lines []string) ([]catalog.Node, []string) {
	return nil, []string{"no numbering structure recognised; imported as paragraphs"}
}
