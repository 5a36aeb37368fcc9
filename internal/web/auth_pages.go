package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/auth"
	"kitei/internal/i18n"
	"kitei/internal/paging"
	"kitei/internal/webui"
)

// --- sign-in and sign-out --------------------------------------------------

type loginData struct {
	Banner  string
	Next    string
	Login   string
	Buttons []SignInButton // OpenID providers
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if identityFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginData{Next: next}, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData, errKey string) {
	if s.Auth == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "error.internal")
		return
	}
	pol, err := s.Auth.Policy(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Banner, d.Buttons = pol.Banner, s.SignInButtons
	p := s.newPage(r, "login.title", d)
	p.Nav = "login"
	if errKey != "" {
		p.Error = p.T(errKey)
	}
	s.render(w, r, status, "login", p)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if s.Auth == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "error.internal")
		return
	}
	d := loginData{Next: safeNext(r.PostFormValue("next")), Login: strings.TrimSpace(r.PostFormValue("login"))}
	if !s.logins.allow(clientIP(r), time.Now()) {
		s.renderLogin(w, r, http.StatusTooManyRequests, d, "login.ratelimited")
		return
	}
	res, err := s.Auth.Login(r.Context(), d.Login, r.PostFormValue("password"), r.PostFormValue("code"),
		auth.Meta{IP: clientIP(r), UserAgent: r.UserAgent()})
	if apperr.Is(err, apperr.Unauthorized) {
		s.renderLogin(w, r, http.StatusUnauthorized, d, "login.failed")
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.setSessionCookie(w, r, res.Token)
	target := d.Next
	if step := setupStep(res.Identity); step != "" {
		target = step
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.Logout(r.Context(), identityFrom(r.Context())); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// --- own account -----------------------------------------------------------

type passwordData struct {
	Forced    bool
	MinLength int
	Classes   int
	ReuseDays int
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.renderPassword(w, r, http.StatusOK, "")
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id := identityFrom(r.Context())
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	pol, err := s.Auth.Policy(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	rules := pol.RulesFor(id.User.IsAdmin || id.Principal.Privileged)
	p := s.newPage(r, "password.title", passwordData{Forced: id.NeedsPassword, MinLength: rules.MinLength,
		Classes: rules.MinClasses, ReuseDays: pol.ReuseDays})
	p.Nav = "account"
	p.Error = msg
	s.render(w, r, status, "password", p)
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	if id == nil || id.Session.ID == 0 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	lang := i18n.FromRequest(r)
	next, confirm := r.PostFormValue("new"), r.PostFormValue("confirm")
	if next != confirm {
		s.renderPassword(w, r, http.StatusBadRequest, i18n.T(lang, "password.err.confirm"))
		return
	}
	err := s.Auth.ChangePassword(r.Context(), id.User.ID, id.Session.ID, r.PostFormValue("current"), next)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderPassword(w, r, http.StatusBadRequest, errorMessage(lang, err))
			return
		}
		s.failErr(w, r, err)
		return
	}
	if id.NeedsTOTP {
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

type totpData struct {
	Enabled  bool
	Required bool
	Setup    *auth.TOTPSetup
	QR       template.URL // the PNG data URL, which the template would otherwise refuse
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	s.renderTOTP(w, r, http.StatusOK, "")
}

func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id := identityFrom(r.Context())
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	d := totpData{Enabled: id.User.TOTPEnabled, Required: id.NeedsTOTP}
	if !d.Enabled {
		setup, err := s.Auth.BeginTOTP(r.Context(), id.User.ID)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		d.Setup = setup
		if strings.HasPrefix(setup.QRPNG, "data:image/png;base64,") {
			d.QR = template.URL(setup.QRPNG)
		}
	}
	p := s.newPage(r, "totp.title", d)
	p.Nav = "account"
	p.Error = msg
	s.render(w, r, status, "totp", p)
}

func (s *Server) totpSubmit(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.Auth.ConfirmTOTP(r.Context(), id.User.ID, r.PostFormValue("code"))
	if apperr.Is(err, apperr.Invalid) {
		s.renderTOTP(w, r, http.StatusBadRequest, errorMessage(i18n.FromRequest(r), err))
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if id.Session.MFAPending { // enrolling gave the second factor the provider did not
		if err := s.Auth.ClearMFAPending(r.Context(), id.Session.ID); err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/account?done=totp", http.StatusSeeOther)
}

type accountData struct {
	User     auth.User
	Current  int64
	Sessions []auth.Session
	Tokens   []auth.APIToken
	NewToken string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, newToken string) {
	id := identityFrom(r.Context())
	if id == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	sessions, err := s.Auth.Sessions(ctx, id.User.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	tokens, err := s.Auth.Tokens(ctx, id.User.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "account.title", accountData{User: id.User, Current: id.Session.ID, Sessions: sessions,
		Tokens: tokens, NewToken: newToken})
	p.Nav = "account"
	if done := r.URL.Query().Get("done"); done != "" && newToken == "" {
		p.Flash = p.T("account.done." + done)
	}
	s.render(w, r, status, "account", p)
}

func authPathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) accountRevokeSession(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	sid, ok := authPathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err := s.Auth.RevokeSession(r.Context(), id.User.ID, sid); err != nil {
		s.failErr(w, r, err)
		return
	}
	if sid == id.Session.ID {
		s.clearSessionCookie(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
}

func (s *Server) accountCreateToken(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	token, _, err := s.Auth.CreateToken(r.Context(), id.User.ID, r.PostFormValue("name"))
	if apperr.Is(err, apperr.Invalid) {
		p := s.newPage(r, "error.title", nil)
		p.Error = errorMessage(p.Lang, err)
		s.render(w, r, http.StatusBadRequest, "error", p)
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	// Shown once, in this response only (never in a URL).
	s.renderAccount(w, r, http.StatusOK, token)
}

func (s *Server) accountRevokeToken(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	tid, ok := authPathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), id.User.ID, tid); err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=token_revoked", http.StatusSeeOther)
}

// --- administration -------------------------------------------------------

type adminUsersData struct {
	Users    []auth.User
	Query    string // the search, kept across pages
	Total    int
	Pager    webui.Pager
	Now      time.Time
	Created  string // login of the account just created or reset
	Password string // its one-time password, shown once
	Detail   *auth.User
	Sessions []auth.Session
	Self     int64
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderAdminUsers(w, r, http.StatusOK, adminUsersData{}, "")
}

// adminUsersPerPage is how many accounts the administrators' list shows at
// a time, by login.
const adminUsersPerPage = 50

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, d adminUsersData, msg string) {
	q := r.URL.Query()
	d.Query = strings.TrimSpace(q.Get("q"))
	if len([]rune(d.Query)) > 100 {
		s.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	req, err := paging.FromQuery(q, adminUsersPerPage)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	users, total, err := s.Auth.ListUsers(r.Context(), auth.UserFilter{Query: d.Query, After: req.After, Limit: req.Fetch()})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var next string
	users, next = paging.Cut(users, req, auth.UserCursor)
	d.Users, d.Total, d.Now = users, total, s.now()
	d.Pager = webui.NewPager(r, next, "users", len(users), total)
	if id := identityFrom(r.Context()); id != nil {
		d.Self = id.User.ID
	}
	p := s.newPage(r, "admin.users.title", d)
	p.Nav = "admin"
	p.Error = msg
	if done := r.URL.Query().Get("done"); done != "" && d.Password == "" {
		p.Flash = p.T("admin.done." + done)
	}
	s.render(w, r, status, "admin_users", p)
}

func (s *Server) now() time.Time {
	if s.Auth != nil && s.Auth.Now != nil {
		return s.Auth.Now()
	}
	return time.Now()
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := i18n.FromRequest(r)
	nu := auth.NewUser{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), IsAdmin: r.PostFormValue("admin") == "1"}
	if no := strings.TrimSpace(r.PostFormValue("employee_no")); no != "" {
		pid, err := s.Auth.PersonByEmployeeNo(ctx, no)
		if err != nil {
			s.renderAdminUsers(w, r, http.StatusBadRequest, adminUsersData{}, errorMessage(lang, err))
			return
		}
		nu.PersonID = pid
	}
	u, pw, err := s.Auth.CreateUser(ctx, nu)
	if err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict || code == apperr.NotFound {
			s.renderAdminUsers(w, r, http.StatusBadRequest, adminUsersData{}, errorMessage(lang, err))
			return
		}
		s.failErr(w, r, err)
		return
	}
	s.renderAdminUsers(w, r, http.StatusOK, adminUsersData{Created: u.Login, Password: pw}, "")
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	uid, ok := authPathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	u, err := s.Auth.User(r.Context(), uid)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	sessions, err := s.Auth.Sessions(r.Context(), uid)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.renderAdminUsers(w, r, http.StatusOK, adminUsersData{Detail: &u, Sessions: sessions}, "")
}

func (s *Server) adminUserAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid, ok := authPathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	u, err := s.Auth.User(ctx, uid)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	me := identityFrom(ctx)
	action := r.PathValue("action")
	if me != nil && me.User.ID == uid && (action == "disable" || action == "reset-password" || action == "reset-totp") {
		// Use the own account pages instead; an administrator must not lock themselves out.
		s.renderAdminUsers(w, r, http.StatusBadRequest, adminUsersData{}, i18n.T(i18n.FromRequest(r), "admin.err.self"))
		return
	}
	switch action {
	case "disable":
		err = s.Auth.Disable(ctx, uid, "admin")
	case "enable":
		err = s.Auth.Enable(ctx, uid)
	case "revoke-sessions":
		_, err = s.Auth.RevokeSessions(ctx, uid)
	case "reset-totp":
		err = s.Auth.ResetTOTP(ctx, uid)
	case "reset-password":
		pw, err := s.Auth.ResetPassword(ctx, uid)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		s.renderAdminUsers(w, r, http.StatusOK, adminUsersData{Created: u.Login, Password: pw}, "")
		return
	default:
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done="+strings.ReplaceAll(action, "-", "_"), http.StatusSeeOther)
}

func (s *Server) adminRevokeSession(w http.ResponseWriter, r *http.Request) {
	sid, ok := authPathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err := s.Auth.RevokeSession(r.Context(), 0, sid); err != nil {
		s.failErr(w, r, err)
		return
	}
	back := "/admin/users?done=revoke_sessions"
	if u := r.PostFormValue("user"); u != "" {
		if _, err := strconv.ParseInt(u, 10, 64); err == nil {
			back = "/admin/users/" + u
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) {
	pol, err := s.Auth.Policy(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "admin.policy.title", policyView(pol))
	p.Nav = "admin"
	if r.URL.Query().Get("done") == "1" {
		p.Flash = p.T("admin.policy.saved")
	}
	s.render(w, r, http.StatusOK, "admin_policy", p)
}

type ruleView struct {
	Key   string
	Rules auth.Rules
}

type policyData struct {
	Policy  auth.Policy
	Classes []ruleView
}

func policyView(p auth.Policy) policyData {
	return policyData{Policy: p, Classes: []ruleView{{"general", p.General}, {"privileged", p.Privileged}}}
}

func (s *Server) policySubmit(w http.ResponseWriter, r *http.Request) {
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return n
	}
	rules := func(prefix string) auth.Rules {
		return auth.Rules{MinLength: num(prefix + "_min_length"), MinClasses: num(prefix + "_min_classes"),
			LockAfter: num(prefix + "_lock_after"), LockMinutes: num(prefix + "_lock_minutes"),
			MaxAgeDays: num(prefix + "_max_age_days")}
	}
	pol := auth.Policy{General: rules("general"), Privileged: rules("privileged"), ReuseDays: num("reuse_days"),
		TOTPPrivileged: r.PostFormValue("totp_privileged") == "1", TOTPEveryone: r.PostFormValue("totp_everyone") == "1",
		IdleMinutes: num("idle_minutes"), LifetimeHours: num("lifetime_hours"), Banner: r.PostFormValue("banner")}
	if err := s.Auth.SetPolicy(r.Context(), pol); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			p := s.newPage(r, "admin.policy.title", policyView(pol))
			p.Nav = "admin"
			p.Error = err.Error()
			s.render(w, r, http.StatusBadRequest, "admin_policy", p)
			return
		}
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/policy?done=1", http.StatusSeeOther)
}

// --- API -------------------------------------------------------------------

type meJSON struct {
	UserID     int64       `json:"user_id"`
	Login      string      `json:"login"`
	Name       string      `json:"name"`
	PersonID   int64       `json:"person_id"`
	UnitPath   string      `json:"unit_path"`
	Privileged bool        `json:"privileged"`
	Grants     []grantJSON `json:"grants"`
}

type grantJSON struct {
	Role     string `json:"role"`
	UnitPath string `json:"unit_path,omitempty"`
	System   string `json:"system,omitempty"`
}

// apiMe answers who the token or session belongs to.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r.Context())
	p := id.Principal
	out := meJSON{UserID: p.UserID, Login: p.Login, Name: p.Name, PersonID: p.PersonID, UnitPath: p.UnitPath,
		Privileged: p.Privileged, Grants: []grantJSON{}}
	for _, g := range p.Grants {
		out.Grants = append(out.Grants, grantJSON{Role: g.Role, UnitPath: g.UnitPath, System: g.System})
	}
	writeJSON(w, http.StatusOK, out)
}
