package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/selfcheck"
)

// SaveAnswers implements selfcheck.Store: one transaction for the whole
// batch, in a fixed number of statements whatever its size. On PostgreSQL
// the batch is one round trip (selfcheck_answers_pg.go); on SQLite it runs
// the prepared statements below on the writer connection, one batch at a
// time. Both take rows in one order (checklists by id, then answers, then
// tallies by unit and item), on PostgreSQL so that batches from several
// replicas cannot deadlock.
func (s *Selfchecks) SaveAnswers(ctx context.Context, ws []selfcheck.AnswerWrite) []error {
	errs := make([]error, len(ws))
	var err error
	if s.db.Dialect == Postgres {
		err = s.saveAnswersPostgres(ctx, ws, errs)
	} else if err = s.prepareShapes(ctx, len(ws)); err == nil {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := range errs {
				errs[i] = nil
			}
			return s.saveAnswers(ctx, tx, ws, errs)
		})
	}
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("store answers: %w", err)
		}
	}
	return errs
}

type answerKey struct{ checklist, item int64 }

// The SQLite batch statements. Their text depends on how many rows they
// carry; SQLite parses a statement every time it runs unless prepared, and
// parsing was a third of the writer's time in the rush (a batch runs five
// statements). So each statement comes in a fixed set of shapes
// (batchShapes rows), the rows are padded up to the next shape (in a way
// that changes nothing: see each step), and every shape is prepared once
// on the writer connection (DB.WriterStmt). The conflict clauses serve the
// PostgreSQL statement too (selfcheck_answers_pg.go).
const (
	sqlCampaignStatus = `SELECT status FROM sc_campaigns WHERE id = $1`
	answersConflict   = ` ON CONFLICT (checklist_id, item_id) DO UPDATE SET value = excluded.value, comment = excluded.comment,
		answered_at = excluded.answered_at`
	tallyConflict = ` ON CONFLICT (campaign_id, unit_id, item_id) DO UPDATE SET
		n_yes = sc_tally.n_yes + excluded.n_yes, n_partial = sc_tally.n_partial + excluded.n_partial,
		n_no = sc_tally.n_no + excluded.n_no, n_na = sc_tally.n_na + excluded.n_na`
)

// batchShapes are the row counts the SQLite batch statements are prepared
// for: exact up to 8, then at most half again as many rows as needed, up
// to selfcheck.MaxBatch. A larger batch runs unprepared.
var batchShapes = []int{1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}

// shape is the row count a statement for n rows is built for.
func (s *Selfchecks) shape(n int) int {
	for _, b := range batchShapes {
		if b >= n {
			return b
		}
	}
	return n
}

type batchKind int

const (
	lockKind batchKind = iota
	storedKind
	upsertKind
	tallyKind
)

type batchSQLKey struct {
	kind batchKind
	n    int
}

// batchTexts memoises the batch statements' text by kind and rows.
var batchTexts sync.Map

// batchSQL is the text of the kind's statement for n rows.
func (s *Selfchecks) batchSQL(kind batchKind, n int) string {
	key := batchSQLKey{kind, n}
	if q, ok := batchTexts.Load(key); ok {
		return q.(string)
	}
	var q string
	switch kind {
	case lockKind:
		q = s.lockSQL(n)
	case storedKind:
		q = s.storedSQL(n)
	case upsertKind:
		q = s.upsertSQL(n)
	default:
		q = s.tallySQL(n)
	}
	if n <= batchShapes[len(batchShapes)-1] {
		batchTexts.Store(key, q)
	}
	return q
}

func (s *Selfchecks) lockSQL(n int) string {
	return s.valuesList(`UPDATE sc_checklists SET updated_at = `+s.db.Dialect.Placeholder(1)+
		`, status = CASE WHEN status = 'not_started' THEN 'in_progress' ELSE status END
		WHERE status <> 'submitted' AND id IN (`, 1, n) + `) RETURNING id`
}

func (s *Selfchecks) storedSQL(n int) string {
	// A join with the keys as a VALUES list looks each key up by the
	// primary key (SQLite scans the table for a row-value IN).
	var sb strings.Builder
	sb.WriteString(`WITH k (c, i) AS (VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(" + s.db.Dialect.Placeholder(2*i+1) + "," + s.db.Dialect.Placeholder(2*i+2) + ")")
	}
	sb.WriteString(`) SELECT a.checklist_id, a.item_id, a.value FROM k JOIN sc_answers a ON a.checklist_id = k.c AND a.item_id = k.i`)
	return sb.String()
}

func (s *Selfchecks) upsertSQL(n int) string {
	return s.valuesSQL(`INSERT INTO sc_answers (checklist_id, item_id, value, comment, answered_at) VALUES `, n, 5) + answersConflict
}

func (s *Selfchecks) tallySQL(n int) string {
	return s.valuesSQL(`INSERT INTO sc_tally (campaign_id, unit_id, item_id, n_yes, n_partial, n_no, n_na) VALUES `, n, 7) + tallyConflict
}

// valuesList appends n placeholders, numbered from after first, to head.
func (s *Selfchecks) valuesList(head string, first, n int) string {
	var sb strings.Builder
	sb.WriteString(head)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(s.db.Dialect.Placeholder(first + i + 1))
	}
	return sb.String()
}

// prepareShapes prepares the batch statements of every shape up to the
// one n writes can need (each statement carries at most one row per
// write), so that the transaction finds them all prepared. It runs outside
// the transaction: the writer is one connection.
func (s *Selfchecks) prepareShapes(ctx context.Context, n int) error {
	want := s.shape(n)
	if int(s.db.shapesReady.Load()) >= want {
		return nil
	}
	if _, err := s.db.WriterStmt(ctx, sqlCampaignStatus); err != nil {
		return err
	}
	for _, b := range batchShapes {
		if b > want {
			break
		}
		for _, k := range []batchKind{lockKind, storedKind, upsertKind, tallyKind} {
			if _, err := s.db.WriterStmt(ctx, s.batchSQL(k, b)); err != nil {
				return err
			}
		}
		s.db.shapesReady.Store(int32(b))
	}
	return nil
}

// stmt runs q in tx, through its prepared statement when the writer has one.
func (s *Selfchecks) stmt(tx *sql.Tx, q string) txStmt {
	return txStmt{tx: tx, q: q, st: s.db.preparedStmt(q)}
}

type txStmt struct {
	tx *sql.Tx
	q  string
	st *sql.Stmt
}

func (t txStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	if t.st != nil {
		return t.tx.StmtContext(ctx, t.st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.q, args...)
}

func (t txStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	if t.st != nil {
		return t.tx.StmtContext(ctx, t.st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.q, args...)
}

func (t txStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if t.st != nil {
		return t.tx.StmtContext(ctx, t.st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.q, args...)
}

type tallyKey struct{ campaign, unit, item int64 }

// saveAnswers stores the batch ws in tx, setting errs[i] for each write
// refused (campaign closed, checklist submitted). The steps run in lock
// order.
func (s *Selfchecks) saveAnswers(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite, errs []error) error {
	open, err := s.openCampaigns(ctx, tx, ws)
	if err != nil {
		return err
	}
	var checklists []int64
	for i, w := range ws {
		if !open[w.CampaignID] {
			errs[i] = errCampaignClosed()
			continue
		}
		checklists = append(checklists, w.ChecklistID)
	}
	if len(checklists) == 0 {
		return nil
	}
	writable, err := s.lockChecklists(ctx, tx, checklists, ws[0].At)
	if err != nil {
		return err
	}
	last, order := lastWrites(ws, errs, writable)
	if len(order) == 0 {
		return nil
	}
	old, err := s.storedValues(ctx, tx, order)
	if err != nil {
		return err
	}
	if err := s.upsertAnswers(ctx, tx, ws, last, order); err != nil {
		return err
	}
	return s.moveTallies(ctx, tx, tallyDeltas(ws, last, order, old))
}

// openCampaigns says which campaigns of the batch are still published
// (the service read the campaign from its cache, which may be up to
// campaignTTL old).
func (s *Selfchecks) openCampaigns(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite) (map[int64]bool, error) {
	open := map[int64]bool{}
	for _, w := range ws {
		if _, ok := open[w.CampaignID]; ok {
			continue
		}
		var status string
		err := s.stmt(tx, sqlCampaignStatus).QueryRowContext(ctx, w.CampaignID).Scan(&status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		open[w.CampaignID] = status == string(selfcheck.Published)
	}
	return open, nil
}

// lockChecklists (step 1) touches and so locks, in id order, the
// checklists that are not submitted, starting the ones not started; it
// returns those it touched.
func (s *Selfchecks) lockChecklists(ctx context.Context, tx *sql.Tx, ids []int64, at time.Time) (map[int64]bool, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	n := s.shape(len(ids))
	args := make([]any, 0, 1+n)
	args = append(args, formatTime(at))
	for i := 0; i < n; i++ {
		args = append(args, ids[min(i, len(ids)-1)]) // padded with the last id
	}
	rows, err := s.stmt(tx, s.batchSQL(lockKind, n)).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	writable := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		writable[id] = true
	}
	return writable, rows.Err()
}

// lastWrites refuses the writes to checklists not writable and returns,
// for the others, the last write per checklist × item (as writing them
// one by one would leave) and those keys in lock order.
// A write is refused for its checklist or its campaign, so the writes to
// one key are all refused or none is.
func lastWrites(ws []selfcheck.AnswerWrite, errs []error, writable map[int64]bool) (map[answerKey]int, []answerKey) {
	for i, w := range ws {
		if errs[i] == nil && !writable[w.ChecklistID] {
			errs[i] = errChecklistSubmitted()
		}
	}
	last, order := latestPerKey(ws)
	kept := order[:0]
	for _, k := range order {
		if errs[last[k]] == nil {
			kept = append(kept, k)
		}
	}
	return last, kept
}

// The refusals of a write, for both engines.
func errCampaignClosed() error {
	return apperr.E(apperr.Conflict, "selfcheck.err.campaign_closed_answers_longer_changed2")
}

func errChecklistSubmitted() error {
	return apperr.E(apperr.Conflict, "selfcheck.err.checklist_already_submitted_answers_longer")
}

// latestPerKey returns, per checklist × item, the index of the batch's
// last write to it (as writing them one by one would leave) and those
// keys in lock order.
func latestPerKey(ws []selfcheck.AnswerWrite) (map[answerKey]int, []answerKey) {
	last := make(map[answerKey]int, len(ws))
	order := make([]answerKey, 0, len(ws))
	for i, w := range ws {
		k := answerKey{w.ChecklistID, w.ItemID}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = i
	}
	slices.SortFunc(order, cmpAnswerKey)
	return last, order
}

// cmpAnswerKey orders answers as they are locked: by checklist, then item.
func cmpAnswerKey(a, b answerKey) int {
	if c := cmpInt(a.checklist, b.checklist); c != 0 {
		return c
	}
	return cmpInt(a.item, b.item)
}

// storedValues (step 2) reads the answers about to be replaced, for the
// tallies.
func (s *Selfchecks) storedValues(ctx context.Context, tx *sql.Tx, order []answerKey) (map[answerKey]int, error) {
	n := s.shape(len(order))
	args := make([]any, 0, 2*n)
	for i := 0; i < n; i++ {
		k := order[min(i, len(order)-1)] // padded with the last key
		args = append(args, k.checklist, k.item)
	}
	rows, err := s.stmt(tx, s.batchSQL(storedKind, n)).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	old := map[answerKey]int{}
	for rows.Next() {
		var k answerKey
		var v int
		if err := rows.Scan(&k.checklist, &k.item, &v); err != nil {
			return nil, err
		}
		old[k] = v
	}
	return old, rows.Err()
}

// upsertAnswers (step 3) stores the last write per key in one statement.
func (s *Selfchecks) upsertAnswers(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite, last map[answerKey]int, order []answerKey) error {
	// Padding repeats the last row: on SQLite the repeat updates the row
	// to what it already holds.
	n := s.shape(len(order))
	args := make([]any, 0, 5*n)
	for i := 0; i < n; i++ {
		w := ws[last[order[min(i, len(order)-1)]]]
		args = append(args, w.ChecklistID, w.ItemID, int(w.Value), w.Comment, formatTime(w.At))
	}
	_, err := s.stmt(tx, s.batchSQL(upsertKind, n)).ExecContext(ctx, args...)
	return err
}

// tallyDeltas works out how each unit × item tally moves: one up for the
// new value, one down for the value it replaces.
func tallyDeltas(ws []selfcheck.AnswerWrite, last map[answerKey]int, order []answerKey, old map[answerKey]int) map[tallyKey]*[5]int {
	deltas := map[tallyKey]*[5]int{}
	for _, k := range order {
		w := ws[last[k]]
		prev := old[k]
		if prev == int(w.Value) {
			continue
		}
		tk := tallyKey{w.CampaignID, w.UnitID, w.ItemID}
		d := deltas[tk]
		if d == nil {
			d = new([5]int)
			deltas[tk] = d
		}
		d[w.Value]++
		if prev > 0 && prev < 5 {
			d[prev]--
		}
	}
	return deltas
}

// moveTallies (step 4) adds the deltas to the tallies, in lock order.
func (s *Selfchecks) moveTallies(ctx context.Context, tx *sql.Tx, deltas map[tallyKey]*[5]int) error {
	tks := make([]tallyKey, 0, len(deltas))
	for k, d := range deltas {
		if d[1] != 0 || d[2] != 0 || d[3] != 0 || d[4] != 0 {
			tks = append(tks, k)
		}
	}
	if len(tks) == 0 {
		return nil
	}
	slices.SortFunc(tks, func(a, b tallyKey) int {
		if c := cmpInt(a.campaign, b.campaign); c != 0 {
			return c
		}
		if c := cmpInt(a.unit, b.unit); c != 0 {
			return c
		}
		return cmpInt(a.item, b.item)
	})
	// Padding repeats the last key with nothing to add.
	n := s.shape(len(tks))
	args := make([]any, 0, 7*n)
	for i := 0; i < n; i++ {
		k := tks[min(i, len(tks)-1)]
		if i < len(tks) {
			d := deltas[k]
			args = append(args, k.campaign, k.unit, k.item, d[1], d[2], d[3], d[4])
		} else {
			args = append(args, k.campaign, k.unit, k.item, 0, 0, 0, 0)
		}
	}
	_, err := s.stmt(tx, s.batchSQL(tallyKind, n)).ExecContext(ctx, args...)
	return err
}

// valuesSQL appends n rows of cols placeholders, "(…),(…)", to head.
func (s *Selfchecks) valuesSQL(head string, n, cols int) string {
	var sb strings.Builder
	sb.WriteString(head)
	p := 0
	for r := 0; r < n; r++ {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j := 0; j < cols; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			p++
			sb.WriteString(s.db.Dialect.Placeholder(p))
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
