package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
)

// Auth implements auth.Store.
type Auth struct{ db *DB }

// Auth returns the sign-in store.
func (db *DB) Auth() *Auth { return &Auth{db: db} }

var _ auth.Store = (*Auth)(nil)

// authTime is the fixed-width UTC layout of the sign-in tables, so that
// times compare correctly as text in SQL on both engines.
const authTime = "2006-01-02T15:04:05.000000Z"

func atext(t time.Time) string { return t.UTC().Format(authTime) }

// anull is a nullable time: NULL for the zero time.
func anull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return atext(t)
}

func aparse(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, _ := time.Parse(authTime, s.String)
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendEvent appends ev inside tx when there is one.
func (s *Auth) appendEvent(ctx context.Context, tx *sql.Tx, ev *audit.Event) error {
	if ev == nil {
		return nil
	}
	return AppendAudit(ctx, tx, s.db.Dialect, ev)
}

func isUniqueViolation(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key")
}

const userCols = `u.id, u.login, COALESCE(u.person_id, 0), COALESCE(p.employee_no, ''),
	CASE WHEN p.name IS NULL THEN u.display_name ELSE p.name END,
	u.is_admin, u.must_change_password, u.password_changed_at, u.totp_enabled_at,
	u.last_login_at, u.last_login_ip, u.failed_count, u.failed_since_login, u.locked_until,
	u.disabled_at, u.disabled_reason, u.created_at, u.password_hash, u.totp_secret, u.totp_last_step`

const userFrom = ` FROM users u LEFT JOIN people p ON p.id = u.person_id`

func scanUser(row scanner) (auth.User, error) {
	var (
		u                                   auth.User
		admin, must                         int
		changed, created                    string
		totpAt, lastLogin, locked, disabled sql.NullString
	)
	err := row.Scan(&u.ID, &u.Login, &u.PersonID, &u.EmployeeNo, &u.Name, &admin, &must, &changed, &totpAt,
		&lastLogin, &u.LastLoginIP, &u.FailedCount, &u.FailedSinceLogin, &locked, &disabled, &u.DisabledReason,
		&created, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep)
	if err != nil {
		return u, err
	}
	u.IsAdmin, u.MustChangePassword = admin != 0, must != 0
	u.PasswordChangedAt = aparse(sql.NullString{String: changed, Valid: true})
	u.CreatedAt = aparse(sql.NullString{String: created, Valid: true})
	u.TOTPEnabled = totpAt.Valid
	u.LastLoginAt, u.LockedUntil, u.DisabledAt = aparse(lastLogin), aparse(locked), aparse(disabled)
	return u, nil
}

// CountUsers implements auth.Store.
func (s *Auth) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CreateUser implements auth.Store.
func (s *Auth) CreateUser(ctx context.Context, u auth.User, ev *audit.Event) (auth.User, error) {
	var person any
	if u.PersonID != 0 {
		person = u.PersonID
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := atext(u.CreatedAt)
		if u.PersonID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, u.PersonID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.E(apperr.NotFound, "auth.err.person_id", u.PersonID)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (login, person_id, display_name, is_admin, password_hash,
			password_changed_at, must_change_password, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			u.Login, person, u.Name, b2i(u.IsAdmin), u.PasswordHash, now, b2i(u.MustChangePassword), now).Scan(&u.ID)
		if err != nil {
			if isUniqueViolation(err) {
				return apperr.E(apperr.Conflict, "auth.err.account_login_person_already_exists", u.Login)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)`,
			u.ID, u.PasswordHash, now); err != nil {
			return err
		}
		if ev != nil {
			ev.ObjectID = strconv.FormatInt(u.ID, 10)
		}
		return s.appendEvent(ctx, tx, ev)
	})
	if err != nil {
		return auth.User{}, err
	}
	return s.User(ctx, u.ID)
}

func (s *Auth) userWhere(ctx context.Context, where string, arg any) (auth.User, error) {
	u, err := scanUser(s.db.R.QueryRowContext(ctx, `SELECT `+userCols+userFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.E(apperr.NotFound, "auth.err.such_account")
	}
	if err != nil {
		return u, fmt.Errorf("read account: %w", err)
	}
	// A seed that does not open (key lost, value tampered or moved) reads
	// as none: its codes are refused, and the account can still be
	// disabled, reset and listed.
	if u.TOTPSecret, err = s.db.Secrets.Open(u.TOTPSecret, totpPlace(u.ID)); err != nil {
		u.TOTPSecret = ""
	}
	return u, nil
}

// User implements auth.Store.
func (s *Auth) User(ctx context.Context, id int64) (auth.User, error) {
	return s.userWhere(ctx, `u.id = $1`, id)
}

// UserByLogin implements auth.Store.
func (s *Auth) UserByLogin(ctx context.Context, login string) (auth.User, error) {
	return s.userWhere(ctx, `u.login = $1`, login)
}

// Users implements auth.Store.
func (s *Auth) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+userCols+userFrom+` ORDER BY u.login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		u.PasswordHash, u.TOTPSecret, u.TOTPLastStep = "", "", 0
		out = append(out, u)
	}
	return out, rows.Err()
}

// ListUsers implements auth.Store.
func (s *Auth) ListUsers(ctx context.Context, f auth.UserFilter) ([]auth.User, int, error) {
	var args argList
	var conds []string
	if f.Query != "" {
		pat := args.add("%" + likeEscape(strings.ToLower(f.Query)) + "%")
		var or []string
		for _, col := range []string{"u.login", "u.display_name", "COALESCE(p.name, '')", "COALESCE(p.employee_no, '')"} {
			or = append(or, "LOWER("+col+") LIKE "+pat+` ESCAPE '\'`)
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	var total int
	if err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+userFrom+where(conds), args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	ks := keyset{col: "u.login", id: "u.id"}
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, s.db.R, `SELECT `+userCols+userFrom+where(append(conds, after))+ks.order(f.Limit), scanUser, args...)
	for i := range out {
		out[i].PasswordHash, out[i].TOTPSecret, out[i].TOTPLastStep = "", "", 0
	}
	return out, total, err
}

// PersonByEmployeeNo implements auth.Store.
func (s *Auth) PersonByEmployeeNo(ctx context.Context, no string) (int64, error) {
	var id int64
	err := s.db.R.QueryRowContext(ctx, `SELECT id FROM people WHERE employee_no = $1`, no).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.E(apperr.NotFound, "auth.err.person_employee_number", no)
	}
	return id, err
}

// SetPassword implements auth.Store. A new password also lifts a lock.
func (s *Auth) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, at time.Time, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2,
			must_change_password = $3, failed_count = 0, locked_until = NULL, updated_at = $2 WHERE id = $4`,
			hash, atext(at), b2i(mustChange), userID)
		if err := oneRow(res, err, "account"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)`,
			userID, hash, atext(at)); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.E(apperr.NotFound, "auth.err.such", what)
	}
	return nil
}

// PasswordHistory implements auth.Store.
func (s *Auth) PasswordHistory(ctx context.Context, userID int64, since time.Time) ([]string, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT password_hash FROM password_history
		WHERE user_id = $1 AND set_at >= $2 ORDER BY set_at DESC, id DESC`, userID, atext(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// LoginFailed implements auth.Store.
func (s *Auth) LoginFailed(ctx context.Context, userID int64, at time.Time, lockAfter int, lockFor time.Duration, ev *audit.Event) (int, time.Time, error) {
	var (
		count int
		until time.Time
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		q := `SELECT failed_count, locked_until FROM users WHERE id = $1`
		if s.db.Dialect == Postgres {
			q += ` FOR UPDATE`
		}
		var locked sql.NullString
		if err := tx.QueryRowContext(ctx, q, userID).Scan(&count, &locked); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "auth.err.such_account")
			}
			return err
		}
		if prev := aparse(locked); !prev.IsZero() && !at.Before(prev) {
			count = 0 // the previous lock has run out: count afresh
		}
		count++
		until = time.Time{}
		if count >= lockAfter {
			until = at.Add(lockFor)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = $1, failed_since_login = failed_since_login + 1,
			last_failed_at = $2, locked_until = $3 WHERE id = $4`, count, atext(at), anull(until), userID); err != nil {
			return err
		}
		if ev != nil {
			d := ev.DetailMap()
			if d == nil {
				d = map[string]any{}
			}
			d["failed_count"] = count
			ev.Detail = audit.Details(d)
		}
		if err := s.appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		if !until.IsZero() && ev != nil {
			lock := &audit.Event{At: ev.At, Actor: ev.Actor, ActorID: ev.ActorID, IP: ev.IP, Action: auth.ActionLock,
				ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10),
				Detail: audit.Details(map[string]any{"until": atext(until), "failed_count": count})}
			return s.appendEvent(ctx, tx, lock)
		}
		return nil
	})
	return count, until, err
}

const sessionCols = `id, user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at, revoked_at,
	ip, user_agent, notice_pending, prev_login_at, prev_login_ip, prev_failed, method, mfa_pending, idp_roles`

func scanSession(row scanner) (auth.Session, error) {
	var (
		ss                           auth.Session
		created, seen, idle, expires string
		revoked, prevLogin           sql.NullString
		notice, mfa                  int
		roles                        string
	)
	err := row.Scan(&ss.ID, &ss.UserID, &ss.TokenHash, &created, &seen, &idle, &expires, &revoked,
		&ss.IP, &ss.UserAgent, &notice, &prevLogin, &ss.PrevLoginIP, &ss.PrevFailed, &ss.Method, &mfa, &roles)
	if err != nil {
		return ss, err
	}
	ss.MFAPending, ss.IdPRoles = mfa != 0, decodeRoles(roles)
	valid := func(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
	ss.CreatedAt, ss.LastSeenAt = aparse(valid(created)), aparse(valid(seen))
	ss.IdleExpiresAt, ss.ExpiresAt = aparse(valid(idle)), aparse(valid(expires))
	ss.RevokedAt, ss.PrevLoginAt = aparse(revoked), aparse(prevLogin)
	ss.NoticePending = notice != 0
	return ss, nil
}

// LoginSucceeded implements auth.Store.
func (s *Auth) LoginSucceeded(ctx context.Context, userID int64, sess *auth.Session, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		at := atext(sess.CreatedAt)
		res, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1, last_login_ip = $2, failed_count = 0,
			failed_since_login = 0, locked_until = NULL WHERE id = $3`, at, sess.IP, userID)
		if err := oneRow(res, err, "account"); err != nil {
			return err
		}
		if sess.Method == "" {
			sess.Method = "password"
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at,
			idle_expires_at, expires_at, ip, user_agent, notice_pending, prev_login_at, prev_login_ip, prev_failed,
			method, mfa_pending, idp_roles)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			sess.TokenHash, userID, at, atext(sess.LastSeenAt), atext(sess.IdleExpiresAt), atext(sess.ExpiresAt),
			sess.IP, sess.UserAgent, b2i(sess.NoticePending), anull(sess.PrevLoginAt), sess.PrevLoginIP, sess.PrevFailed,
			sess.Method, b2i(sess.MFAPending), encodeRoles(sess.IdPRoles)).
			Scan(&sess.ID)
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// SetDisabled implements auth.Store.
func (s *Auth) SetDisabled(ctx context.Context, userID int64, at time.Time, reason string, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var (
			res sql.Result
			err error
		)
		if at.IsZero() {
			res, err = tx.ExecContext(ctx, `UPDATE users SET disabled_at = NULL, disabled_reason = '', failed_count = 0,
				locked_until = NULL WHERE id = $1`, userID)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE users SET disabled_at = $1, disabled_reason = $2, updated_at = $1
				WHERE id = $3`, atext(at), reason, userID)
		}
		if err := oneRow(res, err, "account"); err != nil {
			return err
		}
		if !at.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
				atext(at), userID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
				atext(at), userID); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// SetTOTPSecret implements auth.Store.
func (s *Auth) SetTOTPSecret(ctx context.Context, userID int64, secret string, enabledAt time.Time, step int64, ev *audit.Event) error {
	secret, err := s.sealTOTP(userID, secret)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3
			WHERE id = $4`, secret, anull(enabledAt), step, userID)
		if err := oneRow(res, err, "account"); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// UseTOTPStep implements auth.Store: one conditional update, so two replicas
// cannot both accept the same code.
func (s *Auth) UseTOTPStep(ctx context.Context, userID int64, step int64) (bool, error) {
	res, err := s.db.W.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Session implements auth.Store.
func (s *Auth) Session(ctx context.Context, tokenHash string) (auth.Session, error) {
	ss, err := scanSession(s.db.R.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, apperr.E(apperr.NotFound, "auth.err.such_session")
	}
	return ss, err
}

// SessionsOf implements auth.Store: the sessions still usable at now.
func (s *Auth) SessionsOf(ctx context.Context, userID int64, now time.Time) ([]auth.Session, error) {
	n := atext(now)
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND expires_at > $2
		ORDER BY last_seen_at DESC, id DESC`, userID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// TouchSession implements auth.Store.
func (s *Auth) TouchSession(ctx context.Context, id int64, seen, idleExpires time.Time) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2
		WHERE id = $3 AND revoked_at IS NULL`, atext(seen), atext(idleExpires), id)
	return err
}

// NoticeShown implements auth.Store.
func (s *Auth) NoticeShown(ctx context.Context, id int64) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE sessions SET notice_pending = 0 WHERE id = $1`, id)
	return err
}

// RevokeSession implements auth.Store.
func (s *Auth) RevokeSession(ctx context.Context, id, userID int64, at time.Time, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1
			WHERE id = $2 AND ($3 = 0 OR user_id = $3) AND revoked_at IS NULL`, atext(at), id, userID)
		if err := oneRow(res, err, "session"); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// RevokeSessions implements auth.Store.
func (s *Auth) RevokeSessions(ctx context.Context, userID, except int64, at time.Time, ev *audit.Event) (int, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1
			WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`, atext(at), userID, except)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if ev != nil {
			ev.Detail = audit.Details(map[string]any{"sessions": n})
		}
		return s.appendEvent(ctx, tx, ev)
	})
	return int(n), err
}

const tokenCols = `id, user_id, name, token_hash, prefix, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (auth.APIToken, error) {
	var (
		t             auth.APIToken
		created       string
		used, revoked sql.NullString
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, &created, &used, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt = aparse(sql.NullString{String: created, Valid: true})
	t.LastUsedAt, t.RevokedAt = aparse(used), aparse(revoked)
	return t, nil
}

// CreateToken implements auth.Store.
func (s *Auth) CreateToken(ctx context.Context, t auth.APIToken, ev *audit.Event) (auth.APIToken, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.UserID, t.Name, t.TokenHash, t.Prefix, atext(t.CreatedAt)).
			Scan(&t.ID); err != nil {
			return err
		}
		if ev != nil {
			ev.ObjectID = strconv.FormatInt(t.ID, 10)
		}
		return s.appendEvent(ctx, tx, ev)
	})
	return t, err
}

// Token implements auth.Store.
func (s *Auth) Token(ctx context.Context, tokenHash string) (auth.APIToken, error) {
	t, err := scanToken(s.db.R.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.E(apperr.NotFound, "auth.err.such_token")
	}
	return t, err
}

// Tokens implements auth.Store.
func (s *Auth) Tokens(ctx context.Context, userID int64) ([]auth.APIToken, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		t.TokenHash = ""
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchToken implements auth.Store.
func (s *Auth) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, atext(at), id)
	return err
}

// RevokeToken implements auth.Store.
func (s *Auth) RevokeToken(ctx context.Context, id, userID int64, at time.Time, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1
			WHERE id = $2 AND ($3 = 0 OR user_id = $3) AND revoked_at IS NULL`, atext(at), id, userID)
		if err := oneRow(res, err, "token"); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// Setting implements auth.Store.
func (s *Auth) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// PutSetting implements auth.Store.
func (s *Auth) PutSetting(ctx context.Context, key, value string, at time.Time, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, value, atext(at)); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}
