package training

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/paging"
	"kitei/internal/tabular"
)

// Following is what a 課室 officer sees: the completion of each published
// course in the units of their scope (one row a unit), and a page of the
// people still to do the chosen course (in Unit and below when it is not
// 0), in the order they were assigned.
type Following struct {
	Courses      []Course     `json:"courses"`
	Course       *Course      `json:"course,omitempty"`
	Rates        []UnitRate   `json:"rates"`
	Totals       UnitRate     `json:"totals"`
	Unit         int64        `json:"unit,omitempty"`
	Pending      []Assignment `json:"pending"`
	PendingTotal int          `json:"pending_total"`
	Next         string       `json:"next,omitempty"` // cursor of the pending list's next page
}

// Page sizes of the pending list: PageSize on the page, APIPageSize in the
// API unless the client asks for another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

// Follow is the officer's view of courseID (0: the latest published
// course), limited to the units where they hold Follow, with the first
// PageSize people still to do it.
func (s *Service) Follow(ctx context.Context, p *authz.Principal, courseID int64) (Following, error) {
	return s.FollowPage(ctx, p, courseID, 0, paging.Request{Limit: PageSize})
}

// FollowPage is Follow with the page pr of the people still to do the
// course, of unitID and the units below it when it is not 0; the cursor is
// the assignment's id.
func (s *Service) FollowPage(ctx context.Context, p *authz.Principal, courseID, unitID int64, pr paging.Request) (Following, error) {
	f := Following{Unit: unitID}
	if err := authz.Require(p, Follow); err != nil {
		return f, err
	}
	if err := paging.IDOnly(pr); err != nil {
		return f, err
	}
	scope := p.Scope(Follow)
	cs, err := s.store.Courses(ctx)
	if err != nil {
		return f, err
	}
	for _, c := range cs {
		if c.Status == CourseDraft {
			continue
		}
		f.Courses = append(f.Courses, c)
		if (courseID == 0 && f.Course == nil) || c.ID == courseID {
			c := c
			f.Course = &c
		}
	}
	if f.Course == nil {
		if courseID != 0 {
			return f, notFoundCourse(courseID)
		}
		return f, nil
	}
	if f.Rates, err = s.store.Rates(ctx, []int64{f.Course.ID}, scope, s.today()); err != nil {
		return f, err
	}
	f.Totals = total(f.Rates)
	q := AssignmentFilter{CourseID: f.Course.ID, UnitID: unitID, Scope: scope, Pending: true}
	pg, err := paging.Read(pr, func() (int, error) { return s.store.CountAssignments(ctx, q) },
		func(after paging.Cursor, n int) ([]Assignment, error) {
			q.AfterID, q.Limit = after.ID, n
			return s.store.Assignments(ctx, q)
		}, func(a Assignment) paging.Cursor { return paging.Cursor{ID: a.ID} })
	f.Pending, f.Next, f.PendingTotal = pg.Rows, pg.Next, pg.Total
	return f, err
}

func total(rs []UnitRate) UnitRate {
	var t UnitRate
	for _, r := range rs {
		t.Assigned += r.Assigned
		t.Completed += r.Completed
		t.Excused += r.Excused
		t.Overdue += r.Overdue
		t.Opened += r.Opened
		t.Reported += r.Reported
	}
	return t
}

// Remind sends everyone in unitID (and below) who has not completed the
// course an in-app notice and an e-mail. The officer must hold Follow for
// the unit.
func (s *Service) Remind(ctx context.Context, p *authz.Principal, courseID, unitID int64) (int, error) {
	if err := authz.Require(p, Follow); err != nil {
		return 0, err
	}
	u, err := s.units.Unit(ctx, unitID)
	if err != nil {
		return 0, err
	}
	if err := authz.RequireIn(p, Follow, u.Path); err != nil {
		return 0, err
	}
	c, err := s.store.Course(ctx, courseID)
	if err != nil {
		return 0, err
	}
	if c.Status == CourseDraft {
		return 0, notFoundCourse(courseID)
	}
	pending, err := s.store.Assignments(ctx, AssignmentFilter{CourseID: courseID, UnitID: unitID, Scope: p.Scope(Follow), Pending: true})
	if err != nil {
		return 0, err
	}
	now := s.now()
	var ids []int64
	var ns []Notice
	for _, a := range pending {
		ids = append(ids, a.ID)
		ns = append(ns, Notice{PersonID: a.PersonID, Email: a.PersonEmail, Kind: "training.remind",
			Ref: "training:" + strconv.FormatInt(courseID, 10), Subject: msg("training.mail.remind_subject", c.Title),
			Message: msg("training.notice.remind", c.Title, a.DueOn), CreatedAt: now})
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := s.store.Remind(ctx, ids, p.PersonID, ns, now); err != nil {
		return 0, err
	}
	s.mail(ctx, ns)
	return len(ids), nil
}

// FileExcuse records, through the 課室 officer, why a person cannot attend
// (やむを得ない事情); it goes to the 統括 for a decision.
func (s *Service) FileExcuse(ctx context.Context, p *authz.Principal, assignmentID int64, reason string) error {
	if err := authz.Require(p, Follow); err != nil {
		return err
	}
	a, err := s.store.Assignment(ctx, assignmentID)
	if err != nil {
		return err
	}
	if err := authz.RequireIn(p, Follow, a.UnitPath); err != nil {
		return apperr.E(apperr.NotFound, "training.err.no_assignment", assignmentID)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || tooLong(reason, 2000) {
		return invalid("training.err.reason")
	}
	ns, err := s.toChief(ctx, "training.excuse_filed", "training_assignment:"+strconv.FormatInt(a.ID, 10),
		msg("training.notice.excuse_filed", a.PersonName, a.UnitName, a.CourseTitle))
	if err != nil {
		return err
	}
	if err := s.store.FileExcuse(ctx, a.ID, reason, p.PersonID, ns, s.now()); err != nil {
		return err
	}
	s.mail(ctx, ns)
	return nil
}

func (s *Service) toChief(ctx context.Context, kind, ref, text string) ([]Notice, error) {
	holders, err := s.store.RoleHolders(ctx, authz.RoleChiefISO, s.today())
	if err != nil {
		return nil, err
	}
	now := s.now()
	var ns []Notice
	for _, h := range holders {
		ns = append(ns, Notice{PersonID: h.PersonID, Email: h.Email, Kind: kind, Ref: ref,
			Subject: msg("training.mail.chief_subject"), Message: text, CreatedAt: now})
	}
	return ns, nil
}

// Excuses lists the reasons waiting for the 統括's decision.
func (s *Service) Excuses(ctx context.Context, p *authz.Principal) ([]Assignment, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return nil, err
	}
	return s.store.Assignments(ctx, AssignmentFilter{Scope: authz.Everywhere, Excuses: true, Limit: 500})
}

// DecideExcuse accepts (the person is excused) or rejects a reason.
func (s *Service) DecideExcuse(ctx context.Context, p *authz.Principal, assignmentID int64, accept bool) error {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return err
	}
	a, err := s.store.Assignment(ctx, assignmentID)
	if err != nil {
		return err
	}
	key := "training.notice.excuse_rejected"
	if accept {
		key = "training.notice.excuse_accepted"
	}
	ns := []Notice{{PersonID: a.PersonID, Kind: "training.excuse", Ref: "training:" + strconv.FormatInt(a.CourseID, 10),
		Message: msg(key, a.CourseTitle), CreatedAt: s.now()}}
	if a.ExcuseBy > 0 && a.ExcuseBy != a.PersonID {
		ns = append(ns, Notice{PersonID: a.ExcuseBy, Kind: "training.excuse", Ref: ns[0].Ref,
			Message: msg(key+"_officer", a.PersonName, a.CourseTitle), CreatedAt: s.now()})
	}
	return s.store.DecideExcuse(ctx, a.ID, accept, p.PersonID, ns, s.now())
}

// ImportAttendance records a classroom or external session's attendance
// list (職員番号, 受講日, optional 得点). Every person must be in the
// officer's units; nothing is stored while any row has a problem.
func (s *Service) ImportAttendance(ctx context.Context, p *authz.Principal, courseID int64, name string, data []byte) (int, *tabular.Report, error) {
	if err := authz.Require(p, Follow); err != nil {
		return 0, nil, err
	}
	c, err := s.store.Course(ctx, courseID)
	if err != nil {
		return 0, nil, err
	}
	if c.Kind != KindClassroom && c.Kind != KindExternal {
		return 0, nil, invalid("training.err.not_classroom")
	}
	if c.Status == CourseDraft {
		return 0, nil, apperr.E(apperr.Conflict, "training.err.course_state")
	}
	return s.importRows(ctx, p, p.Scope(Follow), c, name, data, false)
}

// ImportDrill records a 標的型メール訓練's results (職員番号, 開封, 報告).
func (s *Service) ImportDrill(ctx context.Context, p *authz.Principal, courseID int64, name string, data []byte) (int, *tabular.Report, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return 0, nil, err
	}
	c, err := s.store.Course(ctx, courseID)
	if err != nil {
		return 0, nil, err
	}
	if c.Kind != KindDrill {
		return 0, nil, invalid("training.err.not_drill")
	}
	if c.Status == CourseDraft {
		return 0, nil, apperr.E(apperr.Conflict, "training.err.course_state")
	}
	return s.importRows(ctx, p, authz.Everywhere, c, name, data, true)
}

func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "y", "true", "はい", "有", "あり", "○", "〇", "済":
		return true
	}
	return false
}

func (s *Service) importRows(ctx context.Context, p *authz.Principal, scope authz.Scope, c Course, name string, data []byte, drill bool) (int, *tabular.Report, error) {
	sheets, err := tabular.Read(name, data, "")
	if err != nil {
		return 0, nil, err
	}
	rep := &tabular.Report{}
	if len(sheets) == 0 {
		rep.Add("", 0, "", "", "training.row.empty")
		return 0, rep, rep.Err()
	}
	sh := sheets[0]
	colNo := sh.Column("職員番号", "employee_no", "社員番号")
	colDay := sh.Column("受講日", "date", "実施日")
	colScore := sh.Column("得点", "score")
	colOpen := sh.Column("開封", "opened")
	colReport := sh.Column("報告", "reported")
	if colNo < 0 {
		rep.Add(sh.Name, 1, "職員番号", "", "training.row.no_column", "職員番号")
		return 0, rep, rep.Err()
	}
	var nos []string
	for _, r := range sh.Rows {
		nos = append(nos, strings.TrimSpace(tabular.Cell(r, colNo)))
	}
	people, err := s.store.PersonByEmployeeNo(ctx, nos)
	if err != nil {
		return 0, nil, err
	}
	today := s.today()
	var rows []Attendance
	for i, r := range sh.Rows {
		line := sh.RowNumbers[i]
		no := nos[i]
		who, ok := people[no]
		if !ok {
			rep.Add(sh.Name, line, "職員番号", no, "training.row.no_person")
			continue
		}
		if !scope.Contains(who.Day) {
			rep.Add(sh.Name, line, "職員番号", no, "training.row.out_of_scope")
			continue
		}
		day := today
		if colDay >= 0 {
			if v := strings.TrimSpace(tabular.Cell(r, colDay)); v != "" {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f > 20000 && f < 80000 {
					// an Excel date serial (raw cell value)
					v = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)).Format(DateLayout)
				}
				v = strings.ReplaceAll(v, "/", "-")
				t, err := time.Parse(DateLayout, v)
				if err != nil {
					if t, err = time.Parse("2006-1-2", v); err != nil {
						rep.Add(sh.Name, line, "受講日", v, "training.row.date")
						continue
					}
				}
				day = t.Format(DateLayout)
			}
		}
		score := 100
		if colScore >= 0 {
			if v := strings.TrimSpace(tabular.Cell(r, colScore)); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 100 {
					rep.Add(sh.Name, line, "得点", v, "training.row.score")
					continue
				}
				score = n
			}
		}
		row := Attendance{PersonID: who.PersonID, UnitID: who.UnitID, Day: day, Score: score}
		if drill {
			row.Opened, row.Reported, row.Score = yes(tabular.Cell(r, colOpen)), yes(tabular.Cell(r, colReport)), 0
		}
		rows = append(rows, row)
	}
	if !rep.OK() {
		return 0, rep, rep.Err()
	}
	n, err := s.store.RecordAttendance(ctx, c.ID, rows, drill, p.PersonID, s.now())
	return n, rep, err
}

// SetEmployment imports employment types (職員番号, 雇用形態) used by
// audiences.
func (s *Service) SetEmployment(ctx context.Context, p *authz.Principal, name string, data []byte) (int, *tabular.Report, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return 0, nil, err
	}
	sheets, err := tabular.Read(name, data, "")
	if err != nil {
		return 0, nil, err
	}
	rep := &tabular.Report{}
	if len(sheets) == 0 {
		rep.Add("", 0, "", "", "training.row.empty")
		return 0, rep, rep.Err()
	}
	sh := sheets[0]
	colNo, colType := sh.Column("職員番号", "employee_no"), sh.Column("雇用形態", "employment_type")
	if colNo < 0 || colType < 0 {
		rep.Add(sh.Name, 1, "", "", "training.row.no_column", "職員番号, 雇用形態")
		return 0, rep, rep.Err()
	}
	var nos []string
	for _, r := range sh.Rows {
		nos = append(nos, strings.TrimSpace(tabular.Cell(r, colNo)))
	}
	people, err := s.store.PersonByEmployeeNo(ctx, nos)
	if err != nil {
		return 0, nil, err
	}
	types := map[int64]string{}
	for i, r := range sh.Rows {
		who, ok := people[nos[i]]
		ty := strings.TrimSpace(tabular.Cell(r, colType))
		switch {
		case !ok:
			rep.Add(sh.Name, sh.RowNumbers[i], "職員番号", nos[i], "training.row.no_person")
		case ty == "" || tooLong(ty, 40):
			rep.Add(sh.Name, sh.RowNumbers[i], "雇用形態", ty, "training.row.type")
		default:
			types[who.PersonID] = ty
		}
	}
	if !rep.OK() {
		return 0, rep, rep.Err()
	}
	return len(types), rep, s.store.SetEmployment(ctx, types, s.now())
}
