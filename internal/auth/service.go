package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/metrics"
)

// Recorder appends audit events that are not part of a store transaction
// (failed sign-ins of unknown logins, denied permissions). *audit.Recorder
// implements it.
type Recorder interface {
	Record(ctx context.Context, ev audit.Event) error
}

// Service is the sign-in capability.
type Service struct {
	Store Store
	// Dir answers who a person is; nil when no directory is wired (accounts
	// tied to a person then get no grants).
	Dir Directory
	// Events records events outside store transactions; may be nil.
	Events Recorder
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Hash are the argon2id parameters for new hashes.
	Hash HashParams
	// LocalOff refuses password sign-in (people sign in through an OpenID
	// provider) except for the break-glass logins in BreakGlass.
	LocalOff   bool
	BreakGlass map[string]bool

	dummyHash string
}

// NewService returns a service over st and dir.
func NewService(st Store, dir Directory, events Recorder) *Service {
	return &Service{Store: st, Dir: dir, Events: events, Hash: DefaultHashParams}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Errors of the sign-in flow. ErrCredentials is deliberately the same for an
// unknown login, a wrong password or code, a locked and a disabled account.
var (
	ErrCredentials = apperr.E(apperr.Unauthorized, "auth.err.sign_failed")
	ErrNoSession   = apperr.E(apperr.Unauthorized, "auth.err.signed")
)

// FirstAdminLogin is the login of the administrator created on an empty store.
const FirstAdminLogin = "admin"

// reserved logins may not be given to new accounts (003 ch.4: no generic
// administrator names, no guest accounts); "admin" is used only by the
// first-start administrator.
var reserved = map[string]bool{"admin": true, "administrator": true, "root": true, "guest": true}

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormalizeLogin lower-cases and trims a login name.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Policy returns the current policy (the defaults until one is saved).
func (s *Service) Policy(ctx context.Context) (Policy, error) {
	v, found, err := s.Store.Setting(ctx, PolicyKey)
	if err != nil {
		return DefaultPolicy(), err
	}
	if !found {
		return DefaultPolicy(), nil
	}
	p, err := decodePolicy(v)
	if err != nil {
		// A broken stored policy falls back to the strict defaults.
		return DefaultPolicy(), nil
	}
	return p, nil
}

// SetPolicy validates and saves p. Callers check the user.admin permission.
func (s *Service) SetPolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.Store.PutSetting(ctx, PolicyKey, string(b), s.now(), &audit.Event{
		Action: ActionPolicyChange, ObjectType: "setting", ObjectID: PolicyKey, Detail: string(b)})
}

// Bootstrap creates the first administrator when the store has no account
// and returns its one-time password; created is false when accounts exist.
// The password must be shown once and never logged.
func (s *Service) Bootstrap(ctx context.Context) (password string, created bool, err error) {
	n, err := s.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	u, pw, err := s.createUser(ctx, NewUser{Login: FirstAdminLogin, Name: "初期管理者", IsAdmin: true}, true)
	if apperr.Is(err, apperr.Conflict) {
		return "", false, nil // another replica was first
	}
	if err != nil {
		return "", false, err
	}
	_ = u
	return pw, true, nil
}

// NewUser is an account to create.
type NewUser struct {
	Login    string
	PersonID int64
	Name     string
	IsAdmin  bool
}

// CreateUser creates an account with a random one-time password, which it
// returns; the user must change it at first sign-in. Callers check the
// user.admin permission.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, string, error) {
	return s.createUser(ctx, nu, false)
}

func (s *Service) createUser(ctx context.Context, nu NewUser, bootstrap bool) (User, string, error) {
	nu.Login = NormalizeLogin(nu.Login)
	nu.Name = strings.TrimSpace(nu.Name)
	if !loginRE.MatchString(nu.Login) {
		return User{}, "", apperr.E(apperr.Invalid, "auth.err.login_use_letters_digits", nu.Login)
	}
	if reserved[nu.Login] && !bootstrap {
		return User{}, "", apperr.E(apperr.Invalid, "auth.err.login_reserved_give_each_administrator", nu.Login)
	}
	if len([]rune(nu.Name)) > 200 {
		return User{}, "", apperr.E(apperr.Invalid, "auth.err.name_too_long")
	}
	pw, err := GeneratePassword(20)
	if err != nil {
		return User{}, "", err
	}
	hash, err := HashPassword(pw, s.Hash)
	if err != nil {
		return User{}, "", err
	}
	now := s.now()
	u := User{Login: nu.Login, PersonID: nu.PersonID, Name: nu.Name, IsAdmin: nu.IsAdmin,
		MustChangePassword: true, PasswordHash: hash, PasswordChangedAt: now, CreatedAt: now}
	u, err = s.Store.CreateUser(ctx, u, &audit.Event{Action: audit.ActionUserCreate, ObjectType: "user",
		Detail: audit.Details(map[string]any{"login": u.Login, "person_id": u.PersonID, "admin": u.IsAdmin})})
	if err != nil {
		return User{}, "", err
	}
	return u, pw, nil
}

// Users lists every account.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.Store.Users(ctx) }

// ListUsers returns one page of the accounts matching f and how many match.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, int, error) {
	f.Query = strings.TrimSpace(f.Query)
	return s.Store.ListUsers(ctx, f)
}

// User returns one account (secrets cleared).
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	u, err := s.Store.User(ctx, id)
	return clean(u), err
}

// UserByLogin returns one account by login (secrets cleared).
func (s *Service) UserByLogin(ctx context.Context, login string) (User, error) {
	u, err := s.Store.UserByLogin(ctx, NormalizeLogin(login))
	return clean(u), err
}

func clean(u User) User {
	u.PasswordHash, u.TOTPSecret, u.TOTPLastStep = "", "", 0
	return u
}

// PersonByEmployeeNo resolves an employee number to a person id.
func (s *Service) PersonByEmployeeNo(ctx context.Context, no string) (int64, error) {
	return s.Store.PersonByEmployeeNo(ctx, strings.TrimSpace(no))
}

func userEvent(action string, id int64, kv map[string]any) *audit.Event {
	return &audit.Event{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(id, 10), Detail: audit.Details(kv)}
}

// ResetPassword gives the account a new one-time password (returned), forces
// a change at next sign-in, lifts a lock and ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, userID int64) (string, error) {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return "", err
	}
	pw, err := GeneratePassword(20)
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(pw, s.Hash)
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.Store.SetPassword(ctx, u.ID, hash, true, now,
		userEvent(ActionPasswordReset, u.ID, map[string]any{"login": u.Login})); err != nil {
		return "", err
	}
	if _, err := s.Store.RevokeSessions(ctx, u.ID, 0, now, nil); err != nil {
		return "", err
	}
	return pw, nil
}

// Disable disables an account (its sessions and tokens end at once).
func (s *Service) Disable(ctx context.Context, userID int64, reason string) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.Disabled() {
		return nil
	}
	return s.Store.SetDisabled(ctx, u.ID, s.now(), reason,
		userEvent(ActionUserDisable, u.ID, map[string]any{"login": u.Login, "reason": reason}))
}

// Enable enables a disabled account and lifts its lock.
func (s *Service) Enable(ctx context.Context, userID int64) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return err
	}
	return s.Store.SetDisabled(ctx, u.ID, time.Time{}, "",
		userEvent(ActionUserEnable, u.ID, map[string]any{"login": u.Login}))
}

// ResetTOTP removes an account's second factor; it must enrol again at its
// next sign-in when the policy requires TOTP.
func (s *Service) ResetTOTP(ctx context.Context, userID int64) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.Store.SetTOTPSecret(ctx, u.ID, "", time.Time{}, 0,
		userEvent(ActionTOTPReset, u.ID, map[string]any{"login": u.Login})); err != nil {
		return err
	}
	_, err = s.Store.RevokeSessions(ctx, u.ID, 0, now, nil)
	return err
}

// Principal builds the authorization view of u: the person's grants from the
// directory, plus the administrator role for admin accounts. active is false
// when the directory says the person has left.
func (s *Service) Principal(ctx context.Context, u User) (p *authz.Principal, active bool, err error) {
	p = &authz.Principal{UserID: u.ID, PersonID: u.PersonID, Login: u.Login, Name: u.Name}
	active = true
	if u.PersonID != 0 && s.Dir != nil {
		path, grants, act, err := s.Dir.Grants(ctx, u.PersonID, s.now())
		if err != nil {
			return nil, false, err
		}
		p.UnitPath, p.Grants, active = path, grants, act
	}
	if u.IsAdmin {
		p.Grants = append(p.Grants, authz.Grant{Role: authz.RoleAdministrator, Privileged: true})
	}
	for _, g := range p.Grants {
		if g.Privileged {
			p.Privileged = true
		}
	}
	return p, active, nil
}

// Identity is who a request acts for, resolved from a session or a token.
type Identity struct {
	User      User
	Session   Session // zero for an API token
	TokenID   int64   // the API token used, 0 for a session
	Principal *authz.Principal
	// NeedsPassword: the password must be changed before anything else
	// (one-time password, or older than the policy allows).
	NeedsPassword bool
	// NeedsTOTP: the policy requires TOTP and the account has none yet.
	NeedsTOTP bool
	// NeedsMFA: the session began at an OpenID provider without a second
	// factor; a TOTP code must be given before anything else.
	NeedsMFA bool
}

// LoginResult is a successful sign-in: the session token for the cookie.
type LoginResult struct {
	Token    string
	Identity *Identity
}

func newToken() (token, hash string, err error) {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is how session and API tokens are stored: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) dummy() string {
	if s.dummyHash == "" {
		s.dummyHash, _ = HashPassword("kitei-timing-equaliser", s.Hash)
	}
	return s.dummyHash
}

func (s *Service) record(ctx context.Context, ev audit.Event) {
	if s.Events != nil {
		_ = s.Events.Record(ctx, ev)
	}
}

// Login checks login, password and (when the account has TOTP) code, and
// starts a session. Every failure returns ErrCredentials so the answer does
// not reveal whether the login exists, the account is locked or disabled.
func (s *Service) Login(ctx context.Context, login, password, code string, m Meta) (res *LoginResult, err error) {
	defer func() { metrics.SignIn("password", err == nil) }()
	now := s.now()
	login = NormalizeLogin(login)
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(u User, reason string) audit.Event {
		return audit.Event{At: now, Actor: login, ActorID: u.PersonID, IP: m.IP, Action: audit.ActionLoginFailed,
			ObjectType: "user", ObjectID: idString(u.ID), Detail: audit.Details(map[string]any{"reason": reason})}
	}
	u, err := s.Store.UserByLogin(ctx, login)
	if apperr.Is(err, apperr.NotFound) || err == nil && login == "" {
		VerifyPassword(password, s.dummy())
		if len(login) > 64 {
			login = login[:64]
		}
		s.record(ctx, failed(User{}, "unknown login"))
		return nil, ErrCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := VerifyPassword(password, u.PasswordHash)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Disabled():
		s.record(ctx, failed(u, "disabled"))
		return nil, ErrCredentials
	case u.Locked(now):
		s.record(ctx, failed(u, "locked"))
		return nil, ErrCredentials
	case s.LocalOff && !s.BreakGlass[u.Login]:
		s.record(ctx, failed(u, "local sign-in off"))
		return nil, ErrCredentials
	}
	p, active, err := s.Principal(ctx, u)
	if err != nil {
		return nil, err
	}
	rules := pol.RulesFor(u.IsAdmin || p.Privileged)
	reason := ""
	var step int64
	if !ok {
		reason = "password"
	} else if u.TOTPEnabled {
		var matched bool
		if step, matched = matchTOTP(u.TOTPSecret, code, now); !matched {
			reason = "totp"
		} else if fresh, err := s.Store.UseTOTPStep(ctx, u.ID, step); err != nil {
			return nil, err
		} else if !fresh {
			reason = "totp replay"
		}
	}
	if reason != "" {
		ev := failed(u, reason)
		_, until, err := s.Store.LoginFailed(ctx, u.ID, now, rules.LockAfter, rules.LockFor(), &ev)
		if err != nil {
			return nil, err
		}
		if !until.IsZero() {
			metrics.Lockout()
		}
		return nil, ErrCredentials
	}
	if !active {
		s.disableLeft(ctx, u)
		s.record(ctx, failed(u, "person left"))
		return nil, ErrCredentials
	}
	token, hash, err := newToken()
	if err != nil {
		return nil, err
	}
	sess := Session{UserID: u.ID, TokenHash: hash, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: minTime(now.Add(pol.IdleTimeout()), now.Add(pol.Lifetime())), ExpiresAt: now.Add(pol.Lifetime()),
		IP: m.IP, UserAgent: truncate(m.UserAgent, 300),
		NoticePending: true, PrevLoginAt: u.LastLoginAt, PrevLoginIP: u.LastLoginIP, PrevFailed: u.FailedSinceLogin}
	if err := s.Store.LoginSucceeded(ctx, u.ID, &sess, &audit.Event{At: now, Actor: u.Login, ActorID: u.PersonID, IP: m.IP,
		Action: audit.ActionLogin, ObjectType: "user", ObjectID: idString(u.ID),
		Detail: audit.Details(map[string]any{"totp": u.TOTPEnabled})}); err != nil {
		return nil, err
	}
	u.LastLoginAt, u.LastLoginIP, u.FailedCount, u.FailedSinceLogin, u.LockedUntil = now, m.IP, 0, 0, time.Time{}
	return &LoginResult{Token: token, Identity: s.identity(u, sess, p, pol, now)}, nil
}

func (s *Service) identity(u User, sess Session, p *authz.Principal, pol Policy, now time.Time) *Identity {
	priv := u.IsAdmin || p.Privileged
	id := &Identity{User: clean(u), Session: sess, Principal: p}
	id.NeedsPassword = u.MustChangePassword
	if age := pol.RulesFor(priv).MaxAgeDays; age > 0 && now.After(u.PasswordChangedAt.AddDate(0, 0, age)) {
		id.NeedsPassword = true
	}
	id.NeedsTOTP = pol.TOTPRequired(priv) && !u.TOTPEnabled
	s.externalIdentity(id, sess)
	return id
}

// disableLeft disables the account of a person who has left (002 2.1.1.3:
// disable on leaving).
func (s *Service) disableLeft(ctx context.Context, u User) {
	if u.Disabled() {
		return
	}
	_ = s.Store.SetDisabled(ctx, u.ID, s.now(), "left",
		userEvent(ActionUserDisable, u.ID, map[string]any{"login": u.Login, "reason": "left"}))
}

// touchEvery bounds how often a session's idle expiry is written.
const touchEvery = 30 * time.Second

// Authenticate resolves a session token (the cookie value). It refuses
// unknown, revoked, idle, expired sessions and disabled accounts with
// ErrNoSession, and moves the idle expiry forward.
func (s *Service) Authenticate(ctx context.Context, token string) (*Identity, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNoSession
	}
	sess, err := s.Store.Session(ctx, HashToken(token))
	if apperr.Is(err, apperr.NotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !sess.Active(now) {
		return nil, ErrNoSession
	}
	u, p, pol, err := s.account(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	s.withIdPRoles(p, sess.IdPRoles)
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		idle := minTime(now.Add(pol.IdleTimeout()), sess.ExpiresAt)
		if err := s.Store.TouchSession(ctx, sess.ID, now, idle); err != nil {
			return nil, err
		}
		sess.LastSeenAt, sess.IdleExpiresAt = now, idle
	}
	return s.identity(u, sess, p, pol, now), nil
}

// account loads a usable account and its principal.
func (s *Service) account(ctx context.Context, userID int64) (User, *authz.Principal, Policy, error) {
	pol, err := s.Policy(ctx)
	if err != nil {
		return User{}, nil, pol, err
	}
	u, err := s.Store.User(ctx, userID)
	if apperr.Is(err, apperr.NotFound) {
		return u, nil, pol, ErrNoSession
	}
	if err != nil {
		return u, nil, pol, err
	}
	if u.Disabled() {
		return u, nil, pol, ErrNoSession
	}
	p, active, err := s.Principal(ctx, u)
	if err != nil {
		return u, nil, pol, err
	}
	if !active {
		s.disableLeft(ctx, u)
		return u, nil, pol, ErrNoSession
	}
	return u, p, pol, nil
}

// AuthenticateToken resolves an API bearer token. Tokens of accounts that
// must change their password are refused too.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*Identity, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return nil, ErrNoSession
	}
	t, err := s.Store.Token(ctx, HashToken(token))
	if apperr.Is(err, apperr.NotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if !t.RevokedAt.IsZero() {
		return nil, ErrNoSession
	}
	u, p, pol, err := s.account(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.Store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
	}
	id := s.identity(u, Session{}, p, pol, now)
	id.TokenID = t.ID
	if id.NeedsPassword {
		return nil, ErrNoSession
	}
	return id, nil
}

// NoticeShown marks the session's last-sign-in notice as shown.
func (s *Service) NoticeShown(ctx context.Context, sessionID int64) error {
	return s.Store.NoticeShown(ctx, sessionID)
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, id *Identity) error {
	if id == nil || id.Session.ID == 0 {
		return nil
	}
	err := s.Store.RevokeSession(ctx, id.Session.ID, id.User.ID, s.now(), &audit.Event{Action: audit.ActionLogout,
		ObjectType: "session", ObjectID: idString(id.Session.ID)})
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	return err
}

// ChangePassword sets a new password for userID after checking the current
// one, the policy and the history, and ends the account's other sessions
// (keep is the session making the change).
func (s *Service) ChangePassword(ctx context.Context, userID, keep int64, current, next string) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return err
	}
	ok, err := VerifyPassword(current, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Cause(apperr.Invalid, &PolicyError{Key: "password.err.current"})
	}
	if err := s.CheckPassword(ctx, u, next); err != nil {
		return err
	}
	hash, err := HashPassword(next, s.Hash)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.Store.SetPassword(ctx, u.ID, hash, false, now,
		userEvent(ActionPasswordChange, u.ID, map[string]any{"login": u.Login})); err != nil {
		return err
	}
	_, err = s.Store.RevokeSessions(ctx, u.ID, keep, now, nil)
	return err
}

// CheckPassword tests a candidate new password for u against the policy
// that applies to u (privileged or general) and the reuse rule.
func (s *Service) CheckPassword(ctx context.Context, u User, pw string) error {
	pol, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	p, _, err := s.Principal(ctx, u)
	if err != nil {
		return err
	}
	invalid := func(pe *PolicyError) error { return apperr.Cause(apperr.Invalid, pe) }
	if err := pol.RulesFor(u.IsAdmin || p.Privileged).Check(pw, u.Login); err != nil {
		return invalid(err.(*PolicyError))
	}
	if same, _ := VerifyPassword(pw, u.PasswordHash); same {
		return invalid(&PolicyError{Key: "password.err.same"})
	}
	if pol.ReuseDays > 0 {
		old, err := s.Store.PasswordHistory(ctx, u.ID, s.now().AddDate(0, 0, -pol.ReuseDays))
		if err != nil {
			return err
		}
		for _, h := range old {
			if reused, _ := VerifyPassword(pw, h); reused {
				return invalid(&PolicyError{Key: "password.err.reused", Arg: pol.ReuseDays})
			}
		}
	}
	return nil
}

// BeginTOTP returns the enrolment data for userID, keeping a pending secret
// so that reloading the page shows the same QR code. Conflict when TOTP is
// already enabled.
func (s *Service) BeginTOTP(ctx context.Context, userID int64) (*TOTPSetup, error) {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, apperr.E(apperr.Conflict, "auth.err.totp_already_set_up")
	}
	k, err := newTOTPKey(u.Login, u.TOTPSecret)
	if err != nil {
		return nil, err
	}
	if u.TOTPSecret == "" {
		if err := s.Store.SetTOTPSecret(ctx, u.ID, k.Secret(), time.Time{}, 0, nil); err != nil {
			return nil, err
		}
	}
	return setupFor(k)
}

// ConfirmTOTP enables the pending secret once the user proves it with a
// code from their authenticator.
func (s *Service) ConfirmTOTP(ctx context.Context, userID int64, code string) error {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.TOTPEnabled {
		return apperr.E(apperr.Conflict, "auth.err.totp_already_set_up")
	}
	now := s.now()
	step, ok := matchTOTP(u.TOTPSecret, code, now)
	if !ok {
		return apperr.Cause(apperr.Invalid, &PolicyError{Key: "totp.err.code"})
	}
	return s.Store.SetTOTPSecret(ctx, u.ID, u.TOTPSecret, now, step,
		userEvent(ActionTOTPEnrol, u.ID, map[string]any{"login": u.Login}))
}

// Sessions lists the active sessions of userID.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	return s.Store.SessionsOf(ctx, userID, s.now())
}

// RevokeSession ends session id of owner (owner 0: any owner, for admins).
func (s *Service) RevokeSession(ctx context.Context, owner, id int64) error {
	return s.Store.RevokeSession(ctx, id, owner, s.now(), &audit.Event{Action: ActionSessionRevoke,
		ObjectType: "session", ObjectID: idString(id)})
}

// RevokeSessions ends every session of userID.
func (s *Service) RevokeSessions(ctx context.Context, userID int64) (int, error) {
	return s.Store.RevokeSessions(ctx, userID, 0, s.now(),
		userEvent(ActionSessionRevoke, userID, map[string]any{"all": true}))
}

// tokenPrefix starts every API token so leaked ones are easy to spot.
const tokenPrefix = "kitei_"

// CreateToken makes an API token for userID and returns it; it is shown
// once and only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (string, APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return "", APIToken{}, apperr.Cause(apperr.Invalid, &PolicyError{Key: "token.err.name"})
	}
	raw, hash, err := newToken()
	if err != nil {
		return "", APIToken{}, err
	}
	token := tokenPrefix + raw
	hash = HashToken(token)
	t := APIToken{UserID: userID, Name: name, TokenHash: hash, Prefix: token[:len(tokenPrefix)+6], CreatedAt: s.now()}
	t, err = s.Store.CreateToken(ctx, t, &audit.Event{Action: ActionTokenCreate, ObjectType: "api_token",
		Detail: audit.Details(map[string]any{"name": name, "user_id": userID})})
	return token, t, err
}

// Tokens lists userID's API tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]APIToken, error) {
	return s.Store.Tokens(ctx, userID)
}

// RevokeToken revokes token id of owner (owner 0: any owner).
func (s *Service) RevokeToken(ctx context.Context, owner, id int64) error {
	return s.Store.RevokeToken(ctx, id, owner, s.now(), &audit.Event{Action: ActionTokenRevoke,
		ObjectType: "api_token", ObjectID: idString(id)})
}

// RecordDeny records a refused permission check (authz.deny).
func (s *Service) RecordDeny(ctx context.Context, perm authz.Permission, method, path string) {
	s.record(ctx, audit.Event{Action: audit.ActionDeny, ObjectType: "route", ObjectID: method + " " + truncate(path, 200),
		Detail: audit.Details(map[string]any{"permission": string(perm)})})
}

// IsPolicyError returns the policy rule err breaks, if any.
func IsPolicyError(err error) (*PolicyError, bool) {
	var pe *PolicyError
	ok := errors.As(err, &pe)
	return pe, ok
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
