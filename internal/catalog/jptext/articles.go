package jptext

import "kitei/internal/catalog"

// STUB
func scoreArticles(lines []string) int { return 0 }

// STUB
func parseArticles(lines []string) ([]catalog.Node, []string) { return nil, nil }
