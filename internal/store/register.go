package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/register"
)

// Registers implements register.Store.
type Registers struct{ db *DB }

// Registers returns the register store.
func (db *DB) Registers() *Registers { return &Registers{db: db} }

var _ register.Store = (*Registers)(nil)

type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

func regConflict(err error, what, code string) error {
	if isUnique(err) {
		return apperr.E(apperr.Conflict, "register.err.id_already_used", what, code)
	}
	return err
}

// ---- scheme ----

// Scheme implements register.Store.
func (s *Registers) Scheme(ctx context.Context) (register.Scheme, bool, error) {
	return readScheme(ctx, s.db.R)
}

func readScheme(ctx context.Context, q queryer) (register.Scheme, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM reg_settings WHERE key = 'scheme'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return register.DefaultScheme(), false, nil
	}
	if err != nil {
		return register.Scheme{}, false, err
	}
	sc, err := register.DecodeScheme(v)
	return sc, err == nil, err
}

// namedFrom is the confidentiality level from which assets are visible to
// named people only.
func (s *Registers) namedFrom(ctx context.Context) (int, error) {
	sc, _, err := readScheme(ctx, s.db.R)
	if err != nil {
		return 0, err
	}
	return sc.NamedFrom, nil
}

// SaveScheme implements register.Store.
func (s *Registers) SaveScheme(ctx context.Context, sc register.Scheme) error {
	v, err := register.EncodeScheme(sc)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reg_settings (key, value, updated_at) VALUES ('scheme', $1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, v, nowText()); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: register.ActionSchemeUpdate, ObjectType: "register_scheme",
			Detail: v})
	})
}

// ---- history and audit ----

func (s *Registers) record(ctx context.Context, tx *sql.Tx, kind string, id, unitID int64, ch register.Change, action string, extra map[string]any) error {
	actor := audit.ActorFrom(ctx)
	detail := ch.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	d := audit.Details(detail)
	if _, err := tx.ExecContext(ctx, `INSERT INTO reg_history (kind, entity_id, at, actor, actor_id, action, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, kind, id, formatTime(at), actor.Login, actor.ID, ch.Action, d); err != nil {
		return err
	}
	kv := map[string]any{"change": ch.Action}
	for k, v := range detail {
		kv[k] = v
	}
	for k, v := range extra {
		kv[k] = v
	}
	return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: action, ObjectType: strings.TrimSuffix(kind, "s"),
		ObjectID: itoa64(id), UnitID: unitID, Detail: audit.Details(kv)})
}

func itoa64(n int64) string { return fmt.Sprint(n) }

// History implements register.Store.
func (s *Registers) History(ctx context.Context, kind string, id int64) ([]register.Change, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, kind, entity_id, at, actor, actor_id, action, detail FROM reg_history
		WHERE kind = $1 AND entity_id = $2 ORDER BY id DESC`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []register.Change
	for rows.Next() {
		var (
			c          register.Change
			at, detail string
		)
		if err := rows.Scan(&c.ID, &c.Kind, &c.EntityID, &at, &c.Actor, &c.ActorID, &c.Action, &detail); err != nil {
			return nil, err
		}
		c.At = parseTime(at)
		_ = json.Unmarshal([]byte(detail), &c.Detail)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Log implements register.Store.
func (s *Registers) Log(ctx context.Context, ev *audit.Event) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return AppendAudit(ctx, tx, s.db.Dialect, ev) })
}

// ---- assets ----

const assetCols = `a.id, a.code, a.name, a.kind, a.unit_id, u.code, u.name, u.path, a.decider_id, d.employee_no, d.name,
	a.decided_on, a.conf, a.integ, a.avail, a.paper <> 0, a.restrictions, a.location, a.retention, a.users_scope,
	COALESCE(a.source_id, 0), COALESCE(s.code, ''), a.likelihood, a.note, a.retired <> 0, a.updated_at`

const assetFrom = ` FROM reg_assets a JOIN units u ON u.id = a.unit_id JOIN people d ON d.id = a.decider_id
	LEFT JOIN reg_assets s ON s.id = a.source_id`

func scanAsset(row scanner) (register.Asset, error) {
	var (
		a                register.Asset
		restrict, update string
	)
	err := row.Scan(&a.ID, &a.Code, &a.Name, &a.Kind, &a.UnitID, &a.UnitCode, &a.UnitName, &a.UnitPath, &a.DeciderID,
		&a.Decider.EmployeeNo, &a.Decider.Name, &a.DecidedOn, &a.C, &a.I, &a.A, &a.Paper, &restrict, &a.Location,
		&a.Retention, &a.UsersScope, &a.SourceID, &a.SourceCode, &a.Likelihood, &a.Note, &a.Retired, &update)
	a.Decider.ID = a.DeciderID
	_ = json.Unmarshal([]byte(restrict), &a.Restrictions)
	a.UpdatedAt = parseTime(update)
	return a, err
}

// assetVisible is the condition keeping the assets v may see.
func assetVisible(v register.Viewer, namedFrom int, args *argList) string {
	if v.Trusted {
		return ""
	}
	me := args.add(v.PersonID)
	in := scopeCond("u.path", v.Scope, args)
	if in == "" {
		in = "1 = 1"
	}
	return fmt.Sprintf(`((%s AND a.conf < %s) OR (%s <> 0 AND (a.decider_id = %s OR EXISTS (SELECT 1 FROM reg_asset_people n
		WHERE n.asset_id = a.id AND n.person_id = %s))))`, in, args.add(namedFrom), me, me, me)
}

func (s *Registers) loadNamed(ctx context.Context, q queryer, as []register.Asset) error {
	if len(as) == 0 {
		return nil
	}
	idx := map[int64]int{}
	for start := 0; start < len(as); start += 400 {
		end := min(start+400, len(as))
		var args argList
		ph := make([]string, 0, end-start)
		for i := start; i < end; i++ {
			idx[as[i].ID] = i
			ph = append(ph, args.add(as[i].ID))
		}
		rows, err := q.QueryContext(ctx, `SELECT n.asset_id, p.id, p.employee_no, p.name FROM reg_asset_people n
			JOIN people p ON p.id = n.person_id WHERE n.asset_id IN (`+strings.Join(ph, ",")+`) ORDER BY p.employee_no`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				aid int64
				p   register.PersonRef
			)
			if err := rows.Scan(&aid, &p.ID, &p.EmployeeNo, &p.Name); err != nil {
				rows.Close()
				return err
			}
			a := &as[idx[aid]]
			a.NamedPeople = append(a.NamedPeople, p)
			a.Named = append(a.Named, p.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Registers) oneAsset(ctx context.Context, q queryer, cond string, args argList, v register.Viewer) (register.Asset, error) {
	nf, err := s.namedFrom(ctx)
	if err != nil {
		return register.Asset{}, err
	}
	conds := []string{cond, assetVisible(v, nf, &args)}
	a, err := scanAsset(q.QueryRowContext(ctx, `SELECT `+assetCols+assetFrom+where(conds), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.E(apperr.NotFound, "register.err.such_information_asset")
	}
	if err != nil {
		return a, err
	}
	list := []register.Asset{a}
	if err := s.loadNamed(ctx, q, list); err != nil {
		return a, err
	}
	return list[0], nil
}

// Asset implements register.Store.
func (s *Registers) Asset(ctx context.Context, id int64, v register.Viewer) (register.Asset, error) {
	var args argList
	return s.oneAsset(ctx, s.db.R, "a.id = "+args.add(id), args, v)
}

// AssetByCode implements register.Store.
func (s *Registers) AssetByCode(ctx context.Context, code string, v register.Viewer) (register.Asset, error) {
	var args argList
	return s.oneAsset(ctx, s.db.R, "a.code = "+args.add(code), args, v)
}

var assetSorts = map[string]string{"code": "a.code", "name": "a.name", "c": "a.conf", "unit": "u.code",
	"decided": "a.decided_on", "updated": "a.updated_at", "kind": "a.kind"}

// assetConds are the conditions of an asset list (paging aside).
func (s *Registers) assetConds(ctx context.Context, f register.AssetFilter, args *argList) ([]string, error) {
	nf, err := s.namedFrom(ctx)
	if err != nil {
		return nil, err
	}
	conds := []string{assetVisible(f.Viewer, nf, args)}
	if !f.Retired {
		conds = append(conds, "a.retired = 0")
	}
	if f.Query != "" {
		p := args.add("%" + likeEscape(f.Query) + "%")
		conds = append(conds, fmt.Sprintf(`(a.code LIKE %[1]s ESCAPE '\' OR a.name LIKE %[1]s ESCAPE '\' OR a.kind LIKE %[1]s ESCAPE '\'
			OR a.location LIKE %[1]s ESCAPE '\' OR a.users_scope LIKE %[1]s ESCAPE '\' OR a.note LIKE %[1]s ESCAPE '\')`, p))
	}
	if f.UnitID != 0 {
		conds = append(conds, "u.path LIKE (SELECT path FROM units WHERE id = "+args.add(f.UnitID)+") || '%'")
	}
	if f.Kind != "" {
		conds = append(conds, "a.kind = "+args.add(f.Kind))
	}
	if f.MinC > 0 {
		conds = append(conds, "a.conf >= "+args.add(f.MinC))
	}
	if f.Restriction != "" {
		conds = append(conds, "a.restrictions LIKE "+args.add("%"+likeEscape(jsonText(f.Restriction))+"%")+` ESCAPE '\'`)
	}
	if f.SourceID != 0 {
		conds = append(conds, "a.source_id = "+args.add(f.SourceID))
	}
	return conds, nil
}

// Assets implements register.Store.
func (s *Registers) Assets(ctx context.Context, f register.AssetFilter) ([]register.Asset, error) {
	var args argList
	conds, err := s.assetConds(ctx, f, &args)
	if err != nil {
		return nil, err
	}
	ks := regKeyset(assetSorts, register.SortKey(register.AssetSorts, f.Sort), f.Desc, "a.id")
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + assetCols + assetFrom + where(append(conds, after)) + ks.order(f.Limit)
	out, err := queryAll(ctx, s.db.R, q, scanAsset, args...)
	if err != nil {
		return nil, err
	}
	return out, s.loadNamed(ctx, s.db.R, out)
}

// CountAssets implements register.Store.
func (s *Registers) CountAssets(ctx context.Context, f register.AssetFilter) (int, error) {
	var args argList
	conds, err := s.assetConds(ctx, f, &args)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+assetFrom+where(conds), args...).Scan(&n)
	return n, err
}

func insertAsset(ctx context.Context, tx *sql.Tx, a *register.Asset) error {
	now := nowText()
	err := tx.QueryRowContext(ctx, `INSERT INTO reg_assets (code, name, kind, unit_id, decider_id, decided_on, conf, integ, avail,
		paper, restrictions, location, retention, users_scope, source_id, likelihood, note, retired, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id`,
		a.Code, a.Name, a.Kind, a.UnitID, a.DeciderID, a.DecidedOn, a.C, a.I, a.A, b2i(a.Paper), jsonText(a.Restrictions),
		a.Location, a.Retention, a.UsersScope, nullID(a.SourceID), a.Likelihood, a.Note, b2i(a.Retired), now).Scan(&a.ID)
	if err != nil {
		return regConflict(err, "asset", a.Code)
	}
	return setNamed(ctx, tx, a.ID, a.Named)
}

func updateAsset(ctx context.Context, tx *sql.Tx, a *register.Asset) error {
	res, err := tx.ExecContext(ctx, `UPDATE reg_assets SET code = $1, name = $2, kind = $3, unit_id = $4, decider_id = $5,
		decided_on = $6, conf = $7, integ = $8, avail = $9, paper = $10, restrictions = $11, location = $12, retention = $13,
		users_scope = $14, source_id = $15, likelihood = $16, note = $17, retired = $18, updated_at = $19 WHERE id = $20`,
		a.Code, a.Name, a.Kind, a.UnitID, a.DeciderID, a.DecidedOn, a.C, a.I, a.A, b2i(a.Paper), jsonText(a.Restrictions),
		a.Location, a.Retention, a.UsersScope, nullID(a.SourceID), a.Likelihood, a.Note, b2i(a.Retired), nowText(), a.ID)
	if err != nil {
		return regConflict(err, "asset", a.Code)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "register.err.information_asset_id", a.ID)
	}
	return setNamed(ctx, tx, a.ID, a.Named)
}

// setNamed replaces the named people of an asset (the change is in its history).
func setNamed(ctx context.Context, tx *sql.Tx, id int64, named []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM reg_asset_people WHERE asset_id = $1`, id); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, p := range named {
		if p == 0 || seen[p] {
			continue
		}
		seen[p] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO reg_asset_people (asset_id, person_id) VALUES ($1, $2)`, id, p); err != nil {
			return err
		}
	}
	return nil
}

func assetAction(ch register.Change, create bool) string {
	switch {
	case ch.Action == "reclassify":
		return register.ActionAssetReclassify
	case ch.Action == "retire" || ch.Action == "reinstate":
		return register.ActionAssetRetire
	case create:
		return register.ActionAssetCreate
	}
	return register.ActionAssetUpdate
}

// CreateAsset implements register.Store.
func (s *Registers) CreateAsset(ctx context.Context, a register.Asset, ch register.Change) (register.Asset, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertAsset(ctx, tx, &a); err != nil {
			return err
		}
		return s.record(ctx, tx, register.KindAssets, a.ID, a.UnitID, ch, assetAction(ch, true), map[string]any{"code": a.Code})
	})
	if err != nil {
		return a, err
	}
	return s.Asset(ctx, a.ID, register.Everyone)
}

// UpdateAsset implements register.Store.
func (s *Registers) UpdateAsset(ctx context.Context, a register.Asset, ch register.Change) (register.Asset, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := updateAsset(ctx, tx, &a); err != nil {
			return err
		}
		return s.record(ctx, tx, register.KindAssets, a.ID, a.UnitID, ch, assetAction(ch, false), map[string]any{"code": a.Code})
	})
	if err != nil {
		return a, err
	}
	return s.Asset(ctx, a.ID, register.Everyone)
}

// ---- systems ----

const systemCols = `y.id, y.code, y.name, y.purpose, y.unit_id, u.code, u.name, u.path, y.isso_id, p.employee_no, p.name,
	y.stage, y.conf, y.integ, y.avail, y.components, y.connections, y.services, y.requirements, y.note, y.retired <> 0, y.updated_at`

const systemFrom = ` FROM reg_systems y JOIN units u ON u.id = y.unit_id JOIN people p ON p.id = y.isso_id`

func scanSystem(row scanner) (register.System, error) {
	var (
		y                           register.System
		comp, conn, svc, req, updAt string
	)
	err := row.Scan(&y.ID, &y.Code, &y.Name, &y.Purpose, &y.UnitID, &y.UnitCode, &y.UnitName, &y.UnitPath, &y.ISSOID,
		&y.ISSO.EmployeeNo, &y.ISSO.Name, &y.Stage, &y.C, &y.I, &y.A, &comp, &conn, &svc, &req, &y.Note, &y.Retired, &updAt)
	y.ISSO.ID = y.ISSOID
	_ = json.Unmarshal([]byte(comp), &y.Components)
	_ = json.Unmarshal([]byte(conn), &y.Connections)
	_ = json.Unmarshal([]byte(svc), &y.Services)
	_ = json.Unmarshal([]byte(req), &y.Requirements)
	y.UpdatedAt = parseTime(updAt)
	return y, err
}

func systemVisible(v register.Viewer, args *argList) string {
	if v.Trusted {
		return ""
	}
	parts := []string{}
	if in := scopeCond("u.path", v.Scope, args); in != "" {
		parts = append(parts, in)
	} else {
		return ""
	}
	if v.PersonID != 0 {
		parts = append(parts, "y.isso_id = "+args.add(v.PersonID))
	}
	for _, c := range v.Systems {
		parts = append(parts, "y.code = "+args.add(c))
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// System implements register.Store.
func (s *Registers) System(ctx context.Context, id int64, v register.Viewer) (register.System, error) {
	var args argList
	conds := []string{"y.id = " + args.add(id), systemVisible(v, &args)}
	y, err := scanSystem(s.db.R.QueryRowContext(ctx, `SELECT `+systemCols+systemFrom+where(conds), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return y, apperr.E(apperr.NotFound, "register.err.such_information_system")
	}
	return y, err
}

var systemSorts = map[string]string{"code": "y.code", "name": "y.name", "stage": "y.stage", "unit": "u.code", "updated": "y.updated_at"}

func systemConds(f register.SystemFilter, args *argList) []string {
	conds := []string{systemVisible(f.Viewer, args)}
	if !f.Retired {
		conds = append(conds, "y.retired = 0")
	}
	if f.Query != "" {
		p := args.add("%" + likeEscape(f.Query) + "%")
		conds = append(conds, fmt.Sprintf(`(y.code LIKE %[1]s ESCAPE '\' OR y.name LIKE %[1]s ESCAPE '\' OR y.purpose LIKE %[1]s ESCAPE '\'
			OR y.components LIKE %[1]s ESCAPE '\' OR y.note LIKE %[1]s ESCAPE '\')`, p))
	}
	if f.UnitID != 0 {
		conds = append(conds, "u.path LIKE (SELECT path FROM units WHERE id = "+args.add(f.UnitID)+") || '%'")
	}
	if f.Stage != "" {
		conds = append(conds, "y.stage = "+args.add(f.Stage))
	}
	if f.Service != "" {
		conds = append(conds, "y.services LIKE "+args.add("%"+likeEscape(jsonText(f.Service))+"%")+` ESCAPE '\'`)
	}
	return conds
}

// Systems implements register.Store.
func (s *Registers) Systems(ctx context.Context, f register.SystemFilter) ([]register.System, error) {
	var args argList
	conds := systemConds(f, &args)
	ks := regKeyset(systemSorts, register.SortKey(register.SystemSorts, f.Sort), f.Desc, "y.id")
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + systemCols + systemFrom + where(append(conds, after)) + ks.order(f.Limit)
	return queryAll(ctx, s.db.R, q, scanSystem, args...)
}

// CountSystems implements register.Store.
func (s *Registers) CountSystems(ctx context.Context, f register.SystemFilter) (int, error) {
	var args argList
	conds := systemConds(f, &args)
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+systemFrom+where(conds), args...).Scan(&n)
	return n, err
}

func writeSystem(ctx context.Context, tx *sql.Tx, y *register.System) error {
	now := nowText()
	if y.ID == 0 {
		err := tx.QueryRowContext(ctx, `INSERT INTO reg_systems (code, name, purpose, unit_id, isso_id, stage, conf, integ, avail,
			components, connections, services, requirements, note, retired, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
			y.Code, y.Name, y.Purpose, y.UnitID, y.ISSOID, y.Stage, y.C, y.I, y.A, jsonText(y.Components), jsonText(y.Connections),
			jsonText(y.Services), jsonText(y.Requirements), y.Note, b2i(y.Retired), now).Scan(&y.ID)
		return regConflict(err, "system", y.Code)
	}
	res, err := tx.ExecContext(ctx, `UPDATE reg_systems SET name = $1, purpose = $2, unit_id = $3, isso_id = $4, stage = $5,
		conf = $6, integ = $7, avail = $8, components = $9, connections = $10, services = $11, requirements = $12, note = $13,
		retired = $14, updated_at = $15 WHERE id = $16`,
		y.Name, y.Purpose, y.UnitID, y.ISSOID, y.Stage, y.C, y.I, y.A, jsonText(y.Components), jsonText(y.Connections),
		jsonText(y.Services), jsonText(y.Requirements), y.Note, b2i(y.Retired), now, y.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "register.err.information_system_id", y.ID)
	}
	return nil
}

// notifyChief leaves a notice for every 統括情報セキュリティ責任者 in office:
// seed 001 Art. 17 has every ledger update reported to them.
func (s *Registers) notifyChief(ctx context.Context, tx *sql.Tx, y register.System, action string) error {
	day := org.Day(time.Now())
	msg := i18n.T(i18n.Ja, "register.notice.system_"+action, y.Name, y.Code)
	if action != "create" && action != "import" {
		msg = i18n.T(i18n.Ja, "register.notice.system_update", y.Name, y.Code)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at)
		SELECT DISTINCT a.person_id, 'register', $1, $2, $3 FROM assignments a
		JOIN roles r ON r.id = a.role_id JOIN people p ON p.id = a.person_id
		WHERE r.key = $4 AND a.starts_on <= $5 AND (a.ends_on = '' OR a.ends_on >= $5) AND p.status = 'active'`,
		"register_system:"+itoa64(y.ID), msg, nowText(), authz.RoleChiefISO, day)
	return err
}

func (s *Registers) saveSystem(ctx context.Context, y register.System, ch register.Change) (register.System, error) {
	create := y.ID == 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := writeSystem(ctx, tx, &y); err != nil {
			return err
		}
		if err := s.notifyChief(ctx, tx, y, ch.Action); err != nil {
			return err
		}
		action := register.ActionSystemUpdate
		if create {
			action = register.ActionSystemCreate
		}
		return s.record(ctx, tx, register.KindSystems, y.ID, y.UnitID, ch, action, map[string]any{"code": y.Code})
	})
	if err != nil {
		return y, err
	}
	return s.System(ctx, y.ID, register.Everyone)
}

// CreateSystem implements register.Store.
func (s *Registers) CreateSystem(ctx context.Context, y register.System, ch register.Change) (register.System, error) {
	y.ID = 0
	return s.saveSystem(ctx, y, ch)
}

// UpdateSystem implements register.Store.
func (s *Registers) UpdateSystem(ctx context.Context, y register.System, ch register.Change) (register.System, error) {
	if y.ID == 0 {
		return y, apperr.E(apperr.Invalid, "register.err.system_id_missing")
	}
	return s.saveSystem(ctx, y, ch)
}

// ---- services ----

const serviceCols = `v.id, v.code, v.name, v.kind, v.provider, v.unit_id, u.code, u.name, u.path, v.ismap <> 0, v.ismap_no,
	v.data_location, v.contract_from, v.contract_to, COALESCE(v.manager_id, 0), COALESCE(p.employee_no, ''), COALESCE(p.name, ''),
	v.conf, v.subcontracting, v.exit_checklist, v.note, v.retired <> 0, v.updated_at`

const serviceFrom = ` FROM reg_services v JOIN units u ON u.id = v.unit_id LEFT JOIN people p ON p.id = v.manager_id`

func scanService(row scanner) (register.Service, error) {
	var (
		v                register.Service
		sub, exit, updAt string
	)
	err := row.Scan(&v.ID, &v.Code, &v.Name, &v.Kind, &v.Provider, &v.UnitID, &v.UnitCode, &v.UnitName, &v.UnitPath, &v.ISMAP,
		&v.ISMAPNo, &v.DataLocation, &v.ContractFrom, &v.ContractTo, &v.ManagerID, &v.Manager.EmployeeNo, &v.Manager.Name,
		&v.C, &sub, &exit, &v.Note, &v.Retired, &updAt)
	v.Manager.ID = v.ManagerID
	_ = json.Unmarshal([]byte(sub), &v.Subcontracting)
	_ = json.Unmarshal([]byte(exit), &v.Exit)
	v.UpdatedAt = parseTime(updAt)
	return v, err
}

func serviceVisible(v register.Viewer, args *argList) string {
	if v.Trusted {
		return ""
	}
	in := scopeCond("u.path", v.Scope, args)
	if in == "" {
		return ""
	}
	if v.PersonID != 0 {
		return "(" + in + " OR v.manager_id = " + args.add(v.PersonID) + ")"
	}
	return in
}

// Service implements register.Store.
func (s *Registers) Service(ctx context.Context, id int64, v register.Viewer) (register.Service, error) {
	var args argList
	conds := []string{"v.id = " + args.add(id), serviceVisible(v, &args)}
	out, err := scanService(s.db.R.QueryRowContext(ctx, `SELECT `+serviceCols+serviceFrom+where(conds), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return out, apperr.E(apperr.NotFound, "register.err.such_service")
	}
	return out, err
}

var serviceSorts = map[string]string{"code": "v.code", "name": "v.name", "provider": "v.provider", "contract_to": "v.contract_to",
	"unit": "u.code", "updated": "v.updated_at"}

func serviceConds(f register.ServiceFilter, args *argList) []string {
	conds := []string{serviceVisible(f.Viewer, args)}
	if !f.Retired {
		conds = append(conds, "v.retired = 0")
	}
	if f.Query != "" {
		p := args.add("%" + likeEscape(f.Query) + "%")
		conds = append(conds, fmt.Sprintf(`(v.code LIKE %[1]s ESCAPE '\' OR v.name LIKE %[1]s ESCAPE '\' OR v.provider LIKE %[1]s ESCAPE '\'
			OR v.data_location LIKE %[1]s ESCAPE '\' OR v.note LIKE %[1]s ESCAPE '\')`, p))
	}
	if f.UnitID != 0 {
		conds = append(conds, "u.path LIKE (SELECT path FROM units WHERE id = "+args.add(f.UnitID)+") || '%'")
	}
	if f.Kind != "" {
		conds = append(conds, "v.kind = "+args.add(f.Kind))
	}
	switch f.ISMAP {
	case "yes":
		conds = append(conds, "v.ismap <> 0")
	case "no":
		conds = append(conds, "v.ismap = 0")
	}
	return conds
}

// Services implements register.Store.
func (s *Registers) Services(ctx context.Context, f register.ServiceFilter) ([]register.Service, error) {
	var args argList
	conds := serviceConds(f, &args)
	ks := regKeyset(serviceSorts, register.SortKey(register.ServiceSorts, f.Sort), f.Desc, "v.id")
	after, err := ks.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + serviceCols + serviceFrom + where(append(conds, after)) + ks.order(f.Limit)
	return queryAll(ctx, s.db.R, q, scanService, args...)
}

// CountServices implements register.Store.
func (s *Registers) CountServices(ctx context.Context, f register.ServiceFilter) (int, error) {
	var args argList
	conds := serviceConds(f, &args)
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+serviceFrom+where(conds), args...).Scan(&n)
	return n, err
}

func writeService(ctx context.Context, tx *sql.Tx, v *register.Service) error {
	now := nowText()
	if v.ID == 0 {
		err := tx.QueryRowContext(ctx, `INSERT INTO reg_services (code, name, kind, provider, unit_id, ismap, ismap_no, data_location,
			contract_from, contract_to, manager_id, conf, subcontracting, exit_checklist, note, retired, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
			v.Code, v.Name, v.Kind, v.Provider, v.UnitID, b2i(v.ISMAP), v.ISMAPNo, v.DataLocation, v.ContractFrom, v.ContractTo,
			nullID(v.ManagerID), v.C, jsonText(v.Subcontracting), jsonText(v.Exit), v.Note, b2i(v.Retired), now).Scan(&v.ID)
		return regConflict(err, "service", v.Code)
	}
	res, err := tx.ExecContext(ctx, `UPDATE reg_services SET name = $1, kind = $2, provider = $3, unit_id = $4, ismap = $5,
		ismap_no = $6, data_location = $7, contract_from = $8, contract_to = $9, manager_id = $10, conf = $11,
		subcontracting = $12, exit_checklist = $13, note = $14, retired = $15, updated_at = $16 WHERE id = $17`,
		v.Name, v.Kind, v.Provider, v.UnitID, b2i(v.ISMAP), v.ISMAPNo, v.DataLocation, v.ContractFrom, v.ContractTo,
		nullID(v.ManagerID), v.C, jsonText(v.Subcontracting), jsonText(v.Exit), v.Note, b2i(v.Retired), now, v.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "register.err.service_id", v.ID)
	}
	return nil
}

func (s *Registers) saveService(ctx context.Context, v register.Service, ch register.Change) (register.Service, error) {
	create := v.ID == 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := writeService(ctx, tx, &v); err != nil {
			return err
		}
		action := register.ActionServiceUpdate
		if create {
			action = register.ActionServiceCreate
		}
		return s.record(ctx, tx, register.KindServices, v.ID, v.UnitID, ch, action, map[string]any{"code": v.Code})
	})
	if err != nil {
		return v, err
	}
	return s.Service(ctx, v.ID, register.Everyone)
}

// CreateService implements register.Store.
func (s *Registers) CreateService(ctx context.Context, v register.Service, ch register.Change) (register.Service, error) {
	v.ID = 0
	return s.saveService(ctx, v, ch)
}

// UpdateService implements register.Store.
func (s *Registers) UpdateService(ctx context.Context, v register.Service, ch register.Change) (register.Service, error) {
	if v.ID == 0 {
		return v, apperr.E(apperr.Invalid, "register.err.service_id_missing")
	}
	return s.saveService(ctx, v, ch)
}

// ---- import ----

// ApplyImport implements register.Store.
func (s *Registers) ApplyImport(ctx context.Context, kind string, p *register.Plan) (register.ImportResult, error) {
	var res register.ImportResult
	ch := register.Change{Action: "import", At: time.Now()}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		count := func(id int64) {
			if id == 0 {
				res.Added++
			} else {
				res.Updated++
			}
		}
		// Assets: add and update first without sources, then set sources by
		// code, so a copy may come before its source in the file.
		idByCode := map[string]int64{}
		for i := range p.Assets {
			a := &p.Assets[i].Asset
			create := a.ID == 0
			count(a.ID)
			var err error
			if create {
				src := a.SourceID
				a.SourceID = 0
				err = insertAsset(ctx, tx, a)
				a.SourceID = src
			} else {
				err = updateAsset(ctx, tx, a)
			}
			if err != nil {
				return err
			}
			idByCode[a.Code] = a.ID
			if err := s.record(ctx, tx, register.KindAssets, a.ID, a.UnitID, ch, assetAction(ch, create),
				map[string]any{"code": a.Code, "c": a.C, "i": a.I, "a": a.A}); err != nil {
				return err
			}
		}
		for _, pa := range p.Assets {
			src := pa.SourceID
			if pa.SourceCode != "" {
				if id, ok := idByCode[pa.SourceCode]; ok {
					src = id
				} else if err := tx.QueryRowContext(ctx, `SELECT id FROM reg_assets WHERE code = $1`, pa.SourceCode).Scan(&src); err != nil {
					return apperr.E(apperr.Invalid, "register.err.asset_source_asset", pa.Code, pa.SourceCode)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reg_assets SET source_id = $1 WHERE id = $2`, nullID(src), pa.ID); err != nil {
				return err
			}
		}
		for i := range p.Services {
			v := &p.Services[i]
			create := v.ID == 0
			count(v.ID)
			if err := writeService(ctx, tx, v); err != nil {
				return err
			}
			action := register.ActionServiceUpdate
			if create {
				action = register.ActionServiceCreate
			}
			if err := s.record(ctx, tx, register.KindServices, v.ID, v.UnitID, ch, action, map[string]any{"code": v.Code}); err != nil {
				return err
			}
		}
		for i := range p.Systems {
			y := &p.Systems[i]
			create := y.ID == 0
			count(y.ID)
			if err := writeSystem(ctx, tx, y); err != nil {
				return err
			}
			if err := s.notifyChief(ctx, tx, *y, "import"); err != nil {
				return err
			}
			action := register.ActionSystemUpdate
			if create {
				action = register.ActionSystemCreate
			}
			if err := s.record(ctx, tx, register.KindSystems, y.ID, y.UnitID, ch, action, map[string]any{"code": y.Code}); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: register.ActionImport, ObjectType: "register", ObjectID: kind,
			Detail: audit.Details(map[string]any{"added": res.Added, "updated": res.Updated})})
	})
	if err != nil {
		return register.ImportResult{}, err
	}
	return res, nil
}

// regKeyset is the order of a register list sorted by key (see
// register.SortKey): its column, then id, both reversed when desc.
func regKeyset(sorts map[string]string, key string, desc bool, id string) keyset {
	return keyset{col: sorts[key], id: id, desc: desc, numeric: key == "c"}
}
