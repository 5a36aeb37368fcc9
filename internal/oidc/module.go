package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"kitei/internal/apperr"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/notify"
	"kitei/internal/webui"
)

//go:embed templates/*.html
var templateFS embed.FS

// SessionCookie must match internal/web's session cookie.
const SessionCookie = "kitei_session"

const flowCookie = "kitei_oidc"

// Set is the configured providers and the services they sign in to.
type Set struct {
	Config    *Config
	Providers []*Provider
	Auth      *auth.Service
	Kit       *webui.Kit
	Logger    *slog.Logger
	// SecureCookies marks cookies Secure on plain HTTP too (behind a TLS proxy).
	SecureCookies bool
	err           error
}

// FromEnv loads KITEI_OIDC_CONFIG; a Set without providers when unset. A
// broken file is reported by the module's Serve hook, so serve refuses to
// start with it.
func FromEnv(getenv func(string) string, svc *auth.Service, kit *webui.Kit, logger *slog.Logger) *Set {
	s := &Set{Auth: svc, Kit: kit, Logger: logger}
	path := getenv("KITEI_OIDC_CONFIG")
	if path == "" {
		return s
	}
	s.Config, s.err = Load(path, getenv)
	if s.err == nil {
		s.Use(s.Config)
	}
	return s
}

// Use sets the providers of c.
func (s *Set) Use(c *Config) {
	s.Config, s.Providers = c, nil
	for _, pc := range c.Providers {
		s.Providers = append(s.Providers, NewProvider(pc, c.BaseURL))
	}
}

// Provider returns the provider named name.
func (s *Set) Provider(name string) *Provider {
	for _, p := range s.Providers {
		if p.Config.Name == name {
			return p
		}
	}
	return nil
}

// Buttons are the sign-in page's links to the providers.
func (s *Set) Buttons() []struct{ Href, Label string } {
	var out []struct{ Href, Label string }
	for _, p := range s.Providers {
		out = append(out, struct{ Href, Label string }{"/login/oidc/" + p.Config.Name, p.Config.Label})
	}
	return out
}

// Module is the OpenID sign-in capability: its routes exist only when
// providers are configured.
func (s *Set) Module() capability.Module {
	m := capability.Module{Name: "oidc",
		Templates: &webui.Templates{FS: templateFS, Pages: "templates/*.html"},
		Serve: func(ctx context.Context, _ notify.Mailer) error {
			if s.err != nil {
				return s.err
			}
			if s.Config != nil {
				on, bg := s.Config.Local()
				s.Auth.LocalOff, s.Auth.BreakGlass = !on, bg
			}
			return nil
		}}
	if len(s.Providers) == 0 {
		return m
	}
	// Public: the visitor is not signed in yet; /login/mfa checks the
	// session itself (it is the one page a half-signed-in session may see).
	m.Pages = []httpx.Route{
		{Method: "GET", Path: "/login/oidc/{provider}", Perm: authz.Public, Handler: s.start},
		{Method: "GET", Path: "/login/oidc/{provider}/callback", Perm: authz.Public, Handler: s.callback},
		{Method: "GET", Path: "/login/mfa", Perm: authz.Public, Handler: s.mfaPage},
		{Method: "POST", Path: "/login/mfa", Perm: authz.Public, Handler: s.mfaSubmit},
	}
	return m
}

type flow struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Set) secure(r *http.Request) bool { return r.TLS != nil || s.SecureCookies }

func (s *Set) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	p := s.Kit.Page(r, "oidc.error.title", nil)
	p.Nav = "login"
	p.Error = p.T(key)
	s.Kit.Render(w, r, status, "oidc_error", p)
}

// start sends the browser to the provider with state, nonce and a PKCE
// challenge; their secrets wait in a short-lived cookie for the callback.
func (s *Set) start(w http.ResponseWriter, r *http.Request) {
	p := s.Provider(r.PathValue("provider"))
	if p == nil {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	f := flow{Provider: p.Config.Name, State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next"))}
	target, err := p.AuthURL(r.Context(), f.State, f.Nonce, f.Verifier)
	if err != nil {
		s.Logger.Error("oidc", "provider", p.Config.Name, "err", err)
		s.fail(w, r, http.StatusBadGateway, "oidc.err.unavailable")
		return
	}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/login/oidc/",
		MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Set) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.Provider(r.PathValue("provider"))
	if p == nil {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	var f flow
	c, err := r.Cookie(flowCookie)
	if err == nil {
		b, derr := base64.RawURLEncoding.DecodeString(c.Value)
		if derr != nil || json.Unmarshal(b, &f) != nil {
			f = flow{}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/login/oidc/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	q := r.URL.Query()
	if f.State == "" || f.Provider != p.Config.Name ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		s.fail(w, r, http.StatusBadRequest, "oidc.err.state")
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		s.fail(w, r, http.StatusUnauthorized, "oidc.err.denied")
		return
	}
	raw, err := p.Exchange(ctx, q.Get("code"), f.Verifier)
	if err != nil {
		s.Logger.Warn("oidc", "provider", p.Config.Name, "err", err)
		s.fail(w, r, http.StatusUnauthorized, "oidc.err.token")
		return
	}
	res, err := s.SignIn(ctx, p, raw, f.Nonce, auth.Meta{IP: clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		key := "login.failed"
		switch {
		case errorsIs(err, ErrUnknownPerson):
			key = "oidc.err.unknown"
		case errorsIs(err, ErrRefused):
			key = "oidc.err.token"
		case !apperr.Is(err, apperr.Unauthorized):
			s.Logger.Error("oidc", "provider", p.Config.Name, "err", err)
			s.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		s.Logger.Warn("oidc sign-in refused", "provider", p.Config.Name, "err", err)
		s.fail(w, r, http.StatusUnauthorized, key)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: res.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	target := f.Next
	switch id := res.Identity; {
	case id.NeedsMFA:
		target = "/login/mfa"
	case id.NeedsTOTP:
		target = "/account/totp"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// SignIn verifies the ID token raw from p and starts the person's session.
func (s *Set) SignIn(ctx context.Context, p *Provider, raw, nonce string, m auth.Meta) (*auth.LoginResult, error) {
	claims, err := p.Verify(ctx, raw, nonce)
	if err != nil {
		return nil, err
	}
	ext, err := p.Identify(ctx, s.Auth, claims)
	if err != nil {
		return nil, err
	}
	return s.Auth.LoginExternal(ctx, ext, m)
}

func (s *Set) identity(r *http.Request) *auth.Identity {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	id, err := s.Auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return id
}

func (s *Set) mfaPage(w http.ResponseWriter, r *http.Request) { s.renderMFA(w, r, http.StatusOK, "") }

func (s *Set) renderMFA(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id := s.identity(r)
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if !id.NeedsMFA {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := s.Kit.Page(r, "oidc.mfa.title", nil)
	p.Nav = "login"
	p.Error = msg
	s.Kit.Render(w, r, status, "oidc_mfa", p)
}

func (s *Set) mfaSubmit(w http.ResponseWriter, r *http.Request) {
	id := s.identity(r)
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.Auth.CompleteMFA(r.Context(), id, r.PostFormValue("code"), auth.Meta{IP: clientIP(r), UserAgent: r.UserAgent()})
	if apperr.Is(err, apperr.Invalid) {
		s.renderMFA(w, r, http.StatusUnauthorized, s.Kit.Page(r, "oidc.mfa.title", nil).T("totp.err.code"))
		return
	}
	if err != nil {
		s.Kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps next only when it is a path on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
