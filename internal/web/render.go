package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
)

//go:embed templates/*.html templates/partials/*.html
var templateFiles embed.FS

// renderer holds one template set per page, each with the layout.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer() (*renderer, error) {
	funcs := template.FuncMap{
		"branch": func(p *page, n *treeNode) branchArgs { return branchArgs{Page: p, Node: n} },
		"short":  short,
		"nodeURLFor": func(catalogID int64, ref string) string {
			return "/catalogs/" + strconv.FormatInt(catalogID, 10) + "/nodes/" + url.PathEscape(ref)
		},
	}
	for k, v := range orgFuncs {
		funcs[k] = v
	}
	for k, v := range regFuncs {
		funcs[k] = v
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		r.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return r, nil
}

// page is what every template receives.
type page struct {
	Lang    i18n.Lang
	Title   string
	Path    string // current path with query, for the language switch
	Nav     string // active navigation entry
	Version string
	Flash   string
	Error   string
	Data    any
	// Base is the catalog URL node links hang off ("/catalogs/3"), and
	// EditionQuery pins an older edition ("?edition=2"), empty for the latest.
	Base         string
	EditionQuery string
	// Me is the signed-in user (nil on the sign-in page); Notice the
	// last-sign-in notice shown once after signing in.
	Me         *authz.Principal
	Notice     string
	NoticeWarn bool
}

// NodeURL links to a node of the catalog the page shows.
func (p *page) NodeURL(ref string) string {
	return p.Base + "/nodes/" + url.PathEscape(ref) + p.EditionQuery
}

// branchArgs carries the page into the recursive tree template.
type branchArgs struct {
	Page *page
	Node *treeNode
}

// short cuts text to a one-line preview.
func short(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// OtherLang is the language the switch link offers.
func (p *page) OtherLang() i18n.Lang {
	if p.Lang == i18n.Ja {
		return i18n.En
	}
	return i18n.Ja
}

func (s *Server) newPage(r *http.Request, titleKey string, data any) *page {
	p := &page{Lang: i18n.FromRequest(r), Path: r.URL.RequestURI(), Version: s.Version, Data: data}
	p.Title = p.T(titleKey)
	s.decoratePage(r, p)
	return p
}

// render writes a page; the output is buffered so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := s.pages.pages[name]
	if !ok {
		s.Logger.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.Logger.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders the error page with a message key.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	p := s.newPage(r, "error.title", nil)
	p.Error = p.T(key)
	s.render(w, r, status, "error", p)
}

// failErr maps an application error to a status and shows its message.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		s.Logger.Error("request failed", "path", r.URL.Path, "err", err)
		s.fail(w, r, status, "error.internal")
		return
	}
	p := s.newPage(r, "error.title", nil)
	p.Error = apperr.Public(err, p.Lang)
	s.render(w, r, status, "error", p)
}

func statusOf(err error) int { return apperr.HTTPStatus(err) }
