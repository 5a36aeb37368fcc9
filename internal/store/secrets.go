package store

import (
	"context"
	"database/sql"
	"strconv"

	"kitei/internal/audit"
)

// totpPlace binds a sealed TOTP seed to its account row.
func totpPlace(userID int64) string { return "users.totp_secret:" + strconv.FormatInt(userID, 10) }

func (s *Auth) sealTOTP(userID int64, secret string) (string, error) {
	if s.db.Secrets == nil {
		return secret, nil
	}
	return s.db.Secrets.Seal(secret, totpPlace(userID))
}

// ResealSecrets seals every stored secret under the primary key of
// db.Secrets: plain ones written before encryption was turned on, and ones
// sealed under an older key (rotation). It returns how many it rewrote, in
// one transaction with an audit event.
func (db *DB) ResealSecrets(ctx context.Context) (int, error) {
	if db.Secrets == nil {
		return 0, nil
	}
	n := 0
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret <> ''`)
		if err != nil {
			return err
		}
		type row struct {
			id int64
			v  string
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.v); err != nil {
				rows.Close()
				return err
			}
			if !db.Secrets.Current(r.v) {
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			plain, err := db.Secrets.Open(r.v, totpPlace(r.id))
			if err != nil {
				return err
			}
			sealed, err := db.Secrets.Seal(plain, totpPlace(r.id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2`, sealed, r.id); err != nil {
				return err
			}
		}
		n = len(todo)
		if n == 0 {
			return nil
		}
		return AppendAudit(ctx, tx, db.Dialect, &audit.Event{Action: "secrets.reseal", ObjectType: "secrets",
			Detail: audit.Details(map[string]any{"key": db.Secrets.Primary(), "rewritten": n})})
	})
	return n, err
}
