package jptext

import "kitei/internal/catalog"

// STUB
func scoreGuideline(lines []string) int { return 0 }

// STUB
func parseGuideline(lines []string) ([]catalog.Node, []string) { return nil, nil }
