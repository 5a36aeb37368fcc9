package auth

import (
	"context"
	"slices"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/metrics"
)

// ExternalStore is what sign-in through an OpenID provider needs beyond
// Store. internal/store implements it.
type ExternalStore interface {
	// UserByPerson returns the account of a person; NotFound if none.
	UserByPerson(ctx context.Context, personID int64) (User, error)
	// PersonByEmail returns the one person with that address; NotFound if
	// there is none or more than one.
	PersonByEmail(ctx context.Context, email string) (int64, error)
	// ClearMFAPending records that the session's second factor was given.
	ClearMFAPending(ctx context.Context, sessionID int64) error
	// Leavers lists the enabled accounts of people who have left.
	Leavers(ctx context.Context) ([]int64, error)
}

// External is a person an OpenID provider vouched for.
type External struct {
	Method   string // "oidc:PROVIDER"
	PersonID int64
	// MFA: the provider says its sign-in had a second factor (amr/acr).
	MFA bool
	// Roles are kitei role keys the provider's groups map to.
	Roles []string
}

func (s *Service) external() (ExternalStore, error) {
	xs, ok := s.Store.(ExternalStore)
	if !ok {
		return nil, apperr.E(apperr.Internal, "auth.err.oidc_store")
	}
	return xs, nil
}

// PersonByEmail resolves an e-mail address to a person id.
func (s *Service) PersonByEmail(ctx context.Context, email string) (int64, error) {
	xs, err := s.external()
	if err != nil {
		return 0, err
	}
	return xs.PersonByEmail(ctx, email)
}

// LoginExternal starts a session for the account of ext.PersonID. It
// refuses with ErrCredentials when the person has no account, the account
// is disabled, or the person has left (their account is then disabled).
// Without the provider's second factor the session owes a TOTP code
// (Identity.NeedsMFA), or a TOTP enrolment when the account has none.
func (s *Service) LoginExternal(ctx context.Context, ext External, m Meta) (res *LoginResult, err error) {
	defer func() { metrics.SignIn("oidc", err == nil) }()
	xs, err := s.external()
	if err != nil {
		return nil, err
	}
	now := s.now()
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(u User, reason string) {
		s.record(ctx, audit.Event{At: now, Actor: u.Login, ActorID: ext.PersonID, IP: m.IP, Action: audit.ActionLoginFailed,
			ObjectType: "user", ObjectID: idString(u.ID),
			Detail: audit.Details(map[string]any{"reason": reason, "method": ext.Method})})
	}
	u, err := xs.UserByPerson(ctx, ext.PersonID)
	if apperr.Is(err, apperr.NotFound) {
		failed(User{Login: "-"}, "no account")
		return nil, ErrCredentials
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		failed(u, "disabled")
		return nil, ErrCredentials
	}
	p, active, err := s.Principal(ctx, u)
	if err != nil {
		return nil, err
	}
	if !active {
		s.disableLeft(ctx, u)
		failed(u, "person left")
		return nil, ErrCredentials
	}
	token, hash, err := newToken()
	if err != nil {
		return nil, err
	}
	sess := Session{UserID: u.ID, TokenHash: hash, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: minTime(now.Add(pol.IdleTimeout()), now.Add(pol.Lifetime())), ExpiresAt: now.Add(pol.Lifetime()),
		IP: m.IP, UserAgent: truncate(m.UserAgent, 300),
		NoticePending: true, PrevLoginAt: u.LastLoginAt, PrevLoginIP: u.LastLoginIP, PrevFailed: u.FailedSinceLogin,
		Method: ext.Method, MFAPending: !ext.MFA, IdPRoles: validRoles(ext.Roles)}
	if err := s.Store.LoginSucceeded(ctx, u.ID, &sess, &audit.Event{At: now, Actor: u.Login, ActorID: u.PersonID, IP: m.IP,
		Action: audit.ActionLogin, ObjectType: "user", ObjectID: idString(u.ID),
		Detail: audit.Details(map[string]any{"method": ext.Method, "idp_mfa": ext.MFA, "roles": sess.IdPRoles})}); err != nil {
		return nil, err
	}
	s.withIdPRoles(p, sess.IdPRoles)
	u.LastLoginAt, u.LastLoginIP = now, m.IP
	return &LoginResult{Token: token, Identity: s.identity(u, sess, p, pol, now)}, nil
}

// validRoles keeps the keys of built-in roles that are not tied to a
// system (a group cannot say which system).
func validRoles(keys []string) []string {
	var out []string
	for _, k := range keys {
		for _, r := range authz.Builtin {
			if r.Key == k && r.Scope != "system" && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// withIdPRoles adds the roles a provider's groups gave the session: an
// organisation role everywhere, a unit role in the person's own unit.
func (s *Service) withIdPRoles(p *authz.Principal, roles []string) {
	for _, k := range validRoles(roles) {
		for _, r := range authz.Builtin {
			if r.Key != k {
				continue
			}
			g := authz.Grant{Role: k, Privileged: r.Privileged}
			if r.Scope == "unit" {
				if p.UnitPath == "" {
					continue
				}
				g.UnitPath = p.UnitPath
			}
			p.Grants = append(p.Grants, g)
			if r.Privileged {
				p.Privileged = true
			}
		}
	}
}

// externalIdentity adjusts the setup steps of a session begun at a
// provider: its password is not kitei's business, and without the
// provider's second factor kitei asks for TOTP (or its enrolment).
func (s *Service) externalIdentity(id *Identity, sess Session) {
	if sess.Method == "" || sess.Method == "password" {
		return
	}
	id.NeedsPassword = false
	// The provider's second factor stands in for the TOTP the policy asks of
	// privileged accounts.
	id.NeedsTOTP = false
	if sess.MFAPending {
		if id.User.TOTPEnabled {
			id.NeedsMFA = true
		} else {
			id.NeedsTOTP = true
		}
	}
}

// CompleteMFA checks the TOTP code a provider-begun session owes; a wrong
// code counts towards the account lock.
func (s *Service) CompleteMFA(ctx context.Context, id *Identity, code string, m Meta) error {
	xs, err := s.external()
	if err != nil {
		return err
	}
	if id == nil || id.Session.ID == 0 || !id.Session.MFAPending {
		return nil
	}
	u, err := s.Store.User(ctx, id.User.ID)
	if err != nil {
		return err
	}
	now := s.now()
	step, ok := matchTOTP(u.TOTPSecret, code, now)
	if ok {
		ok, err = s.Store.UseTOTPStep(ctx, u.ID, step)
		if err != nil {
			return err
		}
	}
	if !ok {
		pol, err := s.Policy(ctx)
		if err != nil {
			return err
		}
		rules := pol.RulesFor(u.IsAdmin || id.Principal.Privileged)
		ev := audit.Event{At: now, Actor: u.Login, ActorID: u.PersonID, IP: m.IP, Action: audit.ActionLoginFailed,
			ObjectType: "user", ObjectID: idString(u.ID), Detail: audit.Details(map[string]any{"reason": "totp", "method": id.Session.Method})}
		_, until, err := s.Store.LoginFailed(ctx, u.ID, now, rules.LockAfter, rules.LockFor(), &ev)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			metrics.Lockout()
			_, _ = s.Store.RevokeSessions(ctx, u.ID, 0, now, nil)
		}
		return apperr.Cause(apperr.Invalid, &PolicyError{Key: "totp.err.code"})
	}
	return xs.ClearMFAPending(ctx, id.Session.ID)
}

// ClearMFAPending marks the session's second factor as given (after the
// account enrolled TOTP in it).
func (s *Service) ClearMFAPending(ctx context.Context, sessionID int64) error {
	xs, err := s.external()
	if err != nil {
		return err
	}
	return xs.ClearMFAPending(ctx, sessionID)
}

// UserByPerson returns the account of a person (secrets cleared).
func (s *Service) UserByPerson(ctx context.Context, personID int64) (User, error) {
	xs, err := s.external()
	if err != nil {
		return User{}, err
	}
	u, err := xs.UserByPerson(ctx, personID)
	return clean(u), err
}

// DisableLeavers disables the account of everyone who has left (however
// the directory learnt it: SCIM, an import, the pages), ending their
// sessions and tokens. The ops job runs it every quarter hour, so an
// account is disabled the day its person leaves even if nobody uses it.
func (s *Service) DisableLeavers(ctx context.Context) (int, error) {
	xs, err := s.external()
	if err != nil {
		return 0, err
	}
	ids, err := xs.Leavers(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		u, err := s.Store.User(ctx, id)
		if err != nil {
			return 0, err
		}
		s.disableLeft(ctx, u)
	}
	return len(ids), nil
}
