package jptext

import (
	"strings"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// Decode detects the encoding of data and returns it as UTF-8 text.
// STUB: only UTF-8 for now.
func Decode(data []byte) (string, string, error) {
	if len(data) == 0 {
		return "", "", catalog.ErrEmpty
	}
	if !utf8.Valid(data) {
		return "", "", catalog.ErrEncoding
	}
	return strings.TrimPrefix(string(data), "\ufeff"), "utf-8", nil
}

// splitLines splits text into lines without their line endings.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.Split(text, "\n")
}
