package auth

import (
	"encoding/json"
	"strings"
	"time"

	"kitei/internal/apperr"
)

// Rules are the password and lockout rules for one class of account.
type Rules struct {
	MinLength   int `json:"min_length"`
	MinClasses  int `json:"min_classes"`  // of upper, lower, digit, symbol (1–4)
	LockAfter   int `json:"lock_after"`   // consecutive failures that lock the account
	LockMinutes int `json:"lock_minutes"` // how long the lock lasts
	MaxAgeDays  int `json:"max_age_days"` // 0: no forced periodic change
}

// LockFor is the lock duration.
func (r Rules) LockFor() time.Duration { return time.Duration(r.LockMinutes) * time.Minute }

// Policy is the sign-in policy, edited by the administrator and stored as
// the setting PolicyKey. The defaults are those of rulebook 003 ch.4 §9.3.
type Policy struct {
	General        Rules  `json:"general"`
	Privileged     Rules  `json:"privileged"`
	ReuseDays      int    `json:"reuse_days"`      // no password reuse within this many days
	TOTPPrivileged bool   `json:"totp_privileged"` // privileged users must enrol TOTP
	TOTPEveryone   bool   `json:"totp_everyone"`   // every user must enrol TOTP
	IdleMinutes    int    `json:"idle_minutes"`    // session idle timeout
	LifetimeHours  int    `json:"lifetime_hours"`  // absolute session lifetime
	Banner         string `json:"banner"`          // shown on the sign-in page
}

// PolicyKey is the settings key of the policy.
const PolicyKey = "auth.policy"

// DefaultBanner warns that only authorised use is allowed and that use is
// logged (002 2.1.1.1(1)(l), 2.1.1.4(4)(a)).
const DefaultBanner = "このシステムは、許可された者が業務の目的でのみ利用できます。" +
	"利用状況は記録され、監査されます。許可なく利用した場合は、規程及び法令に基づき処分又は処罰の対象となります。"

// DefaultPolicy returns the 003 defaults.
func DefaultPolicy() Policy {
	return Policy{
		General:        Rules{MinLength: 10, MinClasses: 4, LockAfter: 5, LockMinutes: 60},
		Privileged:     Rules{MinLength: 12, MinClasses: 4, LockAfter: 3, LockMinutes: 360},
		ReuseDays:      365,
		TOTPPrivileged: true,
		IdleMinutes:    30,
		LifetimeHours:  12,
		Banner:         DefaultBanner,
	}
}

// RulesFor returns the rules for a privileged or general account.
func (p Policy) RulesFor(privileged bool) Rules {
	if privileged {
		return p.Privileged
	}
	return p.General
}

// TOTPRequired reports whether an account must have TOTP.
func (p Policy) TOTPRequired(privileged bool) bool {
	return p.TOTPEveryone || p.TOTPPrivileged && privileged
}

// IdleTimeout is the session idle timeout.
func (p Policy) IdleTimeout() time.Duration { return time.Duration(p.IdleMinutes) * time.Minute }

// Lifetime is the absolute session lifetime.
func (p Policy) Lifetime() time.Duration { return time.Duration(p.LifetimeHours) * time.Hour }

func (r Rules) validate(which string, floor Rules) error {
	switch {
	case r.MinLength < floor.MinLength || r.MinLength > 128:
		return apperr.E(apperr.Invalid, "auth.err.minimum_length_between", which, floor.MinLength)
	case r.MinClasses < 1 || r.MinClasses > 4:
		return apperr.E(apperr.Invalid, "auth.err.character_classes_between", which)
	case r.LockAfter < 1 || r.LockAfter > 100:
		return apperr.E(apperr.Invalid, "auth.err.failures_before_lock_between", which)
	case r.LockMinutes < 1 || r.LockMinutes > 7*24*60:
		return apperr.E(apperr.Invalid, "auth.err.lock_duration_between_minute_days", which)
	case r.MaxAgeDays < 0 || r.MaxAgeDays > 3650:
		return apperr.E(apperr.Invalid, "auth.err.maximum_password_age_between_days", which)
	}
	return nil
}

// Validate checks that the policy is usable. It allows stricter settings
// than the defaults and a few weaker ones, but never a password shorter than
// 8 characters or a session without an idle timeout.
func (p *Policy) Validate() error {
	p.Banner = strings.TrimSpace(p.Banner)
	floor := Rules{MinLength: 8}
	if err := p.General.validate("general", floor); err != nil {
		return err
	}
	if err := p.Privileged.validate("privileged", floor); err != nil {
		return err
	}
	switch {
	case p.ReuseDays < 0 || p.ReuseDays > 3650:
		return apperr.E(apperr.Invalid, "auth.err.reuse_period_between_days")
	case p.IdleMinutes < 1 || p.IdleMinutes > 24*60:
		return apperr.E(apperr.Invalid, "auth.err.idle_timeout_between_minute_hours")
	case p.LifetimeHours < 1 || p.LifetimeHours > 24*30:
		return apperr.E(apperr.Invalid, "auth.err.session_lifetime_between_hour_days")
	case len([]rune(p.Banner)) > 2000:
		return apperr.E(apperr.Invalid, "auth.err.banner_exceed_characters")
	}
	return nil
}

func decodePolicy(s string) (Policy, error) {
	p := DefaultPolicy()
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return DefaultPolicy(), err
	}
	if err := p.Validate(); err != nil {
		return DefaultPolicy(), err
	}
	return p, nil
}
