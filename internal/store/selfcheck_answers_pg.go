package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"kitei/internal/metrics"
	"kitei/internal/selfcheck"
)

// On PostgreSQL an answer batch is one round trip: two statements sent
// together as a pgx batch, which PostgreSQL runs as one implicit
// transaction committed at the batch's end. Sent one by one (BEGIN, the
// campaign check, four batch statements, COMMIT) the backend spent half of
// the rush idle in a transaction waiting for the next statement, and the
// writer's round trips, not the work, set the pace.
//
// The first statement only locks the batch's checklists in id order. The
// second does the rest and, being a new statement under READ COMMITTED,
// reads with a snapshot taken after those locks were granted: a batch from
// another replica that held one of them has committed by then, so the
// answers it replaced and the tallies it moved are seen. Inside the second
// statement the answers about to be replaced are read in the same snapshot
// as the upsert that replaces them, and the tally moves are worked out
// from them in SQL. Locks follow the same order as on SQLite (checklists
// by id, answers by checklist and item, tallies by campaign, unit, item),
// so batches from several replicas cannot deadlock.
const (
	pgLockChecklists = `SELECT id FROM sc_checklists WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`

	// $1 the batch's time, $2 the published status, $3… the writes as
	// parallel arrays (one row per checklist × item, last write wins).
	// The result says, per row, 0 stored, 1 campaign not published, 2
	// checklist submitted or missing.
	pgApplyAnswers = `WITH w (c, i, v, cm, at, camp, unit) AS (
	SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
), j AS (
	SELECT w.*, CASE WHEN p.status IS DISTINCT FROM $2 THEN 1
		WHEN k.status IS NULL OR k.status = 'submitted' THEN 2 ELSE 0 END AS refused
	FROM w LEFT JOIN sc_campaigns p ON p.id = w.camp LEFT JOIN sc_checklists k ON k.id = w.c
), ok AS (
	SELECT j.*, a.value AS prev FROM j LEFT JOIN sc_answers a ON a.checklist_id = j.c AND a.item_id = j.i
	WHERE j.refused = 0
), touched AS (
	UPDATE sc_checklists SET updated_at = $1,
		status = CASE WHEN status = 'not_started' THEN 'in_progress' ELSE status END
	WHERE id IN (SELECT c FROM ok)
), saved AS (
	INSERT INTO sc_answers (checklist_id, item_id, value, comment, answered_at)
	SELECT c, i, v, cm, at FROM ok ORDER BY c, i` + answersConflict + `
), moved AS (
	SELECT camp, unit, i,
		count(*) FILTER (WHERE v = 1) - count(*) FILTER (WHERE prev = 1) AS d1,
		count(*) FILTER (WHERE v = 2) - count(*) FILTER (WHERE prev = 2) AS d2,
		count(*) FILTER (WHERE v = 3) - count(*) FILTER (WHERE prev = 3) AS d3,
		count(*) FILTER (WHERE v = 4) - count(*) FILTER (WHERE prev = 4) AS d4
	FROM ok WHERE prev IS DISTINCT FROM v GROUP BY camp, unit, i
), tallied AS (
	INSERT INTO sc_tally (campaign_id, unit_id, item_id, n_yes, n_partial, n_no, n_na)
	SELECT camp, unit, i, d1, d2, d3, d4 FROM moved WHERE d1 <> 0 OR d2 <> 0 OR d3 <> 0 OR d4 <> 0
	ORDER BY camp, unit, i` + tallyConflict + `
)
SELECT c, i, refused FROM j`
)

// saveAnswersPostgres stores the batch ws in one round trip, setting
// errs[i] for each write refused. It returns only once PostgreSQL has
// committed (the batch's end is read), so an answer acknowledged is a
// durable one.
func (s *Selfchecks) saveAnswersPostgres(ctx context.Context, ws []selfcheck.AnswerWrite, errs []error) (err error) {
	start := time.Now()
	defer func() { metrics.Commit(time.Since(start), err) }()

	last, order := latestPerKey(ws)
	n := len(order)
	keyChecklists := make([]int64, n)
	items := make([]int64, n)
	values := make([]int32, n)
	comments := make([]string, n)
	times := make([]string, n)
	campaigns := make([]int64, n)
	units := make([]int64, n)
	for x, k := range order {
		w := ws[last[k]]
		keyChecklists[x], items[x] = k.checklist, k.item
		values[x], comments[x], times[x] = int32(w.Value), w.Comment, formatTime(w.At)
		campaigns[x], units[x] = w.CampaignID, w.UnitID
	}

	refused := make(map[answerKey]int, n)
	conn, err := s.db.answers.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store answers: the PostgreSQL driver is %T, not pgx", dc)
		}
		b := &pgx.Batch{}
		b.Queue(pgLockChecklists, keyChecklists) // repeats are locked once
		b.Queue(pgApplyAnswers, formatTime(ws[0].At), string(selfcheck.Published),
			keyChecklists, items, values, comments, times, campaigns, units)
		br := pc.Conn().SendBatch(ctx, b)
		if err := readApplied(br, refused); err != nil {
			br.Close()
			return err
		}
		// Close reads to the batch's end: the implicit transaction's
		// commit, or the error that rolled it back.
		return br.Close()
	})
	if err != nil {
		return err
	}
	for i, w := range ws {
		switch refused[answerKey{w.ChecklistID, w.ItemID}] {
		case 1:
			errs[i] = errCampaignClosed()
		case 2:
			errs[i] = errChecklistSubmitted()
		}
	}
	return nil
}

// readApplied reads the lock statement's and the apply statement's
// results, noting each row's refusal.
func readApplied(br pgx.BatchResults, refused map[answerKey]int) error {
	if _, err := br.Exec(); err != nil {
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k answerKey
		var r int32
		if err := rows.Scan(&k.checklist, &k.item, &r); err != nil {
			return err
		}
		refused[k] = int(r)
	}
	return rows.Err()
}
