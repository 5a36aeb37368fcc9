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
	"kitei/internal/authz"
	"kitei/internal/org"
)

// Org implements org.Store.
type Org struct{ db *DB }

// Org returns the organisation store.
func (db *DB) Org() *Org { return &Org{db: db} }

var _ org.Store = (*Org)(nil)

// isUnique reports whether err is a unique-constraint violation on either engine.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

func nowText() string { return formatTime(time.Now()) }

// nullID turns 0 into NULL for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// argList collects query arguments and hands out their $N placeholders.
type argList []any

func (a *argList) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// likeEscape escapes LIKE wildcards in user text (ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// scopeCond returns a condition keeping rows whose path column is inside
// sc ("" when sc is everything, a false condition when it is empty).
func scopeCond(col string, sc authz.Scope, args *argList) string {
	if sc.All {
		return ""
	}
	if len(sc.Paths) == 0 {
		return "1 = 0"
	}
	parts := make([]string, len(sc.Paths))
	for i, p := range sc.Paths {
		parts[i] = col + " LIKE " + args.add(likeEscape(p)+"%") + ` ESCAPE '\'`
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// personKeys orders people by employee number (unique), for every list
// of people.
var personKeys = keyset{col: "p.employee_no", id: "p.id"}

func where(conds []string) string {
	var keep []string
	for _, c := range conds {
		if c != "" {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(keep, " AND ")
}

// ---- units ----

const unitCols = `u.id, u.code, u.name, u.name_en, u.kind, COALESCE(u.parent_id, 0), u.path, u.retired_at IS NOT NULL`

func scanUnit(row scanner) (org.Unit, error) {
	var u org.Unit
	err := row.Scan(&u.ID, &u.Code, &u.Name, &u.NameEn, &u.Kind, &u.ParentID, &u.Path, &u.Retired)
	u.Depth = strings.Count(u.Path, "/") - 2
	return u, err
}

func unitErr(err error, u org.Unit) error {
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "org.err.unit_code_already_used", u.Code)
	}
	return err
}

func parentPath(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, parentID int64) (string, error) {
	if parentID == 0 {
		return "/", nil
	}
	var p string
	err := q.QueryRowContext(ctx, `SELECT path FROM units WHERE id = $1`, parentID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.E(apperr.NotFound, "org.err.unit_id", parentID)
	}
	return p, err
}

// CreateUnit implements org.Store.
func (s *Org) CreateUnit(ctx context.Context, u org.Unit) (org.Unit, error) {
	err := s.audited(ctx, "org.unit.create", "unit", &u.ID, map[string]any{"code": u.Code, "name": u.Name, "parent_id": u.ParentID}, func(tx *sql.Tx) error {
		pp, err := parentPath(ctx, tx, u.ParentID)
		if err != nil {
			return err
		}
		now := nowText()
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (code, name, name_en, kind, parent_id, path, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '', $6, $6) RETURNING id`,
			u.Code, u.Name, u.NameEn, u.Kind, nullID(u.ParentID), now).Scan(&u.ID); err != nil {
			return unitErr(err, u)
		}
		u.Path = pp + strconv.FormatInt(u.ID, 10) + "/"
		_, err = tx.ExecContext(ctx, `UPDATE units SET path = $1 WHERE id = $2`, u.Path, u.ID)
		return err
	})
	if err != nil {
		return u, err
	}
	return s.Unit(ctx, u.ID)
}

// UpdateUnit implements org.Store.
func (s *Org) UpdateUnit(ctx context.Context, u org.Unit) (org.Unit, error) {
	err := s.audited(ctx, "org.unit.update", "unit", &u.ID, map[string]any{"code": u.Code, "name": u.Name, "kind": u.Kind, "parent_id": u.ParentID}, func(tx *sql.Tx) error {
		old, err := scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units u WHERE u.id = $1`, u.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "org.err.unit_id", u.ID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE units SET code = $1, name = $2, name_en = $3, kind = $4, parent_id = $5, updated_at = $6 WHERE id = $7`,
			u.Code, u.Name, u.NameEn, u.Kind, nullID(u.ParentID), nowText(), u.ID); err != nil {
			return unitErr(err, u)
		}
		if old.ParentID == u.ParentID {
			return nil
		}
		pp, err := parentPath(ctx, tx, u.ParentID)
		if err != nil {
			return err
		}
		if strings.HasPrefix(pp, old.Path) {
			return apperr.E(apperr.Invalid, "org.err.unit_cannot_move_under_itself", old.Code)
		}
		return movePaths(ctx, tx, old.Path, pp+strconv.FormatInt(u.ID, 10)+"/")
	})
	if err != nil {
		return u, err
	}
	return s.Unit(ctx, u.ID)
}

// movePaths rewrites the path prefix from → to on a subtree.
func movePaths(ctx context.Context, tx *sql.Tx, from, to string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, path FROM units WHERE path LIKE $1`, from+"%")
	if err != nil {
		return err
	}
	type idPath struct {
		id   int64
		path string
	}
	var sub []idPath
	for rows.Next() {
		var x idPath
		if err := rows.Scan(&x.id, &x.path); err != nil {
			rows.Close()
			return err
		}
		sub = append(sub, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range sub {
		if _, err := tx.ExecContext(ctx, `UPDATE units SET path = $1 WHERE id = $2`, to+strings.TrimPrefix(x.path, from), x.id); err != nil {
			return err
		}
	}
	return nil
}

// RetireUnit implements org.Store.
func (s *Org) RetireUnit(ctx context.Context, id int64, day string) error {
	return s.audited(ctx, "org.unit.retire", "unit", &id, map[string]any{"retired_on": day}, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE units SET retired_at = $1, updated_at = $2 WHERE id = $3 AND retired_at IS NULL`, day, nowText(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var x int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM units WHERE id = $1`, id).Scan(&x); errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "org.err.unit_id", id)
			}
		}
		return nil
	})
}

// Unit implements org.Store.
func (s *Org) Unit(ctx context.Context, id int64) (org.Unit, error) {
	u, err := scanUnit(s.db.R.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units u WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.E(apperr.NotFound, "org.err.unit_id", id)
	}
	return u, err
}

// UnitByCode implements org.Store.
func (s *Org) UnitByCode(ctx context.Context, code string) (org.Unit, error) {
	u, err := scanUnit(s.db.R.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units u WHERE u.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.E(apperr.NotFound, "org.err.unit_code", code)
	}
	return u, err
}

// Units implements org.Store.
func (s *Org) Units(ctx context.Context, f org.UnitFilter) ([]org.Unit, error) {
	var args argList
	conds := []string{scopeCond("u.path", f.Scope, &args)}
	if !f.IncludeRetired {
		conds = append(conds, "u.retired_at IS NULL")
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+unitCols+` FROM units u`+where(conds)+` ORDER BY u.path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ---- people ----

const personCols = `p.id, p.employee_no, p.name, p.name_kana, p.email, p.unit_id, p.status,
	p.joined_on, p.transferred_on, p.left_on, u.code, u.name, u.path`

func scanPerson(row scanner) (org.Person, error) {
	var p org.Person
	err := row.Scan(&p.ID, &p.EmployeeNo, &p.Name, &p.NameKana, &p.Email, &p.UnitID, &p.Status,
		&p.JoinedOn, &p.TransferredOn, &p.LeftOn, &p.UnitCode, &p.UnitName, &p.UnitPath)
	return p, err
}

func personErr(err error, p org.Person) error {
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "org.err.employee_number_already_used", p.EmployeeNo)
	}
	return err
}

// CreatePerson implements org.Store.
func (s *Org) CreatePerson(ctx context.Context, p org.Person) (org.Person, error) {
	err := s.audited(ctx, "org.person.create", "person", &p.ID, map[string]any{"employee_no": p.EmployeeNo, "unit_id": p.UnitID, "status": p.Status}, func(tx *sql.Tx) error {
		now := nowText()
		return personErr(tx.QueryRowContext(ctx, `INSERT INTO people (employee_no, name, name_kana, email, unit_id, status,
			joined_on, transferred_on, left_on, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			p.EmployeeNo, p.Name, p.NameKana, p.Email, p.UnitID, p.Status, p.JoinedOn, p.TransferredOn, p.LeftOn, now).Scan(&p.ID), p)
	})
	if err != nil {
		return p, err
	}
	return s.Person(ctx, p.ID)
}

// UpdatePerson implements org.Store.
func (s *Org) UpdatePerson(ctx context.Context, p org.Person) (org.Person, error) {
	err := s.audited(ctx, "org.person.update", "person", &p.ID, map[string]any{"employee_no": p.EmployeeNo, "unit_id": p.UnitID, "status": p.Status, "left_on": p.LeftOn}, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE people SET employee_no = $1, name = $2, name_kana = $3, email = $4, unit_id = $5,
			status = $6, joined_on = $7, transferred_on = $8, left_on = $9, updated_at = $10 WHERE id = $11`,
			p.EmployeeNo, p.Name, p.NameKana, p.Email, p.UnitID, p.Status, p.JoinedOn, p.TransferredOn, p.LeftOn, nowText(), p.ID)
		if err != nil {
			return personErr(err, p)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "org.err.person_id", p.ID)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	return s.Person(ctx, p.ID)
}

// Person implements org.Store.
func (s *Org) Person(ctx context.Context, id int64) (org.Person, error) {
	p, err := scanPerson(s.db.R.QueryRowContext(ctx, `SELECT `+personCols+` FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.E(apperr.NotFound, "org.err.person_id", id)
	}
	return p, err
}

// PersonByEmployeeNo implements org.Store.
func (s *Org) PersonByEmployeeNo(ctx context.Context, no string) (org.Person, error) {
	p, err := scanPerson(s.db.R.QueryRowContext(ctx, `SELECT `+personCols+` FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employee_no = $1`, no))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.E(apperr.NotFound, "org.err.person_employee_number", no)
	}
	return p, err
}

// toKatakana maps hiragana to katakana so a kana search matches either.
func toKatakana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ぁ' && r <= 'ゖ' {
			return r + ('ァ' - 'ぁ')
		}
		return r
	}, s)
}

// People implements org.Store.
func (s *Org) People(ctx context.Context, f org.PersonFilter) ([]org.Person, int, error) {
	var args argList
	conds := []string{scopeCond("u.path", f.Scope, &args)}
	if f.Query != "" {
		pat := args.add("%" + likeEscape(f.Query) + "%")
		or := []string{"p.name LIKE " + pat + ` ESCAPE '\'`, "p.name_kana LIKE " + pat + ` ESCAPE '\'`,
			"p.employee_no LIKE " + pat + ` ESCAPE '\'`, "LOWER(p.email) LIKE " + args.add("%"+likeEscape(strings.ToLower(f.Query))+"%") + ` ESCAPE '\'`}
		if k := toKatakana(f.Query); k != f.Query {
			or = append(or, "p.name_kana LIKE "+args.add("%"+likeEscape(k)+"%")+` ESCAPE '\'`)
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.UnitID != 0 {
		if f.Subtree {
			conds = append(conds, "u.path LIKE (SELECT path FROM units WHERE id = "+args.add(f.UnitID)+") || '%'")
		} else {
			conds = append(conds, "p.unit_id = "+args.add(f.UnitID))
		}
	}
	if f.Status != "" {
		conds = append(conds, "p.status = "+args.add(f.Status))
	}
	if f.NotLeft {
		conds = append(conds, "p.status <> 'left'")
	}
	from := ` FROM people p JOIN units u ON u.id = p.unit_id`
	var total int
	if err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+from+where(conds), args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	ks := personKeys
	if f.Query != "" {
		// A search reads every person anyway: scanning the table and
		// sorting the matches beats walking the number index row by row
		// when the matches are few (the planner cannot tell).
		ks.col = "(p.employee_no || '')"
	}
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + personCols + from + where(append(conds, after)) + ks.order(f.Limit)
	if f.Limit > 0 && f.Offset > 0 {
		q += " OFFSET " + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []org.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// ---- roles ----

const roleCols = `id, key, name, name_en, scope, privileged, ord, retired_at IS NOT NULL`

func scanRole(row scanner) (org.Role, error) {
	var r org.Role
	err := row.Scan(&r.ID, &r.Key, &r.Name, &r.NameEn, &r.Scope, &r.Privileged, &r.Ord, &r.Retired)
	return r, err
}

// EnsureRoles implements org.Store.
func (s *Org) EnsureRoles(ctx context.Context, roles []org.Role) (int, error) {
	added := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := nowText()
		for _, r := range roles {
			res, err := tx.ExecContext(ctx, `INSERT INTO roles (key, name, name_en, scope, privileged, ord, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
				r.Key, r.Name, r.NameEn, r.Scope, r.Privileged, r.Ord, now)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}

// CreateRole implements org.Store.
func (s *Org) CreateRole(ctx context.Context, r org.Role) (org.Role, error) {
	err := s.audited(ctx, "org.role.create", "role", &r.ID, map[string]any{"key": r.Key, "name": r.Name}, func(tx *sql.Tx) error {
		if r.Ord == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), 0) + 10 FROM roles`).Scan(&r.Ord); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO roles (key, name, name_en, scope, privileged, ord, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			r.Key, r.Name, r.NameEn, r.Scope, r.Privileged, r.Ord, nowText()).Scan(&r.ID)
		if isUnique(err) {
			return apperr.E(apperr.Conflict, "org.err.role_key_already_used", r.Key)
		}
		return err
	})
	return r, err
}

// UpdateRole implements org.Store.
func (s *Org) UpdateRole(ctx context.Context, r org.Role) (org.Role, error) {
	err := s.audited(ctx, "org.role.update", "role", nil, map[string]any{"key": r.Key, "name": r.Name, "retired": r.Retired, "privileged": r.Privileged}, func(tx *sql.Tx) error {
		var retired any
		if r.Retired {
			retired = org.Day(time.Now())
		}
		res, err := tx.ExecContext(ctx, `UPDATE roles SET name = $1, name_en = $2, privileged = $3,
			retired_at = CASE WHEN $4 = 1 THEN COALESCE(retired_at, $5) ELSE NULL END WHERE key = $6`,
			r.Name, r.NameEn, r.Privileged, boolInt(r.Retired), retired, r.Key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "org.err.role", r.Key)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	return s.RoleByKey(ctx, r.Key)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Roles implements org.Store.
func (s *Org) Roles(ctx context.Context) ([]org.Role, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+roleCols+` FROM roles ORDER BY ord, key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RoleByKey implements org.Store.
func (s *Org) RoleByKey(ctx context.Context, key string) (org.Role, error) {
	r, err := scanRole(s.db.R.QueryRowContext(ctx, `SELECT `+roleCols+` FROM roles WHERE key = $1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.E(apperr.NotFound, "org.err.role2", key)
	}
	return r, err
}

// ---- assignments ----

const assignmentSelect = `SELECT a.id, a.person_id, a.role_id, r.key, COALESCE(a.unit_id, 0), a.system_ref, a.starts_on, a.ends_on, a.note,
	r.name, r.scope, r.privileged, r.retired_at IS NOT NULL, COALESCE(u.code, ''), COALESCE(u.name, ''), COALESCE(u.path, ''),
	p.employee_no, p.name, p.email, p.status` + assignmentFrom

const assignmentFrom = ` FROM assignments a JOIN roles r ON r.id = a.role_id JOIN people p ON p.id = a.person_id
	JOIN units pu ON pu.id = p.unit_id LEFT JOIN units u ON u.id = a.unit_id`

func scanAssignment(row scanner) (org.Assignment, error) {
	var a org.Assignment
	err := row.Scan(&a.ID, &a.PersonID, &a.RoleID, &a.RoleKey, &a.UnitID, &a.SystemRef, &a.StartsOn, &a.EndsOn, &a.Note,
		&a.RoleName, &a.RoleScope, &a.Privileged, &a.RoleRetired, &a.UnitCode, &a.UnitName, &a.UnitPath,
		&a.EmployeeNo, &a.PersonName, &a.PersonEmail, &a.PersonStatus)
	return a, err
}

// CreateAssignment implements org.Store.
func (s *Org) CreateAssignment(ctx context.Context, a org.Assignment) (org.Assignment, error) {
	err := s.audited(ctx, "org.assignment.create", "assignment", &a.ID, map[string]any{"person_id": a.PersonID, "role_id": a.RoleID, "unit_id": a.UnitID, "system_ref": a.SystemRef, "starts_on": a.StartsOn}, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO assignments (person_id, role_id, unit_id, system_ref, starts_on, ends_on, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			a.PersonID, a.RoleID, nullID(a.UnitID), a.SystemRef, a.StartsOn, a.EndsOn, a.Note, nowText()).Scan(&a.ID)
	})
	if err != nil {
		return a, err
	}
	return s.Assignment(ctx, a.ID)
}

// EndAssignment implements org.Store.
func (s *Org) EndAssignment(ctx context.Context, id int64, endsOn string) (org.Assignment, error) {
	err := s.audited(ctx, "org.assignment.end", "assignment", &id, map[string]any{"ends_on": endsOn}, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE assignments SET ends_on = $1 WHERE id = $2`, endsOn, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "org.err.appointment_id", id)
		}
		return nil
	})
	if err != nil {
		return org.Assignment{}, err
	}
	return s.Assignment(ctx, id)
}

// Assignment implements org.Store.
func (s *Org) Assignment(ctx context.Context, id int64) (org.Assignment, error) {
	a, err := scanAssignment(s.db.R.QueryRowContext(ctx, assignmentSelect+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.E(apperr.NotFound, "org.err.appointment_id", id)
	}
	return a, err
}

func assignmentConds(f org.AssignmentFilter, args *argList) []string {
	var conds []string
	if f.PersonID != 0 {
		conds = append(conds, "a.person_id = "+args.add(f.PersonID))
	}
	if f.RoleKey != "" {
		conds = append(conds, "r.key = "+args.add(f.RoleKey))
	}
	if f.UnitID != 0 {
		conds = append(conds, "a.unit_id = "+args.add(f.UnitID))
	}
	if f.OnDay != "" {
		d := args.add(f.OnDay)
		conds = append(conds, "a.starts_on <= "+d+" AND (a.ends_on = '' OR a.ends_on >= "+d+")")
	}
	if f.ActivePeople {
		conds = append(conds, "p.status = 'active'")
	}
	if f.NotLeft {
		conds = append(conds, "p.status <> 'left'")
	}
	if !f.Scope.All {
		// Organisation-wide appointments are everybody's business; others
		// show when the unit held for, or the holder's unit, is in scope.
		held := scopeCond("u.path", f.Scope, args)
		own := scopeCond("pu.path", f.Scope, args)
		conds = append(conds, "(a.unit_id IS NULL OR "+held+" OR "+own+")")
	}
	return conds
}

// Assignments implements org.Store.
func (s *Org) Assignments(ctx context.Context, f org.AssignmentFilter) ([]org.Assignment, error) {
	var args argList
	conds := assignmentConds(f, &args)
	order := ` ORDER BY r.ord, r.key, COALESCE(u.path, ''), a.starts_on, a.id`
	if f.Limit > 0 {
		ks := keyset{col: "COALESCE(u.path, '')", id: "a.id"}
		after, err := ks.after(f.After, &args)
		if err != nil {
			return nil, err
		}
		conds, order = append(conds, after), ks.order(f.Limit)
	}
	return queryAll(ctx, s.db.R, assignmentSelect+where(conds)+order, scanAssignment, args...)
}

// CountAssignments implements org.Store.
func (s *Org) CountAssignments(ctx context.Context, f org.AssignmentFilter) (int, error) {
	var args argList
	conds := assignmentConds(f, &args)
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+assignmentFrom+where(conds), args...).Scan(&n)
	return n, err
}

// ---- bulk ----

// Snapshot implements org.Store.
func (s *Org) Snapshot(ctx context.Context) (org.Snapshot, error) {
	var snap org.Snapshot
	var err error
	// One read transaction so the four reads agree.
	var opts *sql.TxOptions
	if s.db.Dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.db.R.BeginTx(ctx, opts)
	if err != nil {
		return snap, err
	}
	defer tx.Rollback()
	if snap.Units, err = queryAll(ctx, tx, `SELECT `+unitCols+` FROM units u ORDER BY u.path`, scanUnit); err != nil {
		return snap, err
	}
	if snap.People, err = queryAll(ctx, tx, `SELECT `+personCols+` FROM people p JOIN units u ON u.id = p.unit_id ORDER BY p.employee_no`, scanPerson); err != nil {
		return snap, err
	}
	if snap.Roles, err = queryAll(ctx, tx, `SELECT `+roleCols+` FROM roles ORDER BY ord, key`, scanRole); err != nil {
		return snap, err
	}
	snap.Assignments, err = queryAll(ctx, tx, `SELECT a.id, a.person_id, a.role_id, r.key, COALESCE(a.unit_id, 0), a.system_ref, a.starts_on, a.ends_on, a.note
		FROM assignments a JOIN roles r ON r.id = a.role_id ORDER BY a.person_id, a.starts_on, a.id`,
		func(row scanner) (org.Assignment, error) {
			var a org.Assignment
			err := row.Scan(&a.ID, &a.PersonID, &a.RoleID, &a.RoleKey, &a.UnitID, &a.SystemRef, &a.StartsOn, &a.EndsOn, &a.Note)
			return a, err
		})
	return snap, err
}

// codeIDs reads a code → id map inside tx.
func codeIDs(ctx context.Context, tx *sql.Tx, q string) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var (
			id   int64
			code string
		)
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		m[code] = id
	}
	return m, rows.Err()
}

// insertRows writes rows in multi-row INSERT statements. On SQLite it
// numbers parameters with plain "?": SQLite looks "$N" names up in a list,
// which turns quadratic with thousands of parameters in one statement.
func insertRows(ctx context.Context, tx *sql.Tx, dialect Dialect, head string, cols int, rows [][]any) error {
	batch := 8000 / cols // well under both engines' limits on statement parameters
	var sb strings.Builder
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		sb.Reset()
		sb.WriteString(head)
		sb.WriteString(" VALUES ")
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for k := 0; k < cols; k++ {
				if k > 0 {
					sb.WriteByte(',')
				}
				if dialect == SQLite {
					sb.WriteByte('?')
				} else {
					fmt.Fprintf(&sb, "$%d", len(args)+k+1)
				}
			}
			sb.WriteByte(')')
			args = append(args, rows[i]...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// ApplyBulk implements org.Store.
func (s *Org) ApplyBulk(ctx context.Context, plan *org.Plan) (org.BulkResult, error) {
	var res org.BulkResult
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res = org.BulkResult{}
		now := nowText()
		if err := applyUnits(ctx, tx, plan.Units, now, &res); err != nil {
			return err
		}
		units, err := codeIDs(ctx, tx, `SELECT id, code FROM units`)
		if err != nil {
			return err
		}
		var newPeople [][]any
		for _, p := range plan.People {
			uid, ok := units[p.UnitCode]
			if !ok {
				return apperr.E(apperr.Conflict, "org.err.unit_disappeared_during_import", p.UnitCode)
			}
			if p.ID == 0 {
				newPeople = append(newPeople, []any{p.EmployeeNo, p.Name, p.NameKana, p.Email, uid, p.Status,
					p.JoinedOn, p.TransferredOn, p.LeftOn, now, now})
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE people SET name = $1, name_kana = $2, email = $3, unit_id = $4, status = $5,
				joined_on = $6, transferred_on = $7, left_on = $8, updated_at = $9 WHERE id = $10`,
				p.Name, p.NameKana, p.Email, uid, p.Status, p.JoinedOn, p.TransferredOn, p.LeftOn, now, p.ID); err != nil {
				return personErr(err, p)
			}
			res.PeopleUpdated++
		}
		if err := insertRows(ctx, tx, s.db.Dialect, `INSERT INTO people (employee_no, name, name_kana, email, unit_id, status,
			joined_on, transferred_on, left_on, created_at, updated_at)`, 11, newPeople); err != nil {
			if isUnique(err) {
				return apperr.E(apperr.Conflict, "org.err.employee_number_import_was_added")
			}
			return err
		}
		res.PeopleAdded = len(newPeople)
		if len(plan.Assignments) == 0 {
			return nil
		}
		people, err := codeIDs(ctx, tx, `SELECT id, employee_no FROM people`)
		if err != nil {
			return err
		}
		var newAs [][]any
		for _, a := range plan.Assignments {
			if a.ID != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE assignments SET ends_on = $1 WHERE id = $2`, a.EndsOn, a.ID); err != nil {
					return err
				}
				res.AssignmentsUpdated++
				continue
			}
			pid, ok := people[a.EmployeeNo]
			if !ok {
				return apperr.E(apperr.Conflict, "org.err.employee_number_disappeared_during_import", a.EmployeeNo)
			}
			var uid any
			if a.UnitCode != "" {
				id, ok := units[a.UnitCode]
				if !ok {
					return apperr.E(apperr.Conflict, "org.err.unit_disappeared_during_import", a.UnitCode)
				}
				uid = id
			}
			newAs = append(newAs, []any{pid, a.RoleID, uid, a.SystemRef, a.StartsOn, a.EndsOn, a.Note, now})
		}
		if err := insertRows(ctx, tx, s.db.Dialect, `INSERT INTO assignments (person_id, role_id, unit_id, system_ref, starts_on, ends_on, note, created_at)`,
			8, newAs); err != nil {
			return err
		}
		res.AssignmentsAdded = len(newAs)
		if !res.Changed() {
			return nil
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "org.import", ObjectType: "organisation",
			Detail: audit.Details(map[string]any{"units_added": res.UnitsAdded, "units_updated": res.UnitsUpdated,
				"people_added": res.PeopleAdded, "people_updated": res.PeopleUpdated,
				"assignments_added": res.AssignmentsAdded, "assignments_updated": res.AssignmentsUpdated})})
	})
	return res, err
}

// applyUnits adds and updates units, then recomputes the path of every unit
// whose place in the tree changed.
func applyUnits(ctx context.Context, tx *sql.Tx, plan []org.PlanUnit, now string, res *org.BulkResult) error {
	if len(plan) == 0 {
		return nil
	}
	for _, u := range plan {
		if u.ID != 0 {
			continue
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (code, name, name_en, kind, path, created_at, updated_at)
			VALUES ($1, $2, $3, $4, '', $5, $5) RETURNING id`, u.Code, u.Name, u.NameEn, u.Kind, now).Scan(&u.ID); err != nil {
			return unitErr(err, u.Unit)
		}
		res.UnitsAdded++
	}
	codes, err := codeIDs(ctx, tx, `SELECT id, code FROM units`)
	if err != nil {
		return err
	}
	for _, u := range plan {
		id := u.ID
		if id == 0 {
			id = codes[u.Code]
		} else {
			res.UnitsUpdated++
		}
		var parent any
		if u.ParentCode != "" {
			pid, ok := codes[u.ParentCode]
			if !ok {
				return apperr.E(apperr.Conflict, "org.err.unit_disappeared_during_import", u.ParentCode)
			}
			parent = pid
		}
		if _, err := tx.ExecContext(ctx, `UPDATE units SET name = $1, name_en = $2, kind = $3, parent_id = $4, updated_at = $5 WHERE id = $6`,
			u.Name, u.NameEn, u.Kind, parent, now, id); err != nil {
			return err
		}
	}
	return rebuildPaths(ctx, tx)
}

// rebuildPaths recomputes every unit's path from the parent links and
// writes the ones that differ.
func rebuildPaths(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0), path FROM units`)
	if err != nil {
		return err
	}
	type node struct {
		parent int64
		path   string
	}
	all := map[int64]*node{}
	for rows.Next() {
		var (
			id int64
			n  node
		)
		if err := rows.Scan(&id, &n.parent, &n.path); err != nil {
			rows.Close()
			return err
		}
		all[id] = &n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	memo := map[int64]string{}
	var pathOf func(id int64, depth int) (string, error)
	pathOf = func(id int64, depth int) (string, error) {
		if p, ok := memo[id]; ok {
			return p, nil
		}
		if depth > 1000 {
			return "", apperr.E(apperr.Invalid, "org.err.unit_tree_has_cycle")
		}
		n := all[id]
		pp := "/"
		if n.parent != 0 {
			var err error
			if pp, err = pathOf(n.parent, depth+1); err != nil {
				return "", err
			}
		}
		p := pp + strconv.FormatInt(id, 10) + "/"
		memo[id] = p
		return p, nil
	}
	for id, n := range all {
		p, err := pathOf(id, 0)
		if err != nil {
			return err
		}
		if p != n.path {
			if _, err := tx.ExecContext(ctx, `UPDATE units SET path = $1 WHERE id = $2`, p, id); err != nil {
				return err
			}
		}
	}
	return nil
}
