package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/training"
)

type trMail struct {
	mu   sync.Mutex
	sent []string
}

func (m *trMail) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject+"|"+body)
	return nil
}

func (m *trMail) count(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.sent {
		if strings.HasPrefix(s, to+"|") {
			n++
		}
	}
	return n
}

// trWorld is the register test's organisation with a training service on
// an injected clock.
type trWorld struct {
	*regWorld
	db   *store.DB
	svc  *training.Service
	now  time.Time
	mail *trMail
}

func newTrWorld(t *testing.T, db *store.DB, day string) *trWorld {
	t.Helper()
	w := &trWorld{regWorld: newRegWorld(t, db), db: db, mail: &trMail{}}
	var err error
	if w.now, err = time.Parse(time.DateTime, day+" 09:00:00"); err != nil {
		t.Fatal(err)
	}
	w.svc = training.NewService(db.Trainings(), w.orgs)
	w.svc.SetClock(func() time.Time { return w.now })
	w.orgs.SetClock(func() time.Time { return w.now })
	w.svc.Mailer = w.mail
	return w
}

func (w *trWorld) notices(t *testing.T, person int64, kind string) int {
	t.Helper()
	var n int
	if err := w.db.R.QueryRow(`SELECT COUNT(*) FROM notices WHERE person_id = $1 AND kind = $2`, person, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Must show 2: a person appointed to a unit today gets the new-staff course
// due three months later, computed by the job on an injected clock, and the
// reminder before the due date goes out exactly once however often the job
// runs.
func TestTrainingNewStaffDueInThreeMonthsAndOneReminder(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-06-01")
		sys := authz.System
		c, err := w.svc.CreateCourse(ctx, sys, training.Course{Title: "新任者研修", Kind: training.KindELearning, NewStaff: true,
			Sections:  []training.Section{{Heading: "はじめに", Body: "情報セキュリティ規程の概要"}},
			Questions: []training.Question{{Text: "Q", Choices: []training.Choice{{Text: "a", Correct: true}, {Text: "b"}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.Publish(ctx, sys, c.ID); err != nil {
			t.Fatal(err)
		}
		// Nobody has joined yet: the staff of the world joined long ago.
		res, err := w.svc.RunJobs(ctx)
		if err != nil || res.NewStaff != 0 {
			t.Fatalf("before anyone joins: %+v %v", res, err)
		}
		joiner, err := w.orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "N1", Name: "新人", Email: "n1@example.jp",
			UnitID: w.unitA1.ID, Status: "active", JoinedOn: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		// A transfer today counts as an appointment to the new unit.
		moved := w.staff
		moved.UnitID, moved.TransferredOn, moved.Email = w.unitB.ID, "2026-06-01", "s1@example.jp"
		if _, err := w.orgs.UpdatePerson(ctx, authz.System, moved); err != nil {
			t.Fatal(err)
		}
		res, err = w.svc.RunJobs(ctx)
		if err != nil || res.NewStaff != 2 {
			t.Fatalf("new staff run: %+v %v", res, err)
		}
		if res, _ = w.svc.RunJobs(ctx); res.NewStaff != 0 {
			t.Fatalf("second run gave the course again: %+v", res)
		}
		for _, p := range []struct {
			id   int64
			unit int64
		}{{joiner.ID, w.unitA1.ID}, {w.staff.ID, w.unitB.ID}} {
			as, err := db.Trainings().Assignments(ctx, training.AssignmentFilter{PersonID: p.id, Scope: authz.Everywhere})
			if err != nil || len(as) != 1 {
				t.Fatalf("person %d: %+v %v", p.id, as, err)
			}
			a := as[0]
			if a.DueOn != "2026-09-01" || a.Reason != "new_staff" || a.Cycle != "2026-06-01" || a.UnitID != p.unit || a.Status != training.StatusAssigned {
				t.Errorf("person %d assignment = %+v, want due 2026-09-01 in unit %d", p.id, a, p.unit)
			}
		}
		// The joiner sees it in "my training".
		me := &authz.Principal{PersonID: joiner.ID, UnitPath: w.unitA1.Path, Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: w.unitA1.Path}}}
		my, err := w.svc.My(ctx, me)
		if err != nil || len(my) != 1 || my[0].CourseID != c.ID {
			t.Fatalf("my training: %+v %v", my, err)
		}

		// Two weeks before: too early for the reminder.
		w.now = time.Date(2026, 8, 18, 9, 0, 0, 0, time.UTC)
		if res, _ = w.svc.RunJobs(ctx); res.Reminded != 0 || w.notices(t, joiner.ID, "training.due_soon") != 0 {
			t.Fatalf("reminded too early: %+v", res)
		}
		// Within seven days of the due date: one reminder each, in the
		// inbox and by e-mail …
		w.now = time.Date(2026, 8, 26, 9, 0, 0, 0, time.UTC)
		if res, _ = w.svc.RunJobs(ctx); res.Reminded != 2 {
			t.Fatalf("reminder run: %+v", res)
		}
		// … and never again, on the same day or the next.
		for _, day := range []int{26, 27, 31} {
			w.now = time.Date(2026, 8, day, 15, 0, 0, 0, time.UTC)
			if res, _ = w.svc.RunJobs(ctx); res.Reminded != 0 {
				t.Fatalf("reminded again on 08-%d: %+v", day, res)
			}
		}
		if n := w.notices(t, joiner.ID, "training.due_soon"); n != 1 {
			t.Errorf("joiner has %d due-soon notices, want 1", n)
		}
		if n := w.notices(t, w.staff.ID, "training.due_soon"); n != 1 {
			t.Errorf("transferred person has %d due-soon notices, want 1", n)
		}
		if n := w.mail.count("n1@example.jp"); n != 1 {
			t.Errorf("joiner got %d e-mails, want 1", n)
		}
		// Completing the course stops nothing already sent; an overdue one
		// is escalated to the 統括 once.
		w.now = time.Date(2026, 9, 2, 9, 0, 0, 0, time.UTC)
		if res, _ = w.svc.RunJobs(ctx); res.Escalated != 2 {
			t.Fatalf("escalation run: %+v", res)
		}
		if res, _ = w.svc.RunJobs(ctx); res.Escalated != 0 {
			t.Fatalf("escalated twice: %+v", res)
		}
		if n := w.notices(t, w.chief.ID, "training.overdue"); n != 1 {
			t.Errorf("統括 has %d overdue notices, want 1 (one per course)", n)
		}
	})
}

// fiveQuestions is a test from the rulebooks' topics; the right answer of
// each is the choice marked correct.
func fiveQuestions() []training.Question {
	q := func(text string, multiple bool, choices ...training.Choice) training.Question {
		return training.Question{Text: text, Multiple: multiple, Choices: choices}
	}
	ok := func(s string) training.Choice { return training.Choice{Text: s, Correct: true} }
	no := func(s string) training.Choice { return training.Choice{Text: s} }
	return []training.Question{
		q("パスワードの扱いとして正しいものは", false, no("付箋に書いて貼る"), ok("他人に教えない"), no("同僚と共有する")),
		q("不審なメールを受け取ったら", false, ok("情報セキュリティ担当に報告する"), no("添付を開いて確かめる")),
		q("機密性3の情報の持出しに必要なものをすべて選べ", true, ok("許可"), ok("暗号化"), no("口頭の連絡だけ")),
		q("離席するとき", false, ok("画面をロックする"), no("そのままにする")),
		q("私物の USB メモリは", false, no("自由に使える"), ok("許可なく接続しない")),
	}
}

func rightAnswers(c training.Course) map[int][]int {
	out := map[int][]int{}
	for _, q := range c.Questions {
		for _, ch := range q.Choices {
			if ch.Correct {
				out[q.ID] = append(out[q.ID], ch.ID)
			}
		}
	}
	return out
}

// Must show 3 (service level, both engines): answers are checked only on
// the server; the right ids posted for someone else's attempt, before the
// course was opened, for a draft course, or after the period are refused.
func TestTrainingAnswersCheckedOnServer(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-06-01")
		sys := authz.System
		c, err := w.svc.CreateCourse(ctx, sys, training.Course{Title: "情報セキュリティ基本研修", Kind: training.KindELearning,
			Sections:  []training.Section{{Heading: "パスワード", Body: "# 見出し\n\n- 他人に教えない\n\n<script>alert(1)</script>[外部](https://evil.example)"}},
			Questions: fiveQuestions(), PassMark: 80, MaxAttempts: 3, OpensOn: "2026-06-01", ClosesOn: "2026-06-30",
			Audience: training.Audience{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		staff := w.who(t, w.staff)
		other := w.who(t, w.isso)
		// A draft is nobody's course yet.
		if _, err := w.svc.OpenCourse(ctx, staff, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("draft course opened: %v", err)
		}
		c, n, err := w.svc.Publish(ctx, sys, c.ID)
		if err != nil || n != 6 {
			t.Fatalf("publish: assigned %d, %v", n, err)
		}
		right := rightAnswers(c)
		// Not opened: the test cannot start.
		if _, err := w.svc.StartAttempt(ctx, staff, c.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("start before opening: %v", err)
		}
		v, err := w.svc.OpenCourse(ctx, staff, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		html := string(v.Sections[0].HTML)
		if strings.Contains(html, "<script") || strings.Contains(html, "evil.example") || !strings.Contains(html, "<li>他人に教えない</li>") {
			t.Errorf("course text not sanitised: %s", html)
		}
		at, err := w.svc.StartAttempt(ctx, staff, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(at); strings.Contains(string(b), "correct") || len(at.Questions) != 5 {
			t.Fatalf("attempt view leaks correctness or lacks questions: %s", b)
		}
		// Someone else posting the right answers to this attempt: refused.
		if _, err := w.svc.Submit(ctx, other, at.ID, right); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("someone else's attempt: %v", err)
		}
		// The owner fails once (one wrong answer: 80 % is the pass mark,
		// so two wrong).
		wrong := map[int][]int{}
		for k, v := range right {
			wrong[k] = v
		}
		for i, q := range c.Questions[:2] {
			_ = i
			for _, ch := range q.Choices {
				if !ch.Correct {
					wrong[q.ID] = []int{ch.ID}
					break
				}
			}
		}
		res, err := w.svc.Submit(ctx, staff, at.ID, wrong)
		if err != nil || res.Passed || res.Score != 60 || res.Attempts != 1 || res.Left != 2 {
			t.Fatalf("failing attempt: %+v %v", res, err)
		}
		if _, err := w.svc.Submit(ctx, staff, at.ID, right); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second answer to a submitted attempt: %v", err)
		}
		// Choices of another question or several answers to a single
		// choice are refused, not scored.
		at2, err := w.svc.StartAttempt(ctx, staff, c.ID)
		if err != nil || at2.ID == at.ID {
			t.Fatalf("second attempt: %+v %v", at2, err)
		}
		bad := map[int][]int{c.Questions[0].ID: {c.Questions[1].Choices[0].ID}}
		if _, err := w.svc.Submit(ctx, staff, at2.ID, bad); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("foreign choice id: %v", err)
		}
		res, err = w.svc.Submit(ctx, staff, at2.ID, right)
		if err != nil || !res.Passed || res.Score != 100 || res.Status != training.StatusCompleted || res.Attempts != 2 {
			t.Fatalf("passing attempt: %+v %v", res, err)
		}
		if _, err := w.svc.StartAttempt(ctx, staff, c.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("start after completing: %v", err)
		}
		// Opening (once), each start and each answer are in the audit trail.
		for action, want := range map[string]int{"training.open": 1, "training.attempt_start": 2, "training.attempt": 2} {
			var n int
			if err := db.R.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = $1`, action).Scan(&n); err != nil || n != want {
				t.Errorf("audit %s: %d events, want %d (%v)", action, n, want, err)
			}
		}

		// Another person opens and starts during the period, answers after it.
		if _, err := w.svc.OpenCourse(ctx, other, c.ID); err != nil {
			t.Fatal(err)
		}
		late, err := w.svc.StartAttempt(ctx, other, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.now = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
		if _, err := w.svc.Submit(ctx, other, late.ID, right); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("answer after the period: %v", err)
		}
		if _, err := w.svc.StartAttempt(ctx, other, c.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("start after the period: %v", err)
		}
		a, err := db.Trainings().Current(ctx, c.ID, w.isso.ID)
		if err != nil || a.Status != training.StatusAssigned || a.Attempts != 0 {
			t.Fatalf("late person's assignment changed: %+v %v", a, err)
		}

		// The officer of A1 sees the unit's rate; the officer of B does not
		// see A1; reminders reach those still to do it.
		f, err := w.svc.Follow(ctx, w.who(t, w.divA1), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Rates) != 1 || f.Rates[0].UnitID != w.unitA1.ID || f.Rates[0].Assigned != 3 || f.Rates[0].Completed != 1 {
			t.Fatalf("A1 officer's rates: %+v", f.Rates)
		}
		if _, err := w.svc.Remind(ctx, w.who(t, w.divB), c.ID, w.unitA1.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("B officer reminding A1: %v", err)
		}
		w.now = time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)
		n, err = w.svc.Remind(ctx, w.who(t, w.divA1), c.ID, w.unitA1.ID)
		if err != nil || n != 2 {
			t.Fatalf("remind: %d %v", n, err)
		}
		if w.notices(t, w.isso.ID, "training.remind") != 1 || w.notices(t, w.staff.ID, "training.remind") != 0 {
			t.Error("reminder went to the wrong people")
		}
		// Results for the CISO.
		r, err := w.svc.Results(ctx, sys, 2026)
		if err != nil || len(r.Courses) != 1 || r.Courses[0].Totals.Completed != 1 || r.Courses[0].Histogram[9] != 1 {
			t.Fatalf("results: %+v %v", r, err)
		}
	})
}

// Plans move draft → submitted → approved with their history; only the
// CISO decides.
func TestTrainingPlanApproval(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-04-01")
		ciso, err := w.orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "CISO", Name: "最高責任者", UnitID: w.unitA.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.orgs.Appoint(ctx, authz.System, org.Assignment{PersonID: ciso.ID, RoleKey: authz.RoleCISO, StartsOn: "2020-04-01"}); err != nil {
			t.Fatal(err)
		}
		chief := w.who(t, w.chief)
		pl, err := w.svc.CreatePlan(ctx, chief, training.Plan{FiscalYear: 2026, Title: "令和8年度 教育実施計画", Body: "- 全職員 e ラーニング"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreatePlan(ctx, w.who(t, w.staff), training.Plan{FiscalYear: 2026, Title: "x"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff made a plan: %v", err)
		}
		if _, err := w.svc.DecidePlan(ctx, w.who(t, ciso), pl.ID, true, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("approved a draft: %v", err)
		}
		if _, err := w.svc.SubmitPlan(ctx, chief, pl.ID, "ご承認ください"); err != nil {
			t.Fatal(err)
		}
		if w.notices(t, ciso.ID, "training.plan_submitted") != 1 {
			t.Error("CISO not notified")
		}
		if _, err := w.svc.DecidePlan(ctx, chief, pl.ID, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("統括 approved own plan: %v", err)
		}
		if _, err := w.svc.DecidePlan(ctx, w.who(t, ciso), pl.ID, false, ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("returned without a reason: %v", err)
		}
		got, err := w.svc.DecidePlan(ctx, w.who(t, ciso), pl.ID, true, "承認します")
		if err != nil || got.Status != training.PlanApproved {
			t.Fatalf("approve: %+v %v", got, err)
		}
		_, evs, err := w.svc.Plan(ctx, w.who(t, ciso), pl.ID)
		if err != nil || len(evs) != 3 || evs[2].Action != "approve" || evs[2].ActorID != ciso.ID || evs[2].Comment != "承認します" {
			t.Fatalf("history: %+v %v", evs, err)
		}
	})
}

// Reasons for not attending go through the 課室 officer to the 統括;
// drills record who opened and who reported.
func TestTrainingExcuseAndDrill(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-06-01")
		sys := authz.System
		c, err := w.svc.CreateCourse(ctx, sys, training.Course{Title: "集合研修", Kind: training.KindClassroom,
			OpensOn: "2026-06-01", ClosesOn: "2026-06-30", Audience: training.Audience{Units: []int64{w.unitA.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, n, err := w.svc.Publish(ctx, sys, c.ID); err != nil || n != 4 {
			t.Fatalf("publish to 部 A and below: %d %v", n, err)
		}
		a, err := db.Trainings().Current(ctx, c.ID, w.isso.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.FileExcuse(ctx, w.who(t, w.divB), a.ID, "長期出張"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("officer of B filing for A1: %v", err)
		}
		if err := w.svc.FileExcuse(ctx, w.who(t, w.divA1), a.ID, " "); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("empty reason: %v", err)
		}
		if err := w.svc.FileExcuse(ctx, w.who(t, w.divA1), a.ID, "長期の病気休暇のため"); err != nil {
			t.Fatal(err)
		}
		if w.notices(t, w.chief.ID, "training.excuse_filed") != 1 {
			t.Error("統括 not told of the reason")
		}
		if err := w.svc.DecideExcuse(ctx, w.who(t, w.divA1), a.ID, true); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("officer deciding: %v", err)
		}
		if err := w.svc.DecideExcuse(ctx, w.who(t, w.chief), a.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Trainings().Current(ctx, c.ID, w.isso.ID); got.Status != training.StatusExcused {
			t.Fatalf("after acceptance: %+v", got)
		}
		// Attendance by the officer of A1: a person of B is refused.
		csv := "職員番号,受講日,得点\nS1,2026/06/05,90\nD2,2026-06-05,80\n"
		if _, rep, err := w.svc.ImportAttendance(ctx, w.who(t, w.divA1), c.ID, "a.csv", []byte(csv)); err == nil || rep == nil || len(rep.Errors) != 1 || rep.Errors[0].Row != 3 {
			t.Fatalf("attendance with someone of B: %+v %v", rep, err)
		}
		n, _, err := w.svc.ImportAttendance(ctx, w.who(t, w.divA1), c.ID, "a.csv", []byte("職員番号,受講日,得点\nS1,2026/06/05,90\n"))
		if err != nil || n != 1 {
			t.Fatalf("attendance: %d %v", n, err)
		}
		f, err := w.svc.Follow(ctx, w.who(t, w.divA1), c.ID)
		if err != nil || f.Totals.Completed != 1 || f.Totals.Excused != 1 || f.Totals.Assigned != 3 {
			t.Fatalf("A1 after attendance: %+v %v", f.Totals, err)
		}
		// A drill.
		d, err := w.svc.CreateCourse(ctx, sys, training.Course{Title: "標的型メール訓練", Kind: training.KindDrill, OpensOn: "2026-06-01",
			ClosesOn: "2026-06-30", Audience: training.Audience{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.Publish(ctx, sys, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.ImportDrill(ctx, w.who(t, w.divA1), d.ID, "d.csv", []byte("職員番号,開封,報告\nS1,はい,いいえ\n")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("officer importing a drill: %v", err)
		}
		if _, _, err := w.svc.ImportDrill(ctx, sys, d.ID, "d.csv", []byte("職員番号,開封,報告\nS1,はい,いいえ\nD1,いいえ,はい\nD2,○,○\n")); err != nil {
			t.Fatal(err)
		}
		r, err := w.svc.Results(ctx, sys, 2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range r.Courses {
			if cr.Course.ID == d.ID && (cr.Totals.Opened != 2 || cr.Totals.Reported != 2 || cr.Totals.Completed != 3) {
				t.Errorf("drill totals: %+v", cr.Totals)
			}
		}
	})
}
