// Package bench measures kitei against the targets of DESIGN.md §5 and
// builds the synthetic organisations those measurements (and tests) need.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
)

// Person is a generated person.
type Person struct {
	ID       int64
	UnitID   int64
	UnitPath string
}

// Fixture is a generated organisation with a published campaign.
type Fixture struct {
	CampaignID int64
	EditionID  int64
	People     []Person
	ItemIDs    []int64
	Units      int
	// Officers maps a 課 unit id to the person holding division_iso there.
	Officers map[int64]int64
	ChiefISO int64 // person holding chief_iso organisation-wide
}

// FixtureOptions size the organisation.
type FixtureOptions struct {
	People  int    // default 20,000
	Items   int    // default 60; every item is answered by staff
	PerUnit int    // people per 課 (default 200)
	Tag     string // makes employee numbers and names unique (default: time-based)
	// Day is the publish day (default today); the campaign is open from the
	// day before to 30 days after.
	Day string
}

// Generate builds an organisation (a root, 部 of up to ten 課 each, PerUnit
// people per 課; each 課 has a 課室情報セキュリティ責任者, each 部 an 情報
// セキュリティ責任者, the first person is 統括情報セキュリティ責任者), a catalog of
// Items requirements for 業務従事者 in six sections, and a campaign over all
// of them published for everyone.
func Generate(ctx context.Context, db *store.DB, svc *selfcheck.Service, o FixtureOptions) (*Fixture, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.Items <= 0 {
		o.Items = 60
	}
	if o.PerUnit <= 0 {
		o.PerUnit = 200
	}
	if o.Tag == "" {
		o.Tag = strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	now := time.Now()
	if o.Day == "" {
		o.Day = now.Format(selfcheck.DateLayout)
	}
	day, err := time.Parse(selfcheck.DateLayout, o.Day)
	if err != nil {
		return nil, err
	}
	fx := &Fixture{Officers: map[int64]int64{}}
	if err := generateOrg(ctx, db, o, fx); err != nil {
		return nil, fmt.Errorf("generate organisation: %w", err)
	}
	nodes := make([]catalog.Node, 0, o.Items+7)
	nodes = append(nodes, catalog.Node{Ref: "1", Kind: catalog.KindPart, Title: "自己点検ベンチマーク用規程"})
	const sections = 6
	for s := 1; s <= sections; s++ {
		nodes = append(nodes, catalog.Node{Ref: fmt.Sprintf("1.%d", s), Parent: "1", Kind: catalog.KindSection,
			Title: fmt.Sprintf("区分%d", s)})
	}
	for i := 0; i < o.Items; i++ {
		s := i%sections + 1
		nodes = append(nodes, catalog.Node{Ref: fmt.Sprintf("1.%d(%d)", s, i/sections+1), Parent: fmt.Sprintf("1.%d", s),
			Kind: catalog.KindItem, Requirement: true, Subject: "業務従事者",
			Text: fmt.Sprintf("業務従事者は、点検項目%dの対策を講ずること。", i+1)})
	}
	_, ed, err := db.Catalogs().CreateEdition(ctx, "bench-"+o.Tag, catalog.Edition{Title: "bench", Format: "jptext",
		Style: "dotted", SourceName: "bench.txt", SourceHash: "bench-" + o.Tag, Nodes: len(nodes), Requirements: o.Items,
		ImportedAt: now.UTC()}, nodes)
	if err != nil {
		return nil, err
	}
	fx.EditionID = ed.ID
	c, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: "ベンチ自己点検 " + o.Tag, FiscalYear: day.Year(),
		OpensOn: day.AddDate(0, 0, -1).Format(selfcheck.DateLayout), ClosesOn: day.AddDate(0, 0, 30).Format(selfcheck.DateLayout),
		RemindDays: 3})
	if err != nil {
		return nil, err
	}
	fx.CampaignID = c.ID
	items, err := svc.AddItems(ctx, c.ID, ed.ID, nil)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		fx.ItemIDs = append(fx.ItemIDs, it.ID)
	}
	if _, err := svc.Publish(ctx, c.ID, o.Day); err != nil {
		return nil, err
	}
	return fx, nil
}

// generateOrg writes units, people and appointments with multi-row inserts.
func generateOrg(ctx context.Context, db *store.DB, o FixtureOptions, fx *Fixture) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		ts := time.Now().UTC().Format(time.RFC3339Nano)
		roleIDs := map[string]int64{}
		for _, r := range authz.Builtin {
			if _, err := tx.ExecContext(ctx, `INSERT INTO roles (key, name, name_en, scope, privileged, ord, created_at)
				VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (key) DO NOTHING`,
				r.Key, r.Name, r.NameEn, r.Scope, r.Privileged, ts); err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM roles WHERE key = $1`, r.Key).Scan(&id); err != nil {
				return err
			}
			roleIDs[r.Key] = id
		}
		unit := func(code, name, kind string, parent int64, parentPath string) (int64, string, error) {
			var id int64
			var p any
			if parent > 0 {
				p = parent
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO units (code, name, kind, parent_id, path, created_at, updated_at)
				VALUES ($1, $2, $3, $4, '', $5, $5) RETURNING id`, code, name, kind, p, ts).Scan(&id); err != nil {
				return 0, "", err
			}
			path := parentPath + strconv.FormatInt(id, 10) + "/"
			_, err := tx.ExecContext(ctx, `UPDATE units SET path = $2 WHERE id = $1`, id, path)
			return id, path, err
		}
		rootID, rootPath, err := unit("B"+o.Tag, "ベンチ機構 "+o.Tag, "本部", 0, "/")
		if err != nil {
			return err
		}
		_ = rootID
		kaCount := (o.People + o.PerUnit - 1) / o.PerUnit
		type ka struct {
			id     int64
			path   string
			buID   int64
			buHead bool
		}
		var kas []ka
		var buID int64
		var buPath string
		for k := 0; k < kaCount; k++ {
			head := k%10 == 0
			if head {
				b := k/10 + 1
				if buID, buPath, err = unit(fmt.Sprintf("B%s-%d", o.Tag, b), fmt.Sprintf("第%d部", b), "部", rootID, rootPath); err != nil {
					return err
				}
			}
			id, path, err := unit(fmt.Sprintf("B%s-%d-%d", o.Tag, k/10+1, k%10+1), fmt.Sprintf("第%d部第%d課", k/10+1, k%10+1),
				"課", buID, buPath)
			if err != nil {
				return err
			}
			kas = append(kas, ka{id: id, path: path, buID: buID, buHead: head})
		}
		fx.Units = 1 + len(kas) + (len(kas)+9)/10
		const cols, batch = 7, 140
		var sb strings.Builder
		args := make([]any, 0, cols*batch)
		for start := 0; start < o.People; start += batch {
			end := min(start+batch, o.People)
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO people (employee_no, name, email, unit_id, status, created_at, updated_at) VALUES `)
			for i := start; i < end; i++ {
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for c := 0; c < cols; c++ {
					if c > 0 {
						sb.WriteByte(',')
					}
					sb.WriteString(db.Dialect.Placeholder(len(args) + c + 1))
				}
				sb.WriteByte(')')
				no := fmt.Sprintf("%s-%06d", o.Tag, i+1)
				args = append(args, no, "職員"+no, "p"+no+"@example.jp", kas[i/o.PerUnit].id, "active", ts, ts)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, unit_id FROM people WHERE employee_no LIKE $1 ORDER BY employee_no`, o.Tag+"-%")
		if err != nil {
			return err
		}
		for rows.Next() {
			var p Person
			if err := rows.Scan(&p.ID, &p.UnitID); err != nil {
				rows.Close()
				return err
			}
			fx.People = append(fx.People, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		paths := map[int64]string{}
		for _, k := range kas {
			paths[k.id] = k.path
		}
		for i := range fx.People {
			fx.People[i].UnitPath = paths[fx.People[i].UnitID]
		}
		assign := func(person int64, role string, unitID int64) error {
			var u any
			if unitID > 0 {
				u = unitID
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO assignments (person_id, role_id, unit_id, starts_on, created_at)
				VALUES ($1, $2, $3, '2000-01-01', $4)`, person, roleIDs[role], u, ts)
			return err
		}
		for k, kk := range kas {
			first := fx.People[k*o.PerUnit].ID
			if err := assign(first, authz.RoleDivisionISO, kk.id); err != nil {
				return err
			}
			fx.Officers[kk.id] = first
			if kk.buHead {
				if err := assign(first, authz.RoleISO, kk.buID); err != nil {
					return err
				}
			}
		}
		fx.ChiefISO = fx.People[0].ID
		return assign(fx.ChiefISO, authz.RoleChiefISO, 0)
	})
}
