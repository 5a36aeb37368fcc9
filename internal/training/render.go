package training

import (
	"bytes"
	"html/template"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// What people write in the course editor is markdown. It is rendered with
// goldmark (raw HTML in the source is not rendered) and the result is
// sanitised with bluemonday to headings, paragraphs, lists, emphasis,
// code, quotes, tables and images uploaded into the course: no links out,
// no scripts, no styles, no other sources.
var (
	md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

	imageSrc = regexp.MustCompile(`^/training/images/[0-9]+$`)

	policy = func() *bluemonday.Policy {
		p := bluemonday.NewPolicy()
		p.AllowElements("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "del",
			"code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td")
		p.AllowAttrs("src").Matching(imageSrc).OnElements("img")
		p.AllowAttrs("alt", "title").OnElements("img")
		p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]+$`)).OnElements("ol")
		p.AllowRelativeURLs(true)
		p.AllowURLSchemes()
		return p
	}()
)

// rendered caches the HTML of recent texts: a course is read by thousands
// of people and its text changes rarely.
var rendered sync.Map // string → template.HTML

// RenderMarkdown turns what an author wrote into safe HTML.
func RenderMarkdown(src string) template.HTML {
	if h, ok := rendered.Load(src); ok {
		return h.(template.HTML)
	}
	h := renderMarkdown(src)
	if len(src) < 64<<10 {
		if n := renderedCount.Add(1); n > 512 {
			rendered.Clear()
			renderedCount.Store(0)
		}
		rendered.Store(src, h)
	}
	return h
}

var renderedCount atomic.Int64

func renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	// The sanitised output is safe by construction of the policy above.
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) // #nosec G203
}

// MaxImageSize is the largest picture accepted into a course.
const MaxImageSize = 2 << 20

// imageTypes are the pictures a course may hold (never SVG or anything a
// browser could run).
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SniffImage is the content type of data when it is an accepted picture.
func SniffImage(data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	return ct, imageTypes[ct]
}
