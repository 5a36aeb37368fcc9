package jptext

import "kitei/internal/catalog"

// STUB
func scoreChapters(lines []string) int { return 0 }

// STUB
func parseChapters(lines []string) ([]catalog.Node, []string) { return nil, nil }
