// Package auth signs people in to kitei the way the rulebooks ask the
// platform to (003 ch.4 §9, 002 2.1.1, 000 7.1.1):
//
//   - one account per person, ids never reused, accounts disabled rather
//     than deleted, and disabled when the directory says the person left;
//   - argon2id password hashes, a password policy the administrator edits
//     (general and privileged rules, lockout, no reuse within a year);
//   - TOTP (RFC 6238) as second factor, required for privileged users by
//     default, with replay protection;
//   - server-side sessions with idle and absolute expiry, listable and
//     revocable; API tokens for scripts; the last sign-in and the failures
//     since shown once after signing in; a login banner.
//
// Every secret is stored as a hash only (passwords: argon2id; session and API
// tokens: SHA-256). Time comes from Service.Now so tests can move it.
package auth

import (
	"context"
	"time"

	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/paging"
)

// User is one account. The password hash and TOTP secret never leave the
// store through this type: PasswordHash and TOTPSecret are filled only by the
// store methods that need them for checking.
type User struct {
	ID                 int64
	Login              string
	PersonID           int64  // 0: not tied to a person (the first administrator)
	EmployeeNo         string // of the person, read from the directory tables
	Name               string // display name (the person's name when tied to one)
	IsAdmin            bool
	MustChangePassword bool
	PasswordChangedAt  time.Time
	TOTPEnabled        bool
	LastLoginAt        time.Time // zero: never
	LastLoginIP        string
	FailedCount        int // consecutive failures counting towards the lock
	FailedSinceLogin   int
	LockedUntil        time.Time // zero: not locked
	DisabledAt         time.Time // zero: enabled
	DisabledReason     string
	CreatedAt          time.Time

	PasswordHash string `json:"-"`
	TOTPSecret   string `json:"-"`
	TOTPLastStep int64  `json:"-"`
}

// UserFilter selects accounts for a page of the administrators' list.
type UserFilter struct {
	Query string // part of the login, the name or the employee number
	After paging.Cursor
	Limit int // 0: no limit
}

// UserCursor names u as the last row of a page of accounts.
func UserCursor(u User) paging.Cursor { return paging.Cursor{Key: u.Login, ID: u.ID} }

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

// Locked reports whether the account is locked at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Session is a server-side sign-in session. The token itself is never
// stored, only its SHA-256.
type Session struct {
	ID            int64
	UserID        int64
	TokenHash     string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	RevokedAt     time.Time
	IP            string
	UserAgent     string
	// The previous successful sign-in and the failures since, shown once.
	NoticePending bool
	PrevLoginAt   time.Time
	PrevLoginIP   string
	PrevFailed    int
	// Method is how the session began: "password" or "oidc:PROVIDER".
	Method string
	// MFAPending: the provider's sign-in had no second factor, so kitei
	// asks for a TOTP code before the session may be used.
	MFAPending bool
	// IdPRoles are kitei roles the provider's groups gave this session.
	IdPRoles []string
}

// Active reports whether the session may be used at now.
func (s Session) Active(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

// APIToken is a bearer token for scripts. Only its hash is stored; Prefix
// (the first characters) lets the owner recognise it in lists.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string `json:"-"`
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Meta describes the request behind an action, for the audit trail.
type Meta struct {
	IP        string
	UserAgent string
}

// Directory answers who a person is today. org.Service implements it.
// Grants returns the person's own unit path, the roles they hold at time at,
// and whether they are still active (false once they have left).
type Directory interface {
	Grants(ctx context.Context, personID int64, at time.Time) (unitPath string, grants []authz.Grant, active bool, err error)
}

// Store keeps accounts, sessions, tokens and settings. Implemented by
// internal/store. Every method that changes something appends its audit
// event in the same transaction; the actor comes from ctx (audit.WithActor)
// unless the event names one.
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	// CreateUser inserts u with its first password hash (also written to the
	// password history) and returns it with its id. Conflict when the login
	// or the person already has an account.
	CreateUser(ctx context.Context, u User, ev *audit.Event) (User, error)
	// User returns the account with id, with its secrets; NotFound if none.
	User(ctx context.Context, id int64) (User, error)
	// UserByLogin returns the account named login, with its secrets.
	UserByLogin(ctx context.Context, login string) (User, error)
	// Users lists every account by login, without secrets.
	Users(ctx context.Context) ([]User, error)
	// ListUsers returns the accounts matching f, by login then id, after
	// f.After and at most f.Limit of them (0: all), without secrets, and
	// how many match f in all.
	ListUsers(ctx context.Context, f UserFilter) ([]User, int, error)
	// PersonByEmployeeNo returns the id of the person with that number.
	PersonByEmployeeNo(ctx context.Context, employeeNo string) (int64, error)

	// SetPassword stores a new hash, records it in the history and sets
	// must_change_password.
	SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, at time.Time, ev *audit.Event) error
	// PasswordHistory returns the hashes set since since, newest first.
	PasswordHistory(ctx context.Context, userID int64, since time.Time) ([]string, error)
	// LoginFailed counts a failed sign-in: the consecutive count restarts
	// after an expired lock; when it reaches lockAfter the account is locked
	// until at+lockFor. It returns the new count and the lock end (zero when
	// not locked). ev is appended, and a lock event too when it locks.
	LoginFailed(ctx context.Context, userID int64, at time.Time, lockAfter int, lockFor time.Duration, ev *audit.Event) (int, time.Time, error)
	// LoginSucceeded resets the failure counts, records the sign-in and
	// creates sess (whose notice fields it fills from the previous sign-in).
	LoginSucceeded(ctx context.Context, userID int64, sess *Session, ev *audit.Event) error
	// SetDisabled disables (at non-zero) or enables (at zero) an account;
	// disabling revokes its sessions and API tokens.
	SetDisabled(ctx context.Context, userID int64, at time.Time, reason string, ev *audit.Event) error
	// SetTOTPSecret stores a pending secret (enabled false) or enables the
	// stored one at step (enabled true); an empty secret removes TOTP.
	SetTOTPSecret(ctx context.Context, userID int64, secret string, enabledAt time.Time, step int64, ev *audit.Event) error
	// UseTOTPStep records step as used; false when it (or a later one) was.
	UseTOTPStep(ctx context.Context, userID int64, step int64) (bool, error)

	Session(ctx context.Context, tokenHash string) (Session, error)
	SessionsOf(ctx context.Context, userID int64, now time.Time) ([]Session, error)
	// TouchSession moves the idle expiry of an active session.
	TouchSession(ctx context.Context, id int64, seen, idleExpires time.Time) error
	// NoticeShown clears the pending last-sign-in notice.
	NoticeShown(ctx context.Context, id int64) error
	// RevokeSession revokes one session (userID 0: whoever owns it). NotFound
	// when no such active session.
	RevokeSession(ctx context.Context, id, userID int64, at time.Time, ev *audit.Event) error
	// RevokeSessions revokes every active session of userID but except.
	RevokeSessions(ctx context.Context, userID, except int64, at time.Time, ev *audit.Event) (int, error)

	CreateToken(ctx context.Context, t APIToken, ev *audit.Event) (APIToken, error)
	Token(ctx context.Context, tokenHash string) (APIToken, error)
	Tokens(ctx context.Context, userID int64) ([]APIToken, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	RevokeToken(ctx context.Context, id, userID int64, at time.Time, ev *audit.Event) error

	// Setting returns the JSON value under key; found false when unset.
	Setting(ctx context.Context, key string) (value string, found bool, err error)
	PutSetting(ctx context.Context, key, value string, at time.Time, ev *audit.Event) error
}

// Audit actions of this package (auth.login, auth.login_failed, auth.logout
// and authz.deny come from package audit).
const (
	ActionLock           = "auth.lock"
	ActionSessionRevoke  = "auth.session_revoke"
	ActionTokenCreate    = "auth.token_create"
	ActionTokenRevoke    = "auth.token_revoke"
	ActionPasswordChange = "user.password_change"
	ActionPasswordReset  = "user.password_reset"
	ActionTOTPEnrol      = "user.totp_enrol"
	ActionTOTPReset      = "user.totp_reset"
	ActionUserDisable    = "user.disable"
	ActionUserEnable     = "user.enable"
	ActionPolicyChange   = "settings.auth_policy"
)
