package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/training"
)

// Trainings implements training.Store.
type Trainings struct {
	db *DB

	once  sync.Once
	queue chan *trWrite

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt // prepared reads of the hot path
	courses map[int64]cachedCourse
}

type cachedCourse struct {
	c  training.Course
	at time.Time
}

// courseTTL is how long a course read is reused: thousands of people
// taking one course read it three times each; an edit shows within it.
const courseTTL = time.Second

// row runs a hot-path read through a statement prepared once per
// connection (SQLite parses nothing again).
func (t *Trainings) row(ctx context.Context, q string, args ...any) *sql.Row {
	t.mu.Lock()
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.db.R.PrepareContext(ctx, q); err != nil {
			t.mu.Unlock()
			return t.db.R.QueryRowContext(ctx, q, args...)
		}
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[q] = st
	}
	t.mu.Unlock()
	return st.QueryRowContext(ctx, args...)
}

// Trainings returns the training store. Keep one per process (the
// composition root does): its group-commit writer lives in it.
func (db *DB) Trainings() *Trainings { return &Trainings{db: db, queue: make(chan *trWrite, 1024)} }

// trWrite is one write of the hot path (opening a course, starting and
// answering a test) waiting for the group commit.
type trWrite struct {
	fn  func(tx *sql.Tx) error
	err chan error
}

// maxGroup bounds the writes committed together.
const maxGroup = 256

// group runs fn in a transaction shared with every other write waiting at
// the time, each in its own savepoint (a refused write is rolled back
// alone), and returns once that transaction is committed: an acknowledged
// write is a durable one, and one fsync serves the whole group. Under load
// 20,000 people completing a course cost a few commits per second instead
// of three per person.
func (t *Trainings) group(ctx context.Context, fn func(tx *sql.Tx) error) error {
	t.once.Do(func() { go t.loop() })
	w := &trWrite{fn: fn, err: make(chan error, 1)}
	select {
	case t.queue <- w:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-w.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Trainings) loop() {
	for first := range t.queue {
		batch := []*trWrite{first}
	gather:
		for len(batch) < maxGroup {
			select {
			case w := <-t.queue:
				batch = append(batch, w)
			default:
				break gather
			}
		}
		errs := make([]error, len(batch))
		err := t.db.Tx(context.Background(), func(tx *sql.Tx) error {
			for i, w := range batch {
				if len(batch) == 1 {
					errs[i] = w.fn(tx)
					return errs[i]
				}
				if _, err := tx.Exec(`SAVEPOINT tr_write`); err != nil {
					return err
				}
				if errs[i] = w.fn(tx); errs[i] != nil {
					if _, err := tx.Exec(`ROLLBACK TO SAVEPOINT tr_write`); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(`RELEASE SAVEPOINT tr_write`); err != nil {
					return err
				}
			}
			return nil
		})
		for i, w := range batch {
			if err != nil && errs[i] == nil {
				errs[i] = err
			}
			w.err <- errs[i]
		}
	}
}

var _ training.Store = (*Trainings)(nil)

func trAudit(ctx context.Context, tx *sql.Tx, d Dialect, action, objType string, id int64, unitID int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: objType,
		ObjectID: strconv.FormatInt(id, 10), UnitID: unitID, Detail: audit.Details(kv)})
}

func trNotices(ctx context.Context, tx *sql.Tx, ns []training.Notice) error {
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func optParse(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return parseTime(s)
}

func notFound(key string, id int64) error { return apperr.E(apperr.NotFound, key, id) }

// ---- plans

const trainingPlanCols = `id, fiscal_year, title, body, status, created_by, created_at, updated_at`

func scanTrainingPlan(row scanner) (training.Plan, error) {
	var p training.Plan
	var c, u string
	err := row.Scan(&p.ID, &p.FiscalYear, &p.Title, &p.Body, &p.Status, &p.CreatedBy, &c, &u)
	p.CreatedAt, p.UpdatedAt = parseTime(c), parseTime(u)
	return p, err
}

func insertPlanEvent(ctx context.Context, tx *sql.Tx, ev training.PlanEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO training_plan_events (plan_id, action, actor_id, comment, at) VALUES ($1, $2, $3, $4, $5)`,
		ev.PlanID, ev.Action, ev.ActorID, ev.Comment, formatTime(ev.At))
	return err
}

// CreatePlan implements training.Store.
func (t *Trainings) CreatePlan(ctx context.Context, p training.Plan, ev training.PlanEvent) (training.Plan, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_plans (fiscal_year, title, body, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, p.FiscalYear, p.Title, p.Body, p.Status, p.CreatedBy,
			formatTime(p.CreatedAt)).Scan(&p.ID); err != nil {
			return err
		}
		ev.PlanID = p.ID
		if err := insertPlanEvent(ctx, tx, ev); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.plan_create", "training_plan", p.ID, 0,
			map[string]any{"fiscal_year": p.FiscalYear, "title": p.Title})
	})
	if err != nil {
		return p, err
	}
	return t.Plan(ctx, p.ID)
}

// MovePlan implements training.Store.
func (t *Trainings) MovePlan(ctx context.Context, id int64, from []string, to string, ev training.PlanEvent, ns []training.Notice) (training.Plan, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		args := []any{id, to, formatTime(ev.At)}
		var ph []string
		for _, f := range from {
			args = append(args, f)
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		res, err := tx.ExecContext(ctx, `UPDATE training_plans SET status = $2, updated_at = $3 WHERE id = $1 AND status IN (`+
			strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.plan_state")
		}
		ev.PlanID = id
		if err := insertPlanEvent(ctx, tx, ev); err != nil {
			return err
		}
		if err := trNotices(ctx, tx, ns); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.plan_"+ev.Action, "training_plan", id, 0,
			map[string]any{"status": to, "comment": ev.Comment})
	})
	if err != nil {
		return training.Plan{}, err
	}
	return t.Plan(ctx, id)
}

// Plan implements training.Store.
func (t *Trainings) Plan(ctx context.Context, id int64) (training.Plan, error) {
	p, err := scanTrainingPlan(t.db.R.QueryRowContext(ctx, `SELECT `+trainingPlanCols+` FROM training_plans WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("training.err.no_plan", id)
	}
	return p, err
}

// Plans implements training.Store.
func (t *Trainings) Plans(ctx context.Context) ([]training.Plan, error) {
	return queryAll(ctx, t.db.R, `SELECT `+trainingPlanCols+` FROM training_plans ORDER BY fiscal_year DESC, id DESC`, scanTrainingPlan)
}

// PlanEvents implements training.Store.
func (t *Trainings) PlanEvents(ctx context.Context, planID int64) ([]training.PlanEvent, error) {
	return queryAll(ctx, t.db.R, `SELECT e.id, e.plan_id, e.action, e.actor_id, COALESCE(p.name, ''), e.comment, e.at
		FROM training_plan_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.plan_id = $1 ORDER BY e.id`,
		func(r scanner) (training.PlanEvent, error) {
			var e training.PlanEvent
			var at string
			err := r.Scan(&e.ID, &e.PlanID, &e.Action, &e.ActorID, &e.Actor, &e.Comment, &at)
			e.At = parseTime(at)
			return e, err
		}, planID)
}

// ---- courses

const courseCols = `id, plan_id, title, kind, summary, sections, questions, pass_mark, max_attempts, opens_on, closes_on,
	audience, new_staff, status, created_at, updated_at`

func scanCourse(row scanner) (training.Course, error) {
	var c training.Course
	var secs, qs, aud, cr, up string
	var ns int
	if err := row.Scan(&c.ID, &c.PlanID, &c.Title, &c.Kind, &c.Summary, &secs, &qs, &c.PassMark, &c.MaxAttempts,
		&c.OpensOn, &c.ClosesOn, &aud, &ns, &c.Status, &cr, &up); err != nil {
		return c, err
	}
	c.NewStaff = ns != 0
	c.CreatedAt, c.UpdatedAt = parseTime(cr), parseTime(up)
	if err := json.Unmarshal([]byte(secs), &c.Sections); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(qs), &c.Questions); err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(aud), &c.Audience)
}

func trJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateCourse implements training.Store.
func (t *Trainings) CreateCourse(ctx context.Context, c training.Course, actor int64) (training.Course, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_courses (plan_id, title, kind, summary, sections, questions, pass_mark,
			max_attempts, opens_on, closes_on, audience, new_staff, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
			c.PlanID, c.Title, c.Kind, c.Summary, trJSON(c.Sections), trJSON(c.Questions), c.PassMark, c.MaxAttempts,
			c.OpensOn, c.ClosesOn, trJSON(c.Audience), b2i(c.NewStaff), c.Status, formatTime(c.CreatedAt)).Scan(&c.ID); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.course_create", "training_course", c.ID, 0,
			map[string]any{"title": c.Title, "kind": c.Kind, "actor": actor})
	})
	if err != nil {
		return c, err
	}
	return t.Course(ctx, c.ID)
}

// SaveCourse implements training.Store.
func (t *Trainings) SaveCourse(ctx context.Context, c training.Course, actor int64) (training.Course, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_courses SET plan_id = $2, title = $3, kind = $4, summary = $5, sections = $6,
			questions = $7, pass_mark = $8, max_attempts = $9, opens_on = $10, closes_on = $11, audience = $12, new_staff = $13,
			updated_at = $14 WHERE id = $1 AND status <> 'closed'`,
			c.ID, c.PlanID, c.Title, c.Kind, c.Summary, trJSON(c.Sections), trJSON(c.Questions), c.PassMark, c.MaxAttempts,
			c.OpensOn, c.ClosesOn, trJSON(c.Audience), b2i(c.NewStaff), formatTime(c.UpdatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.course_state")
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.course_update", "training_course", c.ID, 0,
			map[string]any{"title": c.Title, "sections": len(c.Sections), "questions": len(c.Questions), "actor": actor})
	})
	t.forget(c.ID)
	if err != nil {
		return c, err
	}
	return t.Course(ctx, c.ID)
}

// PublishCourse implements training.Store.
func (t *Trainings) PublishCourse(ctx context.Context, id int64, actor int64, at time.Time) (training.Course, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_courses SET status = 'published', updated_at = $2 WHERE id = $1 AND status = 'draft'`,
			id, formatTime(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.course_state")
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.course_publish", "training_course", id, 0, map[string]any{"actor": actor})
	})
	t.forget(id)
	if err != nil {
		return training.Course{}, err
	}
	return t.Course(ctx, id)
}

// Course implements training.Store. A course read within the last
// second is reused (it is never changed through another store value in
// this process without dropping it here).
func (t *Trainings) Course(ctx context.Context, id int64) (training.Course, error) {
	t.mu.Lock()
	cc, ok := t.courses[id]
	t.mu.Unlock()
	if ok && time.Since(cc.at) < courseTTL {
		return cc.c, nil
	}
	c, err := scanCourse(t.row(ctx, `SELECT `+courseCols+` FROM training_courses WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("training.err.no_course", id)
	}
	if err == nil {
		t.mu.Lock()
		if t.courses == nil || len(t.courses) > 1000 {
			t.courses = map[int64]cachedCourse{}
		}
		t.courses[id] = cachedCourse{c: c, at: time.Now()}
		t.mu.Unlock()
	}
	return c, err
}

func (t *Trainings) forget(id int64) {
	t.mu.Lock()
	delete(t.courses, id)
	t.mu.Unlock()
}

// Courses implements training.Store.
func (t *Trainings) Courses(ctx context.Context) ([]training.Course, error) {
	return queryAll(ctx, t.db.R, `SELECT `+courseCols+` FROM training_courses ORDER BY id DESC`, scanCourse)
}

// AddImage implements training.Store.
func (t *Trainings) AddImage(ctx context.Context, img training.Image, actor int64) (training.Image, error) {
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_images (course_id, name, content_type, size, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, img.CourseID, img.Name, img.ContentType, len(img.Data),
			base64.StdEncoding.EncodeToString(img.Data), formatTime(img.CreatedAt)).Scan(&img.ID); err != nil {
			return err
		}
		img.Size = len(img.Data)
		return trAudit(ctx, tx, t.db.Dialect, "training.image_add", "training_image", img.ID, 0,
			map[string]any{"course": img.CourseID, "name": img.Name, "type": img.ContentType, "size": img.Size, "actor": actor})
	})
	return img, err
}

// Image implements training.Store.
func (t *Trainings) Image(ctx context.Context, id int64) (training.Image, error) {
	var img training.Image
	var data, at string
	err := t.db.R.QueryRowContext(ctx, `SELECT id, course_id, name, content_type, size, data, created_at FROM training_images WHERE id = $1`, id).
		Scan(&img.ID, &img.CourseID, &img.Name, &img.ContentType, &img.Size, &data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return img, notFound("training.err.no_image", id)
	}
	if err != nil {
		return img, err
	}
	img.CreatedAt = parseTime(at)
	img.Data, err = base64.StdEncoding.DecodeString(data)
	return img, err
}

// ---- assignment

// Assign implements training.Store.
func (t *Trainings) Assign(ctx context.Context, c training.Course, day, due string, at time.Time) (int, error) {
	args := []any{c.ID, due, formatTime(at)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"p.status = 'active'"}
	a := c.Audience
	if !a.All {
		if len(a.Roles) > 0 {
			var ph []string
			for _, r := range a.Roles {
				ph = append(ph, arg(r))
			}
			d := arg(day)
			where = append(where, `EXISTS (SELECT 1 FROM assignments ra JOIN roles r ON r.id = ra.role_id
				WHERE ra.person_id = p.id AND r.key IN (`+strings.Join(ph, ",")+`) AND ra.starts_on <= `+d+`
				AND (ra.ends_on = '' OR ra.ends_on >= `+d+`))`)
		}
		if len(a.Units) > 0 {
			var ors []string
			for _, id := range a.Units {
				ors = append(ors, `u.path LIKE (SELECT path FROM units WHERE id = `+arg(id)+`) || '%'`)
			}
			where = append(where, "("+strings.Join(ors, " OR ")+")")
		}
		if len(a.EmploymentTypes) > 0 {
			var ph []string
			for _, e := range a.EmploymentTypes {
				ph = append(ph, arg(e))
			}
			where = append(where, `EXISTS (SELECT 1 FROM training_employment e WHERE e.person_id = p.id AND e.type IN (`+
				strings.Join(ph, ",")+`))`)
		}
		if len(where) == 1 {
			return 0, nil
		}
	}
	n := 0
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO training_assignments (course_id, person_id, unit_id, cycle, reason, due_on, status, created_at)
			SELECT $1, p.id, p.unit_id, '', 'audience', $2, 'assigned', $3 FROM people p JOIN units u ON u.id = p.unit_id
			WHERE `+strings.Join(where, " AND ")+` ON CONFLICT (course_id, person_id, cycle) DO NOTHING`, args...)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n = int(k)
		if err != nil || n == 0 {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.assign", "training_course", c.ID, 0,
			map[string]any{"day": day, "due": due, "added": n})
	})
	return n, err
}

// Joiners implements training.Store.
func (t *Trainings) Joiners(ctx context.Context, from, to string) ([]training.Joiner, error) {
	return queryAll(ctx, t.db.R, `SELECT id, unit_id, CASE WHEN transferred_on > joined_on THEN transferred_on ELSE joined_on END
		FROM people WHERE status = 'active' AND ((joined_on >= $1 AND joined_on <= $2) OR (transferred_on >= $1 AND transferred_on <= $2))
		ORDER BY id`, func(r scanner) (training.Joiner, error) {
		var j training.Joiner
		err := r.Scan(&j.PersonID, &j.UnitID, &j.Day)
		return j, err
	}, from, to)
}

// AssignOne implements training.Store.
func (t *Trainings) AssignOne(ctx context.Context, a training.Assignment, at time.Time) (bool, error) {
	added := false
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO training_assignments (course_id, person_id, unit_id, cycle, reason, due_on, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'assigned', $7) ON CONFLICT (course_id, person_id, cycle) DO NOTHING RETURNING id`,
			a.CourseID, a.PersonID, a.UnitID, a.Cycle, a.Reason, a.DueOn, formatTime(at)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		added = true
		return trAudit(ctx, tx, t.db.Dialect, "training.assign_one", "training_assignment", id, a.UnitID,
			map[string]any{"course": a.CourseID, "person": a.PersonID, "reason": a.Reason, "due": a.DueOn})
	})
	return added, err
}

// SetEmployment implements training.Store.
func (t *Trainings) SetEmployment(ctx context.Context, types map[int64]string, at time.Time) error {
	return t.db.Tx(ctx, func(tx *sql.Tx) error {
		for id, ty := range types {
			if _, err := tx.ExecContext(ctx, `INSERT INTO training_employment (person_id, type, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (person_id) DO UPDATE SET type = excluded.type, updated_at = excluded.updated_at`, id, ty, formatTime(at)); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, t.db.Dialect, &audit.Event{Action: "training.employment", ObjectType: "training_employment",
			Detail: audit.Details(map[string]any{"people": len(types)})})
	})
}

// PersonByEmployeeNo implements training.Store.
func (t *Trainings) PersonByEmployeeNo(ctx context.Context, nos []string) (map[string]training.Joiner, error) {
	out := map[string]training.Joiner{}
	for start := 0; start < len(nos); start += 500 {
		chunk := nos[start:min(start+500, len(nos))]
		args := make([]any, len(chunk))
		ph := make([]string, len(chunk))
		for i, n := range chunk {
			args[i] = n
			ph[i] = t.db.Dialect.Placeholder(i + 1)
		}
		rows, err := t.db.R.QueryContext(ctx, `SELECT p.employee_no, p.id, p.unit_id, u.path FROM people p JOIN units u ON u.id = p.unit_id
			WHERE p.employee_no IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var no string
			var j training.Joiner
			if err := rows.Scan(&no, &j.PersonID, &j.UnitID, &j.Day); err != nil {
				rows.Close()
				return nil, err
			}
			out[no] = j // Day carries the unit path here
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const asgCols = `a.id, a.course_id, a.person_id, a.unit_id, a.cycle, a.reason, a.due_on, a.status, a.opened_at, a.completed_at,
	a.score, a.attempts, a.drill_opened, a.drill_reported, a.reminded_at, a.auto_reminded_at, a.escalated_at, a.excuse,
	a.excuse_state, a.excuse_by, c.title, c.kind, c.closes_on, p.name, p.employee_no, p.email, u.name, u.path`

const asgFrom = ` FROM training_assignments a JOIN training_courses c ON c.id = a.course_id JOIN people p ON p.id = a.person_id
	JOIN units u ON u.id = a.unit_id`

func scanTrAssignment(row scanner) (training.Assignment, error) {
	var a training.Assignment
	var opened, completed, reminded, auto, esc string
	var do, dr int
	err := row.Scan(&a.ID, &a.CourseID, &a.PersonID, &a.UnitID, &a.Cycle, &a.Reason, &a.DueOn, &a.Status, &opened, &completed,
		&a.Score, &a.Attempts, &do, &dr, &reminded, &auto, &esc, &a.Excuse, &a.ExcuseState, &a.ExcuseBy,
		&a.CourseTitle, &a.CourseKind, &a.CourseCloses, &a.PersonName, &a.EmployeeNo, &a.PersonEmail, &a.UnitName, &a.UnitPath)
	a.OpenedAt, a.CompletedAt, a.RemindedAt, a.AutoRemindAt, a.EscalatedAt = optParse(opened), optParse(completed),
		optParse(reminded), optParse(auto), optParse(esc)
	a.DrillOpened, a.DrillReported = do != 0, dr != 0
	return a, err
}

// Assignment implements training.Store.
func (t *Trainings) Assignment(ctx context.Context, id int64) (training.Assignment, error) {
	a, err := scanTrAssignment(t.row(ctx, `SELECT `+asgCols+asgFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("training.err.no_assignment", id)
	}
	return a, err
}

const asgBaseCols = `id, course_id, person_id, unit_id, cycle, reason, due_on, status, opened_at, completed_at,
	score, attempts, drill_opened, drill_reported, reminded_at, auto_reminded_at, escalated_at, excuse,
	excuse_state, excuse_by`

// Current implements training.Store (the assignment's own columns only:
// it is read on every request of someone taking a course).
func (t *Trainings) Current(ctx context.Context, courseID, personID int64) (training.Assignment, error) {
	var a training.Assignment
	var opened, completed, reminded, auto, esc string
	var do, dr int
	err := t.row(ctx, `SELECT `+asgBaseCols+` FROM training_assignments WHERE course_id = $1 AND person_id = $2
		ORDER BY CASE WHEN status = 'assigned' THEN 0 ELSE 1 END, id DESC LIMIT 1`, courseID, personID).
		Scan(&a.ID, &a.CourseID, &a.PersonID, &a.UnitID, &a.Cycle, &a.Reason, &a.DueOn, &a.Status, &opened, &completed,
			&a.Score, &a.Attempts, &do, &dr, &reminded, &auto, &esc, &a.Excuse, &a.ExcuseState, &a.ExcuseBy)
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("training.err.no_course", courseID)
	}
	a.OpenedAt, a.CompletedAt, a.RemindedAt, a.AutoRemindAt, a.EscalatedAt = optParse(opened), optParse(completed),
		optParse(reminded), optParse(auto), optParse(esc)
	a.DrillOpened, a.DrillReported = do != 0, dr != 0
	return a, err
}

// scopeWhere limits col (a unit id column) to the units of s: the unit ids
// are taken from the small units table first, so the assignments are read
// through their (course, unit) index.
func scopeWhere(s authz.Scope, col string, args *[]any) string {
	if s.All {
		return "1=1"
	}
	if len(s.Paths) == 0 {
		return "1=0"
	}
	var ors []string
	for _, p := range s.Paths {
		*args = append(*args, p+"%")
		ors = append(ors, "path LIKE $"+strconv.Itoa(len(*args)))
	}
	return col + " IN (SELECT id FROM units WHERE " + strings.Join(ors, " OR ") + ")"
}

// assignmentWhere is the WHERE clause of f over assignments a joined to
// their units u (f.AfterID aside).
func assignmentWhere(f training.AssignmentFilter, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	where := []string{scopeWhere(f.Scope, "a.unit_id", args)}
	if f.CourseID > 0 {
		where = append(where, "a.course_id = "+arg(f.CourseID))
	}
	if len(f.CourseIDs) > 0 {
		var ph []string
		for _, id := range f.CourseIDs {
			ph = append(ph, arg(id))
		}
		where = append(where, "a.course_id IN ("+strings.Join(ph, ",")+")")
	}
	if f.PersonID > 0 {
		where = append(where, "a.person_id = "+arg(f.PersonID))
	}
	if f.UnitID > 0 {
		where = append(where, "u.path LIKE (SELECT path FROM units WHERE id = "+arg(f.UnitID)+") || '%'")
	}
	if f.Pending {
		where = append(where, "a.status = 'assigned'")
	}
	if f.Excuses {
		where = append(where, "a.excuse_state = 'filed'")
	}
	return ` WHERE ` + strings.Join(where, " AND ")
}

// Assignments implements training.Store.
func (t *Trainings) Assignments(ctx context.Context, f training.AssignmentFilter) ([]training.Assignment, error) {
	var args []any
	q := `SELECT ` + asgCols + asgFrom + assignmentWhere(f, &args)
	if f.AfterID > 0 {
		args = append(args, f.AfterID)
		q += " AND a.id > $" + strconv.Itoa(len(args))
	}
	q += ` ORDER BY a.id`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return queryAll(ctx, t.db.R, q, scanTrAssignment, args...)
}

// CountAssignments implements training.Store.
func (t *Trainings) CountAssignments(ctx context.Context, f training.AssignmentFilter) (int, error) {
	var args []any
	var n int
	err := t.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_assignments a JOIN units u ON u.id = a.unit_id`+assignmentWhere(f, &args), args...).Scan(&n)
	return n, err
}

// MarkOpened implements training.Store.
func (t *Trainings) MarkOpened(ctx context.Context, id int64, at time.Time) error {
	return t.group(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_assignments SET opened_at = $2 WHERE id = $1 AND opened_at = ''`, id, formatTime(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.open", "training_assignment", id, 0, nil)
	})
}

// ---- attempts

type shown struct {
	Order   []int         `json:"order"`
	Choices map[int][]int `json:"choices"`
}

const attemptCols = `id, assignment_id, course_id, person_id, shown, answers, started_at, submitted_at, score, passed`

func scanAttempt(row scanner) (training.Attempt, error) {
	var a training.Attempt
	var sh, ans, st, sub string
	var passed int
	if err := row.Scan(&a.ID, &a.AssignmentID, &a.CourseID, &a.PersonID, &sh, &ans, &st, &sub, &a.Score, &passed); err != nil {
		return a, err
	}
	var s shown
	if err := json.Unmarshal([]byte(sh), &s); err != nil {
		return a, err
	}
	a.Order, a.ChoiceOrder = s.Order, s.Choices
	if err := json.Unmarshal([]byte(ans), &a.Answers); err != nil {
		return a, err
	}
	a.StartedAt, a.SubmittedAt, a.Passed = parseTime(st), optParse(sub), passed != 0
	return a, nil
}

// OpenAttempt implements training.Store.
func (t *Trainings) OpenAttempt(ctx context.Context, assignmentID int64) (training.Attempt, bool, error) {
	a, err := scanAttempt(t.row(ctx, `SELECT `+attemptCols+` FROM training_attempts
		WHERE assignment_id = $1 AND submitted_at = '' ORDER BY id DESC LIMIT 1`, assignmentID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// StartAttempt implements training.Store.
func (t *Trainings) StartAttempt(ctx context.Context, a training.Attempt) (training.Attempt, error) {
	err := t.group(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_attempts (assignment_id, course_id, person_id, shown, answers, started_at)
			VALUES ($1, $2, $3, $4, '{}', $5) RETURNING id`, a.AssignmentID, a.CourseID, a.PersonID,
			trJSON(shown{Order: a.Order, Choices: a.ChoiceOrder}), formatTime(a.StartedAt)).Scan(&a.ID); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.attempt_start", "training_assignment", a.AssignmentID, 0,
			map[string]any{"attempt": a.ID, "course": a.CourseID, "person": a.PersonID})
	})
	return a, err
}

// Attempt implements training.Store.
func (t *Trainings) Attempt(ctx context.Context, id int64) (training.Attempt, error) {
	a, err := scanAttempt(t.row(ctx, `SELECT `+attemptCols+` FROM training_attempts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("training.err.no_attempt", id)
	}
	return a, err
}

// SubmitAttempt implements training.Store. The assignment must still be
// to do (else Conflict); the returned assignment carries its new status
// and attempt count.
func (t *Trainings) SubmitAttempt(ctx context.Context, a training.Attempt) (training.Assignment, error) {
	out := training.Assignment{ID: a.AssignmentID, CourseID: a.CourseID, PersonID: a.PersonID}
	err := t.group(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_attempts SET answers = $2, submitted_at = $3, score = $4, passed = $5
			WHERE id = $1 AND submitted_at = ''`, a.ID, trJSON(a.Answers), formatTime(a.SubmittedAt), a.Score, b2i(a.Passed))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.submitted")
		}
		q := `UPDATE training_assignments SET attempts = attempts + 1, score = CASE WHEN score < $2 THEN $2 ELSE score END
			WHERE id = $1 AND status = 'assigned' RETURNING attempts, status, score`
		args := []any{a.AssignmentID, a.Score}
		if a.Passed {
			q = `UPDATE training_assignments SET attempts = attempts + 1, status = 'completed', completed_at = $3, score = $2
				WHERE id = $1 AND status = 'assigned' RETURNING attempts, status, score`
			args = append(args, formatTime(a.SubmittedAt))
		}
		err = tx.QueryRowContext(ctx, q, args...).Scan(&out.Attempts, &out.Status, &out.Score)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.Conflict, "training.err.done")
		}
		if err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.attempt", "training_assignment", a.AssignmentID, 0,
			map[string]any{"attempt": a.ID, "course": a.CourseID, "person": a.PersonID, "score": a.Score, "passed": a.Passed})
	})
	return out, err
}

// ---- following

// Remind implements training.Store.
func (t *Trainings) Remind(ctx context.Context, ids []int64, actor int64, ns []training.Notice, at time.Time) error {
	return t.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE training_assignments SET reminded_at = $2 WHERE id = $1`, id, formatTime(at)); err != nil {
				return err
			}
		}
		if err := trNotices(ctx, tx, ns); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, t.db.Dialect, &audit.Event{Action: "training.remind", ObjectType: "training_assignment",
			Detail: audit.Details(map[string]any{"assignments": len(ids), "actor": actor})})
	})
}

// AutoRemind implements training.Store.
func (t *Trainings) AutoRemind(ctx context.Context, from, to string, at time.Time, note func(training.Assignment) training.Notice) ([]training.Assignment, error) {
	cands, err := queryAll(ctx, t.db.R, `SELECT `+asgCols+asgFrom+` WHERE a.status = 'assigned' AND a.auto_reminded_at = ''
		AND a.due_on >= $1 AND a.due_on <= $2 ORDER BY a.id LIMIT 5000`, scanTrAssignment, from, to)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	var claimed []training.Assignment
	err = t.db.Tx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		for _, a := range cands {
			res, err := tx.ExecContext(ctx, `UPDATE training_assignments SET auto_reminded_at = $2 WHERE id = $1 AND auto_reminded_at = ''
				AND status = 'assigned'`, a.ID, formatTime(at))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed = append(claimed, a)
				if err := trNotices(ctx, tx, []training.Notice{note(a)}); err != nil {
					return err
				}
			}
		}
		if len(claimed) == 0 {
			return nil
		}
		return AppendAudit(ctx, tx, t.db.Dialect, &audit.Event{Action: "training.auto_remind", ObjectType: "training_assignment",
			Detail: audit.Details(map[string]any{"assignments": len(claimed), "from": from, "to": to})})
	})
	return claimed, err
}

// Escalate implements training.Store.
func (t *Trainings) Escalate(ctx context.Context, before string, at time.Time, notes func([]training.Assignment) []training.Notice) ([]training.Assignment, error) {
	cands, err := queryAll(ctx, t.db.R, `SELECT `+asgCols+asgFrom+` WHERE a.status = 'assigned' AND a.escalated_at = ''
		AND a.due_on <> '' AND a.due_on < $1 ORDER BY a.id LIMIT 20000`, scanTrAssignment, before)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	var claimed []training.Assignment
	err = t.db.Tx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		for _, a := range cands {
			res, err := tx.ExecContext(ctx, `UPDATE training_assignments SET escalated_at = $2 WHERE id = $1 AND escalated_at = ''`,
				a.ID, formatTime(at))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed = append(claimed, a)
			}
		}
		if len(claimed) == 0 {
			return nil
		}
		if err := trNotices(ctx, tx, notes(claimed)); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, t.db.Dialect, &audit.Event{Action: "training.escalate", ObjectType: "training_assignment",
			Detail: audit.Details(map[string]any{"assignments": len(claimed), "before": before})})
	})
	return claimed, err
}

// FileExcuse implements training.Store.
func (t *Trainings) FileExcuse(ctx context.Context, id int64, reason string, actor int64, ns []training.Notice, at time.Time) error {
	return t.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_assignments SET excuse = $2, excuse_state = 'filed', excuse_by = $3
			WHERE id = $1 AND status = 'assigned' AND excuse_state <> 'filed'`, id, reason, actor)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.excuse_state")
		}
		if err := trNotices(ctx, tx, ns); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.excuse_file", "training_assignment", id, 0,
			map[string]any{"reason": reason, "actor": actor})
	})
}

// DecideExcuse implements training.Store.
func (t *Trainings) DecideExcuse(ctx context.Context, id int64, accept bool, actor int64, ns []training.Notice, at time.Time) error {
	return t.db.Tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE training_assignments SET excuse_state = 'rejected' WHERE id = $1 AND excuse_state = 'filed'`
		if accept {
			q = `UPDATE training_assignments SET excuse_state = 'accepted', status = 'excused' WHERE id = $1 AND excuse_state = 'filed'`
		}
		res, err := tx.ExecContext(ctx, q, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "training.err.excuse_state")
		}
		if err := trNotices(ctx, tx, ns); err != nil {
			return err
		}
		return trAudit(ctx, tx, t.db.Dialect, "training.excuse_decide", "training_assignment", id, 0,
			map[string]any{"accept": accept, "actor": actor})
	})
}

// RecordAttendance implements training.Store.
func (t *Trainings) RecordAttendance(ctx context.Context, courseID int64, rows []training.Attendance, drill bool, actor int64, at time.Time) (int, error) {
	n := 0
	err := t.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO training_assignments (course_id, person_id, unit_id, cycle, reason, due_on, status, created_at)
				VALUES ($1, $2, $3, '', 'attendance', '', 'assigned', $4) ON CONFLICT (course_id, person_id, cycle) DO NOTHING`,
				courseID, r.PersonID, r.UnitID, formatTime(at)); err != nil {
				return err
			}
			done := r.Day + "T09:00:00Z"
			res, err := tx.ExecContext(ctx, `UPDATE training_assignments SET status = 'completed', completed_at = $4, score = $5,
				drill_opened = $6, drill_reported = $7, attempts = attempts + 1
				WHERE course_id = $1 AND person_id = $2 AND cycle = $3 AND status <> 'excused'`,
				courseID, r.PersonID, "", done, r.Score, b2i(r.Opened), b2i(r.Reported))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		action := "training.attendance"
		if drill {
			action = "training.drill"
		}
		return trAudit(ctx, tx, t.db.Dialect, action, "training_course", courseID, 0,
			map[string]any{"rows": len(rows), "recorded": n, "actor": actor})
	})
	return n, err
}

// Rates implements training.Store.
func (t *Trainings) Rates(ctx context.Context, courseIDs []int64, scope authz.Scope, today string) ([]training.UnitRate, error) {
	args := []any{today}
	where := []string{scopeWhere(scope, "a.unit_id", &args)}
	if len(courseIDs) > 0 {
		var ph []string
		for _, id := range courseIDs {
			args = append(args, id)
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		where = append(where, "a.course_id IN ("+strings.Join(ph, ",")+")")
	}
	return queryAll(ctx, t.db.R, `SELECT r.course_id, r.unit_id, u.name, u.path, r.n, r.done, r.excused, r.overdue, r.opened, r.reported
		FROM (SELECT a.course_id, a.unit_id, COUNT(*) AS n,
			SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END) AS done,
			SUM(CASE WHEN a.status = 'excused' THEN 1 ELSE 0 END) AS excused,
			SUM(CASE WHEN a.status = 'assigned' AND a.due_on <> '' AND a.due_on < $1 THEN 1 ELSE 0 END) AS overdue,
			SUM(a.drill_opened) AS opened, SUM(a.drill_reported) AS reported
			FROM training_assignments a WHERE `+strings.Join(where, " AND ")+` GROUP BY a.course_id, a.unit_id) r
		JOIN units u ON u.id = r.unit_id ORDER BY r.course_id, u.path`,
		func(r scanner) (training.UnitRate, error) {
			var x training.UnitRate
			err := r.Scan(&x.CourseID, &x.UnitID, &x.UnitName, &x.UnitPath, &x.Assigned, &x.Completed, &x.Excused, &x.Overdue,
				&x.Opened, &x.Reported)
			return x, err
		}, args...)
}

// Scores implements training.Store: completions per score band of ten
// (0–9 … 90–100).
func (t *Trainings) Scores(ctx context.Context, courseID int64) ([10]int, error) {
	var out [10]int
	bands, err := queryAll(ctx, t.db.R, `SELECT CASE WHEN score >= 90 THEN 9 WHEN score < 0 THEN 0 ELSE score / 10 END AS band, COUNT(*)
		FROM training_assignments WHERE course_id = $1 AND status = 'completed' GROUP BY 1`,
		func(r scanner) ([2]int, error) {
			var b [2]int
			err := r.Scan(&b[0], &b[1])
			return b, err
		}, courseID)
	for _, b := range bands {
		out[min(9, max(0, b[0]))] += b[1]
	}
	return out, err
}

// RoleHolders implements training.Store.
func (t *Trainings) RoleHolders(ctx context.Context, roleKey, day string) ([]training.Holder, error) {
	return queryAll(ctx, t.db.R, `SELECT DISTINCT p.id, p.name, p.email FROM assignments a JOIN roles r ON r.id = a.role_id
		JOIN people p ON p.id = a.person_id WHERE r.key = $1 AND a.starts_on <= $2 AND (a.ends_on = '' OR a.ends_on >= $2)
		AND p.status <> 'left' ORDER BY p.id`, func(r scanner) (training.Holder, error) {
		var h training.Holder
		err := r.Scan(&h.PersonID, &h.Name, &h.Email)
		return h, err
	}, roleKey, day)
}

// ClaimJob implements training.Store (the shared jobs table).
func (t *Trainings) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return t.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// FinishJob implements training.Store.
func (t *Trainings) FinishJob(ctx context.Context, key, owner string, at time.Time) error {
	return t.db.Selfchecks().FinishJob(ctx, key, owner, at)
}

// ScoreSum implements training.Store: the sum and count of the scores of
// the course's completions.
func (t *Trainings) ScoreSum(ctx context.Context, courseID int64) (sum, n int, err error) {
	err = t.db.R.QueryRowContext(ctx, `SELECT COALESCE(SUM(score), 0), COUNT(*) FROM training_assignments
		WHERE course_id = $1 AND status = 'completed'`, courseID).Scan(&sum, &n)
	return sum, n, err
}
