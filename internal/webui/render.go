package webui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var layoutFiles embed.FS

// Templates is one capability's share of the pages: its page files (Glob
// in FS, each file one page named after it without .html, names unique
// across capabilities), optional partials parsed with every page, and the
// template functions they use.
type Templates struct {
	FS       fs.FS
	Pages    string // e.g. "templates/*.html"
	Partials string // e.g. "templates/partials/*.html", "" for none
	Funcs    template.FuncMap
}

// renderer holds one template set per page, each with the layout.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer(sets []Templates) (*renderer, error) {
	funcs := template.FuncMap{"short": Short}
	for _, s := range sets {
		for k, v := range s.Funcs {
			if _, dup := funcs[k]; dup {
				return nil, fmt.Errorf("template function %q defined twice", k)
			}
			funcs[k] = v
		}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(layoutFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if s.Partials == "" {
			continue
		}
		if base, err = base.ParseFS(s.FS, s.Partials); err != nil {
			return nil, err
		}
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, s := range sets {
		names, err := fs.Glob(s.FS, s.Pages)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name := strings.TrimSuffix(n[strings.LastIndex(n, "/")+1:], ".html")
			if _, dup := r.pages[name]; dup {
				return nil, fmt.Errorf("page template %q defined twice", name)
			}
			t, err := template.Must(base.Clone()).ParseFS(s.FS, n)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", n, err)
			}
			r.pages[name] = t
		}
	}
	return r, nil
}

func (r *renderer) write(w http.ResponseWriter, status int, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no such template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// Short cuts text to a one-line preview.
func Short(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}
