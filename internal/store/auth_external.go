package store

import (
	"context"
	"encoding/json"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/auth"
)

var _ auth.ExternalStore = (*Auth)(nil)

func encodeRoles(r []string) string {
	if len(r) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func decodeRoles(s string) []string {
	var r []string
	_ = json.Unmarshal([]byte(s), &r)
	return r
}

// UserByPerson implements auth.ExternalStore.
func (s *Auth) UserByPerson(ctx context.Context, personID int64) (auth.User, error) {
	return s.userWhere(ctx, `u.person_id = $1`, personID)
}

// PersonByEmail implements auth.ExternalStore (case-insensitive; NotFound
// also when two people share the address, which cannot name one person).
func (s *Auth) PersonByEmail(ctx context.Context, email string) (int64, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id FROM people WHERE LOWER(email) = $1 AND email <> ''`, strings.ToLower(email))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, apperr.E(apperr.NotFound, "auth.err.no_single_person_email")
	}
	return ids[0], nil
}

// ClearMFAPending implements auth.ExternalStore.
func (s *Auth) ClearMFAPending(ctx context.Context, sessionID int64) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE sessions SET mfa_pending = 0 WHERE id = $1 AND revoked_at IS NULL`, sessionID)
	if err := oneRow(res, err, "session"); err != nil {
		return err
	}
	return nil
}

// Leavers implements auth.ExternalStore: enabled accounts of people who
// have left.
func (s *Auth) Leavers(ctx context.Context) ([]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT u.id FROM users u JOIN people p ON p.id = u.person_id
		WHERE p.status = 'left' AND u.disabled_at IS NULL ORDER BY u.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
