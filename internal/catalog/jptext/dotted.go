package jptext

import "kitei/internal/catalog"

// STUB
func scoreDotted(lines []string) int { return 0 }

// STUB
func parseDotted(lines []string) ([]catalog.Node, []string) { return nil, nil }
