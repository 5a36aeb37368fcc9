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
	"kitei/internal/authz"
	"kitei/internal/policy"
)

// Policies implements policy.Store.
type Policies struct{ db *DB }

// Policies returns the policy document store.
func (db *DB) Policies() *Policies { return &Policies{db: db} }

var _ policy.Store = (*Policies)(nil)

func policyAudit(ctx context.Context, tx *sql.Tx, d Dialect, action string, id int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: "policy." + action, ObjectType: "policy",
		ObjectID: strconv.FormatInt(id, 10), Detail: audit.Details(kv)})
}

const policyDocCols = `d.id, d.name, d.title, d.origin, d.parent_catalog, d.parent_edition, d.parent_number, d.scope, d.catalog_id,
	d.status, d.published, d.rev, d.created_by, d.created_at, d.updated_at, COALESCE(c.name, '')`

const policyDocFrom = ` FROM policy_docs d LEFT JOIN catalogs c ON c.id = d.parent_catalog`

func scanPolicyDoc(row scanner) (policy.Doc, error) {
	var d policy.Doc
	var scope, created, updated string
	err := row.Scan(&d.ID, &d.Name, &d.Title, &d.Origin, &d.ParentCatalog, &d.ParentEdition, &d.ParentNumber, &scope, &d.CatalogID,
		&d.Status, &d.Published, &d.Rev, &d.CreatedBy, &created, &updated, &d.ParentName)
	if err != nil {
		return d, err
	}
	_ = json.Unmarshal([]byte(scope), &d.Scope)
	d.CreatedAt, d.UpdatedAt = parseTime(created), parseTime(updated)
	return d, nil
}

func insertPolicyNodes(ctx context.Context, tx *sql.Tx, docID int64, nodes []policy.Node) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM policy_nodes WHERE doc_id = $1`, docID); err != nil {
		return err
	}
	for i, n := range nodes {
		refs := ""
		if len(n.References) > 0 {
			refs = jsonText(n.References)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_nodes (doc_id, pos, ref, parent, kind, title, text, requirement, subject, category, refs, derived_from)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			docID, i, n.Ref, n.Parent, n.Kind, n.Title, n.Text, b2i(n.Requirement), n.Subject, n.Category, refs, n.DerivedFrom); err != nil {
			return err
		}
	}
	return nil
}

func insertPolicyChange(ctx context.Context, tx *sql.Tx, docID int64, ch policy.Change) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO policy_changes (doc_id, action, ref, old_ref, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		docID, ch.Action, ch.Ref, ch.OldRef, ch.Note, ch.Actor, formatTime(ch.At))
	return err
}

// CreateDoc implements policy.Store.
func (s *Policies) CreateDoc(ctx context.Context, d policy.Doc, nodes []policy.Node, ch policy.Change) (policy.Doc, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO policy_docs (name, title, origin, parent_catalog, parent_edition, parent_number, scope,
			status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			d.Name, d.Title, d.Origin, d.ParentCatalog, d.ParentEdition, d.ParentNumber, jsonText(orEmpty(d.Scope)),
			d.Status, d.CreatedBy, formatTime(d.CreatedAt)).Scan(&d.ID); err != nil {
			if isUnique(err) {
				return apperr.E(apperr.Conflict, "policy.err.name_taken", d.Name)
			}
			return err
		}
		if err := insertPolicyNodes(ctx, tx, d.ID, nodes); err != nil {
			return err
		}
		if err := insertPolicyChange(ctx, tx, d.ID, ch); err != nil {
			return err
		}
		return policyAudit(ctx, tx, s.db.Dialect, "create", d.ID, map[string]any{"name": d.Name, "origin": d.Origin,
			"parent": d.ParentCatalog, "nodes": len(nodes)})
	})
	if err != nil {
		return d, err
	}
	return s.Doc(ctx, d.ID)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Doc implements policy.Store.
func (s *Policies) Doc(ctx context.Context, id int64) (policy.Doc, error) {
	d, err := scanPolicyDoc(s.db.R.QueryRowContext(ctx, `SELECT `+policyDocCols+policyDocFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.E(apperr.NotFound, "policy.err.not_found", id)
	}
	return d, err
}

// Docs implements policy.Store.
func (s *Policies) Docs(ctx context.Context) ([]policy.Doc, error) {
	return queryAll(ctx, s.db.R, `SELECT `+policyDocCols+policyDocFrom+` ORDER BY d.name`, scanPolicyDoc)
}

func scanPolicyNode(row scanner) (policy.Node, error) {
	var n policy.Node
	var req int
	var refs string
	err := row.Scan(&n.Ref, &n.Parent, &n.Kind, &n.Title, &n.Text, &req, &n.Subject, &n.Category, &refs, &n.DerivedFrom)
	n.Requirement = req != 0
	if refs != "" {
		_ = json.Unmarshal([]byte(refs), &n.References)
	}
	return n, err
}

// DraftNodes implements policy.Store.
func (s *Policies) DraftNodes(ctx context.Context, docID int64) ([]policy.Node, error) {
	return queryAll(ctx, s.db.R, `SELECT ref, parent, kind, title, text, requirement, subject, category, refs, derived_from
		FROM policy_nodes WHERE doc_id = $1 ORDER BY pos`, scanPolicyNode, docID)
}

// bumpDoc moves the document from status at rev to next (conflict when
// it has changed meanwhile).
func bumpDoc(ctx context.Context, tx *sql.Tx, id int64, status string, rev int, next string, at time.Time, catalogID int64, published int) error {
	q := `UPDATE policy_docs SET status = $4, rev = rev + 1, updated_at = $5`
	args := []any{id, status, rev, next, formatTime(at)}
	if catalogID != 0 {
		q += `, catalog_id = $6, published = $7`
		args = append(args, catalogID, published)
	}
	res, err := tx.ExecContext(ctx, q+` WHERE id = $1 AND status = $2 AND rev = $3`, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.E(apperr.Conflict, "policy.err.stale")
	}
	return nil
}

// SaveDraft implements policy.Store.
func (s *Policies) SaveDraft(ctx context.Context, docID int64, rev int, nodes []policy.Node, ch policy.Change) (policy.Doc, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := bumpDoc(ctx, tx, docID, policy.StatusDraft, rev, policy.StatusDraft, ch.At, 0, 0); err != nil {
			return err
		}
		if err := insertPolicyNodes(ctx, tx, docID, nodes); err != nil {
			if isUnique(err) {
				return apperr.E(apperr.Conflict, "policy.err.ref_taken", ch.Ref)
			}
			return err
		}
		if err := insertPolicyChange(ctx, tx, docID, ch); err != nil {
			return err
		}
		kv := map[string]any{"op": ch.Action, "ref": ch.Ref, "note": ch.Note}
		if ch.OldRef != "" {
			kv["old_ref"] = ch.OldRef
		}
		return policyAudit(ctx, tx, s.db.Dialect, "edit", docID, kv)
	})
	if err != nil {
		return policy.Doc{}, err
	}
	return s.Doc(ctx, docID)
}

// Changes implements policy.Store.
func (s *Policies) Changes(ctx context.Context, docID int64) ([]policy.Change, error) {
	return queryAll(ctx, s.db.R, `SELECT id, doc_id, action, ref, old_ref, note, actor, at FROM policy_changes WHERE doc_id = $1 ORDER BY id DESC`,
		func(row scanner) (policy.Change, error) {
			var c policy.Change
			var at string
			err := row.Scan(&c.ID, &c.DocID, &c.Action, &c.Ref, &c.OldRef, &c.Note, &c.Actor, &at)
			c.At = parseTime(at)
			return c, err
		}, docID)
}

func optT(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// Transition implements policy.Store.
func (s *Policies) Transition(ctx context.Context, t policy.Transition) (policy.Doc, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := bumpDoc(ctx, tx, t.DocID, t.FromStatus, t.Rev, t.ToStatus, t.Change.At, t.CatalogID, t.Published); err != nil {
			return err
		}
		kv := map[string]any{"from": t.FromStatus, "to": t.ToStatus}
		if v := t.Version; v != nil {
			kv["version"] = v.Number
			if v.ID == 0 {
				nodes, err := json.Marshal(v.Nodes)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (doc_id, number, status, nodes, note, submitted_by, submitted_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.DocID, v.Number, v.Status, string(nodes), v.Note, v.SubmittedBy, formatTime(v.SubmittedAt)); err != nil {
					if isUnique(err) {
						return apperr.E(apperr.Conflict, "policy.err.stale")
					}
					return err
				}
			} else {
				// Only the decision and publication fields change; the
				// snapshot never does.
				if _, err := tx.ExecContext(ctx, `UPDATE policy_versions SET status = $2, deliberation = $3, decided_by = $4, decided_at = $5,
					effective_on = $6, published_at = $7, edition = $8 WHERE id = $1`, v.ID, v.Status, v.Deliberation, v.DecidedBy,
					optT(v.DecidedAt), v.EffectiveOn, optT(v.PublishedAt), v.Edition); err != nil {
					return err
				}
				if v.EffectiveOn != "" {
					kv["effective_on"] = v.EffectiveOn
				}
				if v.Edition != 0 {
					kv["catalog"], kv["edition"] = t.CatalogID, v.Edition
				}
			}
		}
		if t.Draft != nil {
			if err := insertPolicyNodes(ctx, tx, t.DocID, t.Draft); err != nil {
				return err
			}
		}
		if err := insertPolicyChange(ctx, tx, t.DocID, t.Change); err != nil {
			return err
		}
		if err := insertPolicyNotices(ctx, tx, t.Notices); err != nil {
			return err
		}
		if t.Change.Note != "" {
			kv["note"] = t.Change.Note
		}
		kv["notices"] = len(t.Notices)
		return policyAudit(ctx, tx, s.db.Dialect, t.Change.Action, t.DocID, kv)
	})
	if err != nil {
		return policy.Doc{}, err
	}
	return s.Doc(ctx, t.DocID)
}

func insertPolicyNotices(ctx context.Context, tx *sql.Tx, ns []policy.Notice) error {
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

const policyVersionCols = `id, doc_id, number, status, note, submitted_by, submitted_at, deliberation, decided_by, decided_at,
	effective_on, published_at, edition`

func scanPolicyVersion(row scanner, withNodes bool) (policy.Version, error) {
	var v policy.Version
	var sub, dec, pub, nodes string
	dest := []any{&v.ID, &v.DocID, &v.Number, &v.Status, &v.Note, &v.SubmittedBy, &sub, &v.Deliberation, &v.DecidedBy, &dec,
		&v.EffectiveOn, &pub, &v.Edition}
	if withNodes {
		dest = append(dest, &nodes)
	}
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	v.SubmittedAt = parseTime(sub)
	if dec != "" {
		v.DecidedAt = parseTime(dec)
	}
	if pub != "" {
		v.PublishedAt = parseTime(pub)
	}
	if withNodes {
		if err := json.Unmarshal([]byte(nodes), &v.Nodes); err != nil {
			return v, err
		}
	}
	return v, nil
}

// Versions implements policy.Store.
func (s *Policies) Versions(ctx context.Context, docID int64) ([]policy.Version, error) {
	return queryAll(ctx, s.db.R, `SELECT `+policyVersionCols+` FROM policy_versions WHERE doc_id = $1 ORDER BY number DESC`,
		func(row scanner) (policy.Version, error) { return scanPolicyVersion(row, false) }, docID)
}

// Version implements policy.Store.
func (s *Policies) Version(ctx context.Context, docID int64, number int) (policy.Version, error) {
	v, err := scanPolicyVersion(s.db.R.QueryRowContext(ctx, `SELECT `+policyVersionCols+`, nodes FROM policy_versions WHERE doc_id = $1 AND number = $2`,
		docID, number), true)
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.E(apperr.NotFound, "policy.err.no_version", number)
	}
	return v, err
}

// AddComment implements policy.Store.
func (s *Policies) AddComment(ctx context.Context, c policy.Comment) (policy.Comment, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO policy_comments (doc_id, version, ref, body, author, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.DocID, c.Version, c.Ref, c.Body, c.Author, formatTime(c.At)).Scan(&c.ID); err != nil {
			return err
		}
		return policyAudit(ctx, tx, s.db.Dialect, "comment", c.DocID, map[string]any{"version": c.Version, "ref": c.Ref})
	})
	return c, err
}

// Comments implements policy.Store.
func (s *Policies) Comments(ctx context.Context, docID int64, version int) ([]policy.Comment, error) {
	return queryAll(ctx, s.db.R, `SELECT id, doc_id, version, ref, body, author, at FROM policy_comments WHERE doc_id = $1 AND version = $2 ORDER BY id`,
		func(row scanner) (policy.Comment, error) {
			var c policy.Comment
			var at string
			err := row.Scan(&c.ID, &c.DocID, &c.Version, &c.Ref, &c.Body, &c.Author, &at)
			c.At = parseTime(at)
			return c, err
		}, docID, version)
}

// Ack implements policy.Store.
func (s *Policies) Ack(ctx context.Context, docID int64, version int, personID int64, at time.Time) (bool, error) {
	added := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO policy_acks (doc_id, version, person_id, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (doc_id, version, person_id) DO NOTHING`, docID, version, personID, formatTime(at))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		added = n == 1
		if !added {
			return nil
		}
		return policyAudit(ctx, tx, s.db.Dialect, "ack", docID, map[string]any{"version": version, "person": personID})
	})
	return added, err
}

// AckOf implements policy.Store.
func (s *Policies) AckOf(ctx context.Context, docID int64, version int, personID int64) (time.Time, bool, error) {
	var at string
	err := s.db.R.QueryRowContext(ctx, `SELECT at FROM policy_acks WHERE doc_id = $1 AND version = $2 AND person_id = $3`,
		docID, version, personID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return parseTime(at), true, nil
}

// AckPeople implements policy.Store.
func (s *Policies) AckPeople(ctx context.Context, q policy.AckPeopleQuery) ([]policy.Person, error) {
	args := argList{q.DocID, q.Version}
	conds := []string{"p.status <> 'left'", scopeWhere(q.Scope, "p.unit_id", (*[]any)(&args))}
	if q.UnitID != 0 {
		conds = append(conds, "p.unit_id = "+args.add(q.UnitID))
	}
	if q.Acked {
		conds = append(conds, "a.person_id IS NOT NULL")
	} else {
		conds = append(conds, "a.person_id IS NULL")
	}
	cond, err := personKeys.after(q.After, &args)
	if err != nil {
		return nil, err
	}
	query := `SELECT p.id, p.employee_no, p.name, u.name, COALESCE(a.at, '') FROM people p JOIN units u ON u.id = p.unit_id
		LEFT JOIN policy_acks a ON a.doc_id = $1 AND a.version = $2 AND a.person_id = p.id` +
		where(append(conds, cond)) + personKeys.order(q.Limit)
	return queryAll(ctx, s.db.R, query, func(r scanner) (policy.Person, error) {
		var x policy.Person
		var at string
		err := r.Scan(&x.ID, &x.EmployeeNo, &x.Name, &x.Unit, &at)
		if at != "" {
			x.AckedAt = parseTime(at)
		}
		return x, err
	}, args...)
}

// OpenTask implements policy.Store.
func (s *Policies) OpenTask(ctx context.Context, t policy.Task, ns []policy.Notice) (policy.Task, bool, error) {
	opened := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO policy_tasks (doc_id, from_number, to_number, items, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (doc_id, to_number) DO NOTHING RETURNING id`,
			t.DocID, t.FromNumber, t.ToNumber, jsonText(orEmptyItems(t.Items)), t.Status, formatTime(t.CreatedAt)).Scan(&t.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already open: another run or replica made it
		}
		if err != nil {
			return err
		}
		opened = true
		if err := insertPolicyNotices(ctx, tx, ns); err != nil {
			return err
		}
		return policyAudit(ctx, tx, s.db.Dialect, "task_open", t.DocID, map[string]any{"task": t.ID, "from": t.FromNumber,
			"to": t.ToNumber, "items": len(t.Items)})
	})
	return t, opened, err
}

func orEmptyItems(it []policy.TaskItem) []policy.TaskItem {
	if it == nil {
		return []policy.TaskItem{}
	}
	return it
}

// Tasks implements policy.Store.
func (s *Policies) Tasks(ctx context.Context, docID int64) ([]policy.Task, error) {
	return queryAll(ctx, s.db.R, `SELECT id, doc_id, from_number, to_number, items, status, created_at, closed_by, closed_at
		FROM policy_tasks WHERE doc_id = $1 ORDER BY id DESC`, func(row scanner) (policy.Task, error) {
		var t policy.Task
		var items, created, closed string
		if err := row.Scan(&t.ID, &t.DocID, &t.FromNumber, &t.ToNumber, &items, &t.Status, &created, &t.ClosedBy, &closed); err != nil {
			return t, err
		}
		_ = json.Unmarshal([]byte(items), &t.Items)
		t.CreatedAt = parseTime(created)
		if closed != "" {
			t.ClosedAt = parseTime(closed)
		}
		return t, nil
	}, docID)
}

// CloseTask implements policy.Store.
func (s *Policies) CloseTask(ctx context.Context, docID, taskID int64, by string, at time.Time, parentEdition int64, parentNumber int) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE policy_tasks SET status = 'closed', closed_by = $3, closed_at = $4
			WHERE id = $1 AND doc_id = $2 AND status = 'open'`, taskID, docID, by, formatTime(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// Closing a closed task again changes nothing.
			var status string
			err := tx.QueryRowContext(ctx, `SELECT status FROM policy_tasks WHERE id = $1 AND doc_id = $2`, taskID, docID).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "policy.err.no_task", taskID)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE policy_docs SET parent_edition = $2, parent_number = $3, rev = rev + 1, updated_at = $4
			WHERE id = $1 AND parent_number < $3`, docID, parentEdition, parentNumber, formatTime(at)); err != nil {
			return err
		}
		return policyAudit(ctx, tx, s.db.Dialect, "task_close", docID, map[string]any{"task": taskID, "parent_edition": parentNumber})
	})
}

// AckedBy implements policy.Store: the versions of each document the
// person has acknowledged.
func (s *Policies) AckedBy(ctx context.Context, personID int64) (map[int64][]int, error) {
	rows, err := queryAll(ctx, s.db.R, `SELECT doc_id, version FROM policy_acks WHERE person_id = $1`,
		func(r scanner) ([2]int64, error) {
			var x [2]int64
			err := r.Scan(&x[0], &x[1])
			return x, err
		}, personID)
	out := map[int64][]int{}
	for _, x := range rows {
		out[x[0]] = append(out[x[0]], int(x[1]))
	}
	return out, err
}

// AckRates implements policy.Store: for each document and version of
// versions, the people (not left) and those who acknowledged it, per unit
// in scope. Two aggregate queries whatever the number of documents: the
// people per unit, and the acknowledgments per document and unit.
func (s *Policies) AckRates(ctx context.Context, versions map[int64]int, scope authz.Scope) (map[int64][]policy.UnitRate, error) {
	out := map[int64][]policy.UnitRate{}
	if len(versions) == 0 {
		return out, nil
	}
	var args []any
	units, err := queryAll(ctx, s.db.R, `SELECT p.unit_id, u.name, u.path, COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id
		WHERE p.status <> 'left' AND `+scopeWhere(scope, "p.unit_id", &args)+` GROUP BY p.unit_id, u.name, u.path ORDER BY u.path`,
		func(r scanner) (policy.UnitRate, error) {
			var x policy.UnitRate
			err := r.Scan(&x.UnitID, &x.UnitName, &x.UnitPath, &x.People)
			return x, err
		}, args...)
	if err != nil {
		return nil, err
	}
	args = nil
	var ors []string
	for doc, v := range versions {
		args = append(args, doc, v)
		ors = append(ors, "(a.doc_id = $"+strconv.Itoa(len(args)-1)+" AND a.version = $"+strconv.Itoa(len(args))+")")
	}
	acked, err := queryAll(ctx, s.db.R, `SELECT a.doc_id, p.unit_id, COUNT(*) FROM policy_acks a JOIN people p ON p.id = a.person_id
		WHERE (`+strings.Join(ors, " OR ")+`) AND p.status <> 'left' AND `+scopeWhere(scope, "p.unit_id", &args)+`
		GROUP BY a.doc_id, p.unit_id`,
		func(r scanner) ([3]int64, error) {
			var x [3]int64
			err := r.Scan(&x[0], &x[1], &x[2])
			return x, err
		}, args...)
	if err != nil {
		return nil, err
	}
	n := map[[2]int64]int{}
	for _, x := range acked {
		n[[2]int64{x[0], x[1]}] = int(x[2])
	}
	for doc := range versions {
		rows := make([]policy.UnitRate, len(units))
		for i, u := range units {
			u.Acked = n[[2]int64{doc, u.UnitID}]
			if u.People > 0 {
				u.Rate = float64(u.Acked) / float64(u.People)
			}
			rows[i] = u
		}
		out[doc] = rows
	}
	return out, nil
}
