package tracker

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"kitei/internal/apperr"
)

// MaxEvidence is the default size limit of an evidence file.
const MaxEvidence = 10 << 20

// Upload is a file as someone sent it: its name, the type they declared
// and its bytes.
type Upload struct {
	Name     string
	Declared string // media type declared by the client ("" or application/octet-stream: from the name)
	Data     []byte
}

// family groups the media types whose content looks the same to a sniffer.
var family = map[string]string{
	"application/pdf":  "pdf",
	"image/png":        "png",
	"image/jpeg":       "jpeg",
	"image/gif":        "gif",
	"image/webp":       "webp",
	"text/plain":       "text",
	"text/csv":         "text",
	"application/json": "text",
	"application/zip":  "zip",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "zip",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "zip",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "zip",
}

var extType = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".json": "application/json",
	".zip":  "application/zip",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// CheckUpload accepts an evidence file or refuses it (Invalid, TooLarge)
// before anything is stored: empty or over limit bytes; HTML, SVG or XML
// by name, declaration or content; a type kitei does not keep; or content
// whose sniffed type is not the declared one. It returns the file's
// record with the media type to serve it as and its SHA-256.
func CheckUpload(u Upload, limit int64) (File, error) {
	if limit <= 0 {
		limit = MaxEvidence
	}
	name := strings.TrimSpace(filepath.Base(strings.ReplaceAll(u.Name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) || len(name) > 255 {
		return File{}, invalid("tracker.err.file_name")
	}
	size := int64(len(u.Data))
	if size == 0 {
		return File{}, invalid("tracker.err.file_empty")
	}
	if size > limit {
		return File{}, apperr.E(apperr.TooLarge, "tracker.err.file_large", limit>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	declared, _, _ := mime.ParseMediaType(strings.TrimSpace(u.Declared))
	declared = strings.ToLower(declared)
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(u.Data))
	if isMarkup(ext, declared, sniffed, u.Data) {
		return File{}, invalid("tracker.err.file_html")
	}
	if declared == "" || declared == "application/octet-stream" {
		declared = extType[ext]
	}
	want, ok := family[declared]
	if !ok {
		return File{}, invalid("tracker.err.file_type", declared)
	}
	if byExt, ok := extType[ext]; !ok || family[byExt] != want {
		return File{}, invalid("tracker.err.file_mismatch", name, declared)
	}
	got := family[sniffed]
	if sniffed == "text/plain" {
		got = "text"
	}
	if got != want || (want == "text" && !utf8.Valid(u.Data) && !looksShiftJIS(u.Data)) {
		return File{}, invalid("tracker.err.file_mismatch", name, declared)
	}
	sum := sha256.Sum256(u.Data)
	return File{Name: name, MediaType: declared, Size: size, SHA256: hex.EncodeToString(sum[:])}, nil
}

// isMarkup reports HTML, XHTML, SVG or XML by name, declaration or
// content: a browser could render it as a page.
func isMarkup(ext, declared, sniffed string, data []byte) bool {
	switch ext {
	case ".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".xht", ".mht", ".mhtml":
		return true
	}
	if strings.Contains(declared, "html") || strings.Contains(declared, "xml") || strings.Contains(declared, "svg") {
		return true
	}
	if strings.Contains(sniffed, "html") || strings.Contains(sniffed, "xml") {
		return true
	}
	head := bytes.ToLower(data[:min(len(data), 1024)])
	for _, tag := range [][]byte{[]byte("<html"), []byte("<!doctype"), []byte("<script"), []byte("<svg"), []byte("<body"), []byte("<iframe")} {
		if bytes.Contains(head, tag) {
			return true
		}
	}
	return false
}

// looksShiftJIS accepts text that is not UTF-8 but has no control bytes
// other than tab and line ends (Shift_JIS CSV from older tools).
func looksShiftJIS(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// ServeFile writes an evidence file as an attachment that browsers never
// render or sniff.
func ServeFile(w http.ResponseWriter, f File, data []byte) {
	h := w.Header()
	h.Set("Content-Type", f.MediaType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
