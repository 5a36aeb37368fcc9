package web

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strings"
	"time"

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
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	cats, err := s.Catalogs.List(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "home.title", homeData{Catalogs: len(cats), StoreName: s.StoreName})
	p.Nav = "home"
	s.render(w, r, http.StatusOK, "home", p)
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
