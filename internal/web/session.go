package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
)

// SessionCookie is the name of the session cookie. It holds a random 256-bit
// token; the server keeps only its SHA-256.
const SessionCookie = "kitei_session"

type identityKey struct{}

// identityFrom returns the signed-in identity of the request, nil if none.
func identityFrom(ctx context.Context) *auth.Identity {
	id, _ := ctx.Value(identityKey{}).(*auth.Identity)
	return id
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// clientIP is the peer address of the request (no proxy headers are trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withSession resolves the session cookie (or, under /api/, a bearer token),
// puts the principal and the audit actor on the context, and sends users who
// must change their password or enrol TOTP to those pages before anything
// else.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Auth == nil || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		id, err := s.resolve(w, r)
		if err != nil {
			s.Logger.Error("session", "err", err)
			if isAPI(r) {
				httpx.WriteError(w, r, err, nil)
			} else {
				s.fail(w, r, http.StatusInternalServerError, "error.internal")
			}
			return
		}
		if id == nil {
			next.ServeHTTP(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), identityKey{}, id)
		ctx = authz.WithPrincipal(ctx, id.Principal)
		ctx = audit.WithActor(ctx, audit.Actor{ID: id.User.PersonID, Login: id.User.Login, IP: clientIP(r)})
		r = r.WithContext(ctx)
		if target := setupStep(id); target != "" && !allowedDuringSetup(r.URL.Path, target) {
			if isAPI(r) {
				httpx.WriteError(w, r, apperr.E(apperr.Forbidden, "error.signin_unfinished"), nil)
				return
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// resolve finds the identity of r: a bearer token under /api/, else the
// session cookie. A stale cookie is cleared.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request) (*auth.Identity, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" && isAPI(r) {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, nil
		}
		id, err := s.Auth.AuthenticateToken(ctx, strings.TrimSpace(token))
		if apperr.Is(err, apperr.Unauthorized) {
			return nil, nil
		}
		return id, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	id, err := s.Auth.Authenticate(ctx, c.Value)
	if apperr.Is(err, apperr.Unauthorized) {
		s.clearSessionCookie(w, r)
		return nil, nil
	}
	return id, err
}

// setupStep names the page a half-signed-in user must finish first.
func setupStep(id *auth.Identity) string {
	switch {
	case id.TokenID != 0:
		return ""
	case id.NeedsMFA:
		return "/login/mfa"
	case id.NeedsPassword:
		return "/account/password"
	case id.NeedsTOTP:
		return "/account/totp"
	}
	return ""
}

func allowedDuringSetup(path, target string) bool {
	return path == target || path == "/logout" || strings.HasPrefix(path, "/lang/")
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.SecureCookies})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.SecureCookies})
}

// requirePermission is the guard of every route: Public routes pass; without
// a principal pages redirect to the sign-in page and the API answers 401;
// a principal lacking the permission gets 403, recorded as authz.deny.
func (s *Server) requirePermission(perm authz.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if perm == authz.Public {
			h(w, r)
			return
		}
		p := authz.From(r.Context())
		if p == nil {
			if isAPI(r) {
				httpx.WriteError(w, r, apperr.E(apperr.Unauthorized, "error.unauthorized"), nil)
				return
			}
			q := url.Values{}
			if r.Method == http.MethodGet && r.URL.RequestURI() != "/" {
				q.Set("next", r.URL.RequestURI())
			}
			if lang := r.URL.Query().Get("lang"); lang != "" {
				q.Set("lang", lang) // keep an explicit language choice on the sign-in page
			}
			target := "/login"
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if !p.Can(perm) {
			if s.Auth != nil {
				s.Auth.RecordDeny(r.Context(), perm, r.Method, r.URL.Path)
			}
			if isAPI(r) {
				httpx.WriteError(w, r, authz.Require(p, perm), nil)
				return
			}
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		h(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }

// decoratePage adds the signed-in user and, once per session, the notice of
// the previous sign-in and the failed attempts since (002 2.1.1.1(1)(j)).
func (s *Server) decoratePage(r *http.Request, p *page) {
	id := identityFrom(r.Context())
	if id == nil {
		return
	}
	p.Me = id.Principal
	if id.Session.ID == 0 || !id.Session.NoticePending || setupStep(id) != "" {
		return
	}
	ss := id.Session
	if ss.PrevLoginAt.IsZero() {
		p.Notice = p.T("login.notice.first")
	} else {
		p.Notice = p.T("login.notice.last", ss.PrevLoginAt.In(displayZone).Format("2006-01-02 15:04:05"), ss.PrevLoginIP, ss.PrevFailed)
	}
	if ss.PrevFailed > 0 {
		p.NoticeWarn = true
	}
	if err := s.Auth.NoticeShown(r.Context(), ss.ID); err != nil {
		s.Logger.Warn("notice", "err", err)
	}
}

// displayZone is the time zone of times shown on pages (Japan).
var displayZone = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*3600)
}()

// loginLimiter bounds sign-in attempts per client address (brute force
// across many logins; per-account guessing is stopped by the lockout).
type loginLimiter struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	seen   map[string]*limitEntry
}

type limitEntry struct {
	start time.Time
	n     int
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{window: time.Minute, max: 20, seen: map[string]*limitEntry{}}
}

// allow counts one attempt from ip at now and reports whether it may proceed.
func (l *loginLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 10000 {
		for k, e := range l.seen {
			if now.Sub(e.start) > l.window {
				delete(l.seen, k)
			}
		}
	}
	e := l.seen[ip]
	if e == nil || now.Sub(e.start) > l.window {
		e = &limitEntry{start: now}
		l.seen[ip] = e
	}
	e.n++
	return e.n <= l.max
}

// safeNext returns next when it is a path on this site, else "/".
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// errorMessage turns a service error into a message in the page language:
// policy errors by their key, others by their text.
func errorMessage(lang i18n.Lang, err error) string {
	if pe, ok := auth.IsPolicyError(err); ok {
		if strings.Contains(i18n.T(lang, pe.Key), "%") {
			return i18n.T(lang, pe.Key, pe.Arg)
		}
		return i18n.T(lang, pe.Key)
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		return ae.Text(lang)
	}
	return i18n.T(lang, "error.internal")
}
