package webui

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/wareki"
)

// Kit renders pages for every capability. The composition root makes one
// and hands it to each capability's pages; the web server sets it up with
// every capability's templates and navigation before the first request.
type Kit struct {
	Logger  *slog.Logger
	Version string
	// Decorate adds the signed-in person and the sign-in notice to a page
	// (set by the web server, which owns sessions).
	Decorate func(r *http.Request, p *Page)
	// Style reads the signed-in person's date style (nil: 西暦 for all).
	Style func(r *http.Request, p *Page) wareki.Style

	pages *renderer
	nav   []NavEntry
}

// NewKit returns a kit that renders nothing until Init.
func NewKit(logger *slog.Logger, version string) *Kit {
	if logger == nil {
		logger = slog.Default()
	}
	return &Kit{Logger: logger, Version: version}
}

// Init parses every capability's templates with the layout and fixes the
// navigation. It fails on a template error or a name defined twice.
func (k *Kit) Init(sets []Templates, nav []NavEntry) error {
	r, err := newRenderer(append([]Templates{{FS: layoutFiles, Pages: "templates/error.html"}}, sets...))
	if err != nil {
		return err
	}
	k.pages, k.nav = r, sortNav(nav)
	return nil
}

// Page starts the page for r with the title's message key and data.
func (k *Kit) Page(r *http.Request, titleKey string, data any) *Page {
	p := &Page{Lang: i18n.FromRequest(r), Path: r.URL.RequestURI(), Version: k.Version, Data: data, nav: k.nav}
	p.Title = p.T(titleKey)
	if k.Decorate != nil {
		k.Decorate(r, p)
	}
	if p.Me == nil {
		p.Me = authz.From(r.Context()) // a principal put on the request without a session (benchmarks, tests)
	}
	if k.Style != nil && p.Me != nil {
		p.DateStyle = k.Style(r, p)
	}
	return p
}

// Render writes page name; the output is buffered so a template error
// becomes a clean 500 instead of half a page.
func (k *Kit) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	if k.pages == nil {
		k.Logger.Error("webui: render before Init", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := k.pages.write(w, status, name, p); err != nil {
		k.Logger.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// FailKey renders the error page with status and a message key.
func (k *Kit) FailKey(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	p := k.Page(r, "error.title", nil)
	p.Error = p.T(key, args...)
	k.Render(w, r, status, "error", p)
}

// Fail renders err on the error page with the status of its code, in the
// reader's language; internal errors are logged and shown as such.
func (k *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.HTTPStatus(err)
	if status == http.StatusInternalServerError {
		k.Logger.Error("request failed", "path", r.URL.Path, "err", err)
		k.FailKey(w, r, status, "error.internal")
		return
	}
	p := k.Page(r, "error.title", nil)
	p.Error = apperr.Public(err, p.Lang)
	k.Render(w, r, status, "error", p)
}

// Message is err in the request's language for a form's error line
// (internal errors say only that something went wrong).
func Message(r *http.Request, err error) string {
	lang := i18n.FromRequest(r)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		return ae.Text(lang)
	}
	return i18n.T(lang, "error.internal")
}

// SeeOther redirects after a successful post to target, with done=flash
// in the query when flash is not empty (the target page shows it).
func SeeOther(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		path, frag, hasFrag := strings.Cut(target, "#")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		target = path + sep + "done=" + url.QueryEscape(flash)
		if hasFrag {
			target += "#" + frag // the query goes before the fragment
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// Done is the flash message for the done= parameter a post redirected
// with: the message key prefix + value, "" when there is none.
func (p *Page) Done(r *http.Request, prefix string) string {
	if f := r.URL.Query().Get("done"); f != "" && !strings.ContainsAny(f, " /") {
		return p.T(prefix + f)
	}
	return ""
}
