package store

import (
	"context"
	"database/sql"
	"strconv"

	"kitei/internal/audit"
)

// audited runs fn in a write transaction and, when it succeeds, appends an
// audit event for the change in the same transaction: the record and its
// trail commit together or not at all. id points at the record's id, read
// after fn has run (so a new record's id is known).
func (s *Org) audited(ctx context.Context, action, objectType string, id *int64, detail map[string]any, fn func(tx *sql.Tx) error) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		ev := &audit.Event{Action: action, ObjectType: objectType, Detail: audit.Details(detail)}
		if id != nil && *id != 0 {
			ev.ObjectID = strconv.FormatInt(*id, 10)
		}
		return AppendAudit(ctx, tx, s.db.Dialect, ev)
	})
}
