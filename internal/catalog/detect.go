package catalog

import (
	"bytes"
	"path/filepath"
	"strings"
)

// DetectFormat guesses a source's format from its name and first bytes.
// Anything not recognised as structured data is treated as Japanese text.
func DetectFormat(name string, data []byte) string {
	head := bytes.TrimLeft(data[:min(len(data), 4096)], " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "xlsx"
	case bytes.HasPrefix(head, []byte("{")):
		if f := detectJSON(head); f != "" {
			return f
		}
		if bytes.Contains(head, []byte(`"catalog"`)) || strings.HasSuffix(strings.ToLower(name), ".json") && !bytes.Contains(head, []byte(`"nodes"`)) {
			return "oscal"
		}
		return "json"
	case looksLikeCISO(head):
		return "ciso"
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return "ciso"
	case ".xlsx":
		return "xlsx"
	case ".json":
		return "oscal"
	}
	return "jptext"
}
