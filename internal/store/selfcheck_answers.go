package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/selfcheck"
)

// SaveAnswers implements selfcheck.Store: one transaction for the whole
// batch, in a fixed number of statements whatever its size (a round trip
// to PostgreSQL costs more than the work). Locks are taken in one order
// (checklists by id, then answers, then tallies by unit and item) so
// batches from several replicas cannot deadlock.
func (s *Selfchecks) SaveAnswers(ctx context.Context, ws []selfcheck.AnswerWrite) []error {
	errs := make([]error, len(ws))
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := range errs {
			errs[i] = nil
		}
		return s.saveAnswers(ctx, tx, ws, errs)
	})
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("store answers: %w", err)
		}
	}
	return errs
}

type answerKey struct{ checklist, item int64 }

type tallyKey struct{ campaign, unit, item int64 }

// saveAnswers stores the batch ws in tx, setting errs[i] for each write
// refused (campaign closed, checklist submitted). The steps run in lock
// order.
func (s *Selfchecks) saveAnswers(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite, errs []error) error {
	open, err := openCampaigns(ctx, tx, ws)
	if err != nil {
		return err
	}
	var checklists []int64
	for i, w := range ws {
		if !open[w.CampaignID] {
			errs[i] = apperr.E(apperr.Conflict, "selfcheck.err.campaign_closed_answers_longer_changed2")
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
// (closing is checked again here because another replica may have closed
// one).
func openCampaigns(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite) (map[int64]bool, error) {
	open := map[int64]bool{}
	for _, w := range ws {
		if _, ok := open[w.CampaignID]; ok {
			continue
		}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM sc_campaigns WHERE id = $1`, w.CampaignID).Scan(&status)
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
	var sb strings.Builder
	args := []any{formatTime(at)}
	sb.WriteString(`UPDATE sc_checklists SET updated_at = ` + s.db.Dialect.Placeholder(len(args)) +
		`, status = CASE WHEN status = 'not_started' THEN 'in_progress' ELSE status END
		WHERE status <> 'submitted' AND id IN (`)
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		args = append(args, id)
		sb.WriteString(s.db.Dialect.Placeholder(len(args)))
	}
	sb.WriteString(`) RETURNING id`)
	rows, err := tx.QueryContext(ctx, sb.String(), args...)
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
func lastWrites(ws []selfcheck.AnswerWrite, errs []error, writable map[int64]bool) (map[answerKey]int, []answerKey) {
	last := map[answerKey]int{}
	var order []answerKey
	for i, w := range ws {
		if errs[i] != nil {
			continue
		}
		if !writable[w.ChecklistID] {
			errs[i] = apperr.E(apperr.Conflict, "selfcheck.err.checklist_already_submitted_answers_longer")
			continue
		}
		k := answerKey{w.ChecklistID, w.ItemID}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = i
	}
	slices.SortFunc(order, func(a, b answerKey) int {
		if c := cmpInt(a.checklist, b.checklist); c != 0 {
			return c
		}
		return cmpInt(a.item, b.item)
	})
	return last, order
}

// storedValues (step 2) reads the answers about to be replaced, for the
// tallies.
func (s *Selfchecks) storedValues(ctx context.Context, tx *sql.Tx, order []answerKey) (map[answerKey]int, error) {
	d := s.db.Dialect
	var sb strings.Builder
	var args []any
	cast := "" // PostgreSQL types bare VALUES parameters as text
	if d == Postgres {
		cast = "::bigint"
	}
	// A join with the keys as a VALUES list makes both engines look each
	// key up by the primary key (SQLite scans the table for a row-value IN).
	sb.WriteString(`WITH k (c, i) AS (VALUES `)
	for i, k := range order {
		if i > 0 {
			sb.WriteByte(',')
		}
		args = append(args, k.checklist)
		sb.WriteString("(" + d.Placeholder(len(args)) + cast + ",")
		args = append(args, k.item)
		sb.WriteString(d.Placeholder(len(args)) + cast + ")")
	}
	sb.WriteString(`) SELECT a.checklist_id, a.item_id, a.value FROM k JOIN sc_answers a ON a.checklist_id = k.c AND a.item_id = k.i`)
	rows, err := tx.QueryContext(ctx, sb.String(), args...)
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
	rows := make([][]any, len(order))
	for n, k := range order {
		w := ws[last[k]]
		rows[n] = []any{w.ChecklistID, w.ItemID, int(w.Value), w.Comment, formatTime(w.At)}
	}
	q, args := s.insertValues(`INSERT INTO sc_answers (checklist_id, item_id, value, comment, answered_at) VALUES `, rows)
	_, err := tx.ExecContext(ctx, q+` ON CONFLICT (checklist_id, item_id) DO UPDATE SET value = excluded.value, comment = excluded.comment,
		answered_at = excluded.answered_at`, args...)
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
	rows := make([][]any, len(tks))
	for n, k := range tks {
		d := deltas[k]
		rows[n] = []any{k.campaign, k.unit, k.item, d[1], d[2], d[3], d[4]}
	}
	q, args := s.insertValues(`INSERT INTO sc_tally (campaign_id, unit_id, item_id, n_yes, n_partial, n_no, n_na) VALUES `, rows)
	_, err := tx.ExecContext(ctx, q+` ON CONFLICT (campaign_id, unit_id, item_id) DO UPDATE SET
		n_yes = sc_tally.n_yes + excluded.n_yes, n_partial = sc_tally.n_partial + excluded.n_partial,
		n_no = sc_tally.n_no + excluded.n_no, n_na = sc_tally.n_na + excluded.n_na`, args...)
	return err
}

// insertValues appends "(…),(…)" with a placeholder per value of rows to
// head and returns the statement and its arguments.
func (s *Selfchecks) insertValues(head string, rows [][]any) (string, []any) {
	var sb strings.Builder
	var args []any
	sb.WriteString(head)
	for n, row := range rows {
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				sb.WriteByte(',')
			}
			args = append(args, v)
			sb.WriteString(s.db.Dialect.Placeholder(len(args)))
		}
		sb.WriteByte(')')
	}
	return sb.String(), args
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
