package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/chart"
	"kitei/internal/i18n"
)

//go:embed static
var staticFiles embed.FS

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.FileServerFS(staticFiles).ServeHTTP(w, r)
}

// health answers 200 when the store answers within two seconds, else 503.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Store.Ping(ctx); err != nil {
		s.Logger.Warn("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

type homeData struct {
	Catalogs  int
	StoreName string
	Todos     []todoView
	Figures   []figureView
	OrgWide   bool
}

type todoView struct {
	Text, Href, Due string
}

type figureView struct {
	Label, Value, Href string
	Warn               bool
	Chart              template.HTML
}

// home is the person's dashboard: their own to-dos and the figures of the
// units they follow (the whole organisation for the office and the CISO),
// gathered from every capability, then the capabilities they may use.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cats, err := s.Catalogs.List(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	me := authz.From(ctx)
	d := homeData{Catalogs: len(cats), StoreName: s.StoreName, OrgWide: me.Scope(authz.OrgRead).All}
	lang := i18n.FromRequest(r)
	p := s.newPage(r, "home.title", &d)
	overviews, err := s.overviews(ctx, me)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	for _, o := range overviews {
		for _, t := range o.todos {
			d.Todos = append(d.Todos, todoView{Text: i18n.T(lang, t.Key, t.Args...), Href: t.Href, Due: p.Date(t.Due)})
		}
		for _, f := range o.figures {
			label := i18n.T(lang, f.Key, f.Args...)
			unit := capability.UnitText(lang, f.Unit)
			fv := figureView{Label: label, Value: capability.FormatValue(f.Value, unit), Href: f.Href, Warn: f.Warn}
			if len(f.Bars) > 0 {
				bars := make([]chart.Bar, len(f.Bars))
				for i, b := range f.Bars {
					bars[i] = chart.Bar{Label: barLabel(lang, b.Label), Value: b.Value, Warn: f.Unit == "%" && b.Value < 50}
				}
				max := 0.0
				if f.Unit == "%" {
					max = 100
				}
				fv.Chart = chart.Bars(label, bars, max, unit)
			}
			d.Figures = append(d.Figures, fv)
		}
	}
	p.Nav = "home"
	s.render(w, r, http.StatusOK, "home", p)
}

// overview is one capability's share of the home page.
type overview struct {
	todos   []capability.Todo
	figures []capability.Figure
}

// overviewWorkers is how many capabilities gather their share of the home
// page at once: each reads the store on its own connection, so the page
// takes about as long as its slowest share instead of the sum of them.
const overviewWorkers = 4

// overviews asks every capability for the reader's to-dos and figures,
// several at a time, and returns them in the capabilities' order.
func (s *Server) overviews(ctx context.Context, me *authz.Principal) ([]overview, error) {
	out := make([]overview, len(s.Modules))
	errs := make([]error, len(s.Modules))
	sem := make(chan struct{}, overviewWorkers)
	var wg sync.WaitGroup
	for i, m := range s.Modules {
		if m.Overview.Todos == nil && m.Overview.Figures == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if f := m.Overview.Todos; f != nil {
				if out[i].todos, errs[i] = f(ctx, me); errs[i] != nil {
					return
				}
			}
			if f := m.Overview.Figures; f != nil {
				out[i].figures, errs[i] = f(ctx, me)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// setLang remembers the chosen language and returns to the page the user
// came from (only paths on this site are followed).
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Parse(r.PathValue("lang"))
	http.SetCookie(w, &http.Cookie{
		Name: i18n.CookieName, Value: string(lang), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	next := r.URL.Query().Get("next")
	if u, err := url.Parse(next); err != nil || next == "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || u.Host != "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// barLabel translates a bar's label when it is a message key (levels,
// severities); unit names and other data are shown as they are.
func barLabel(lang i18n.Lang, label string) string {
	if strings.Contains(label, ".") && !strings.ContainsAny(label, " 　/:") && i18n.Has(lang, label) {
		return i18n.T(lang, label)
	}
	return label
}
