package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/inventory"
)

// Inventory implements inventory.Store.
type Inventory struct{ db *DB }

// Inventory returns the store of devices, media, areas and contact means.
func (db *DB) Inventory() *Inventory { return &Inventory{db: db} }

var _ inventory.Store = (*Inventory)(nil)

const itemCols = `i.id, i.kind, i.code, i.name, i.unit_id, COALESCE(i.holder_id, 0), i.system_code, i.status, i.due_on, i.data,
	i.retired, i.created_at, i.updated_at, u.code, u.name, u.path, COALESCE(p.employee_no, ''), COALESCE(p.name, '')`

const itemFrom = ` FROM inv_items i JOIN units u ON u.id = i.unit_id LEFT JOIN people p ON p.id = i.holder_id`

func scanItem(row scanner) (inventory.Item, error) {
	var it inventory.Item
	var data, created, updated string
	var retired int
	if err := row.Scan(&it.ID, &it.Kind, &it.Code, &it.Name, &it.UnitID, &it.HolderID, &it.SystemCode, &it.Status, &it.DueOn, &data,
		&retired, &created, &updated, &it.UnitCode, &it.UnitName, &it.UnitPath, &it.HolderNo, &it.HolderName); err != nil {
		return it, err
	}
	it.Retired, it.CreatedAt, it.UpdatedAt = retired != 0, parseTime(created), parseTime(updated)
	return it, inventory.DecodeData(data, &it)
}

func (s *Inventory) record(ctx context.Context, tx *sql.Tx, it inventory.Item, ch inventory.Change) error {
	actor := audit.ActorFrom(ctx)
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO inv_history (item_id, at, actor, actor_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		it.ID, formatTime(at), actor.Login, actor.ID, ch.Action, audit.Details(ch.Detail)); err != nil {
		return err
	}
	kv := map[string]any{"change": ch.Action, "code": it.Code}
	for k, v := range ch.Detail {
		kv[k] = v
	}
	return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "inventory." + it.Kind + "_" + ch.Action, ObjectType: it.Kind,
		ObjectID: strconv.FormatInt(it.ID, 10), UnitID: it.UnitID, Detail: audit.Details(kv)})
}

func (s *Inventory) insert(ctx context.Context, tx *sql.Tx, it *inventory.Item) error {
	data, err := inventory.EncodeData(*it)
	if err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `INSERT INTO inv_items (kind, code, name, unit_id, holder_id, system_code, status, due_on, data,
		retired, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		it.Kind, it.Code, it.Name, it.UnitID, nullID(it.HolderID), it.SystemCode, it.Status, it.DueOn, data, b2i(it.Retired),
		formatTime(it.CreatedAt), formatTime(it.UpdatedAt)).Scan(&it.ID)
}

func (s *Inventory) update(ctx context.Context, tx *sql.Tx, it inventory.Item) error {
	data, err := inventory.EncodeData(it)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE inv_items SET code = $1, name = $2, unit_id = $3, holder_id = $4, system_code = $5,
		status = $6, due_on = $7, data = $8, retired = $9, updated_at = $10 WHERE id = $11`,
		it.Code, it.Name, it.UnitID, nullID(it.HolderID), it.SystemCode, it.Status, it.DueOn, data, b2i(it.Retired), formatTime(it.UpdatedAt), it.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "inv.err.not_found", it.ID)
	}
	return nil
}

func uniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "23505"))
}

// CreateItem implements inventory.Store.
func (s *Inventory) CreateItem(ctx context.Context, it inventory.Item, ch inventory.Change) (inventory.Item, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.insert(ctx, tx, &it); err != nil {
			if uniqueViolation(err) {
				return apperr.E(apperr.Conflict, "inv.err.code_taken", it.Code)
			}
			return err
		}
		return s.record(ctx, tx, it, ch)
	})
	if err != nil {
		return it, err
	}
	return s.Item(ctx, it.ID)
}

// UpdateItem implements inventory.Store.
func (s *Inventory) UpdateItem(ctx context.Context, it inventory.Item, ch inventory.Change) (inventory.Item, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.update(ctx, tx, it); err != nil {
			if uniqueViolation(err) {
				return apperr.E(apperr.Conflict, "inv.err.code_taken", it.Code)
			}
			return err
		}
		return s.record(ctx, tx, it, ch)
	})
	if err != nil {
		return it, err
	}
	return s.Item(ctx, it.ID)
}

// Item implements inventory.Store.
func (s *Inventory) Item(ctx context.Context, id int64) (inventory.Item, error) {
	it, err := scanItem(s.db.R.QueryRowContext(ctx, `SELECT `+itemCols+itemFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.E(apperr.NotFound, "inv.err.not_found", id)
	}
	return it, err
}

// ItemByCode implements inventory.Store.
func (s *Inventory) ItemByCode(ctx context.Context, kind, code string) (inventory.Item, error) {
	it, err := scanItem(s.db.R.QueryRowContext(ctx, `SELECT `+itemCols+itemFrom+` WHERE i.kind = $1 AND i.code = $2`, kind, code))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.E(apperr.NotFound, "inv.err.not_found", code)
	}
	return it, err
}

// itemConds are the conditions of an item list (paging aside); ok is false
// when the filter's scope holds nothing.
func itemConds(f inventory.Filter, args *argList) (conds []string, ok bool) {
	conds = []string{`i.kind = ` + args.add(f.Kind)}
	if !f.Scope.All {
		var or []string
		for _, p := range f.Scope.Paths {
			or = append(or, `u.path LIKE `+args.add(likeEscape(p)+"%")+` ESCAPE '\'`)
		}
		if f.Kind == inventory.KindDevice {
			for _, c := range f.Systems {
				or = append(or, `i.system_code = `+args.add(c))
			}
		}
		if len(or) == 0 {
			return nil, false
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.UnitID != 0 {
		conds = append(conds, `i.unit_id = `+args.add(f.UnitID))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := args.add("%" + likeEscape(q) + "%")
		conds = append(conds, `(i.code LIKE `+like+` ESCAPE '\' OR i.name LIKE `+like+` ESCAPE '\' OR COALESCE(p.name, '') LIKE `+like+` ESCAPE '\')`)
	}
	if f.OverdueOn != "" {
		conds = append(conds, `i.due_on <> '' AND i.due_on < `+args.add(f.OverdueOn))
	}
	if !f.Retired {
		conds = append(conds, `i.retired = 0`)
	}
	return conds, true
}

// Items implements inventory.Store.
func (s *Inventory) Items(ctx context.Context, f inventory.Filter) ([]inventory.Item, error) {
	var args argList
	conds, ok := itemConds(f, &args)
	if !ok {
		return nil, nil
	}
	ks := keyset{col: "i.code", id: "i.id"}
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db.R, `SELECT `+itemCols+itemFrom+where(append(conds, after))+ks.order(f.Limit), scanItem, args...)
}

// CountItems implements inventory.Store.
func (s *Inventory) CountItems(ctx context.Context, f inventory.Filter) (int, error) {
	var args argList
	conds, ok := itemConds(f, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+itemFrom+where(conds), args...).Scan(&n)
	return n, err
}

// History implements inventory.Store.
func (s *Inventory) History(ctx context.Context, id int64) ([]inventory.Change, error) {
	return queryAll(ctx, s.db.R, `SELECT id, at, actor, actor_id, action, detail FROM inv_history WHERE item_id = $1 ORDER BY id DESC`,
		func(row scanner) (inventory.Change, error) {
			var c inventory.Change
			var at, detail string
			if err := row.Scan(&c.ID, &at, &c.Actor, &c.ActorID, &c.Action, &detail); err != nil {
				return c, err
			}
			c.At = parseTime(at)
			_ = json.Unmarshal([]byte(detail), &c.Detail)
			return c, nil
		}, id)
}

// ApplyImport implements inventory.Store.
func (s *Inventory) ApplyImport(ctx context.Context, items []inventory.Item, at time.Time) (added, updated int, err error) {
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		added, updated = 0, 0
		for i := range items {
			it := &items[i]
			ch := inventory.Change{At: at, Action: "import", Detail: map[string]any{"code": it.Code}}
			if it.ID == 0 {
				if err := s.insert(ctx, tx, it); err != nil {
					if uniqueViolation(err) {
						return apperr.E(apperr.Conflict, "inv.err.code_taken", it.Code)
					}
					return err
				}
				added++
			} else {
				if err := s.update(ctx, tx, *it); err != nil {
					return err
				}
				updated++
			}
			if err := s.record(ctx, tx, *it, ch); err != nil {
				return err
			}
		}
		return nil
	})
	return added, updated, err
}

// AddLog implements inventory.Store.
func (s *Inventory) AddLog(ctx context.Context, itemID int64, es []inventory.LogEntry, at time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			left := ""
			if !e.LeftAt.IsZero() {
				left = formatTime(e.LeftAt)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO inv_area_log (item_id, kind, entered_at, left_at, name, affiliation, purpose, escort, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, itemID, e.Kind, formatTime(e.EnteredAt), left, e.Name, e.Affiliation, e.Purpose, e.Escort,
				formatTime(at)); err != nil {
				return err
			}
		}
		kind := ""
		if len(es) > 0 {
			kind = es[0].Kind
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "inventory.area_log_import", ObjectType: "area",
			ObjectID: strconv.FormatInt(itemID, 10), Detail: audit.Details(map[string]any{"rows": len(es), "kind": kind})})
	})
}

// Logs implements inventory.Store.
func (s *Inventory) Logs(ctx context.Context, itemID int64, limit int) ([]inventory.LogEntry, error) {
	return queryAll(ctx, s.db.R, `SELECT id, item_id, kind, entered_at, left_at, name, affiliation, purpose, escort FROM inv_area_log
		WHERE item_id = $1 ORDER BY entered_at DESC, id DESC LIMIT $2`, func(row scanner) (inventory.LogEntry, error) {
		var e inventory.LogEntry
		var in, out string
		err := row.Scan(&e.ID, &e.ItemID, &e.Kind, &in, &out, &e.Name, &e.Affiliation, &e.Purpose, &e.Escort)
		e.EnteredAt = parseTime(in)
		if out != "" {
			e.LeftAt = parseTime(out)
		}
		return e, err
	}, itemID, limit)
}

// Means implements inventory.Store.
func (s *Inventory) Means(ctx context.Context, personIDs []int64) (map[int64][]inventory.Means, error) {
	out := map[int64][]inventory.Means{}
	if len(personIDs) == 0 {
		return out, nil
	}
	var args argList
	var ph []string
	seen := map[int64]bool{}
	for _, id := range personIDs {
		if !seen[id] {
			seen[id] = true
			ph = append(ph, args.add(id))
		}
	}
	type row struct {
		person int64
		m      inventory.Means
	}
	rs, err := queryAll(ctx, s.db.R, `SELECT person_id, kind, value, note FROM contact_means WHERE person_id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`,
		func(sc scanner) (row, error) {
			var r row
			err := sc.Scan(&r.person, &r.m.Kind, &r.m.Value, &r.m.Note)
			return r, err
		}, args...)
	for _, r := range rs {
		out[r.person] = append(out[r.person], r.m)
	}
	return out, err
}

// SaveMeans implements inventory.Store.
func (s *Inventory) SaveMeans(ctx context.Context, personID int64, ms []inventory.Means, at time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_means WHERE person_id = $1`, personID); err != nil {
			return err
		}
		for _, m := range ms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contact_means (person_id, kind, value, note, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				personID, m.Kind, m.Value, m.Note, formatTime(at)); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "contacts.means_save", ObjectType: "person",
			ObjectID: strconv.FormatInt(personID, 10), Detail: audit.Details(map[string]any{"means": len(ms)})})
	})
}

// ClaimJob implements inventory.Store (the shared jobs table).
func (s *Inventory) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return s.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// DeliverJob implements inventory.Store.
func (s *Inventory) DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []inventory.Notice) error {
	return deliverJob(ctx, s.db, key, owner, at, func(tx *sql.Tx) error {
		for _, n := range ns {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
				n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.At)); err != nil {
				return err
			}
		}
		return nil
	}, "inventory.notify", len(ns))
}
