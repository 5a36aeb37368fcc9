// Package training runs education and training (教育・訓練): the yearly plan
// (教育実施計画) approved by the CISO, courses (e-learning written in kitei
// with a comprehension test, classroom or external sessions whose
// attendance is imported, and 標的型メール訓練 drills whose results are
// imported), assignment by role, unit and employment type computed from the
// organisation on the day, the new-staff course given automatically within
// three months of joining or transfer, "my training", following by the 課室
// officers with reminders and escalation, and the results and yearly report
// to the CISO.
//
// Test answers are checked only here, on the server: the questions a client
// receives carry no correctness, an attempt belongs to one person, and it
// is accepted only while the course is open.
package training

import (
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// Permissions of the capability.
var (
	// Take: one's own training (my training, the course, the test).
	Take = authz.Define("training.take", authz.RoleStaff, authz.RoleAdministrator)
	// Follow: completion of the units in scope, reminders, attendance
	// import and reasons for not attending (課室 officers).
	Follow = authz.Define("training.follow", authz.RoleISO, authz.RoleDivisionISO, authz.RoleChiefISO,
		authz.RoleSecOffice, authz.RoleAdministrator)
	// Admin: plans, courses, assignment, drills and decisions on reasons
	// (統括情報セキュリティ責任者 and the office).
	Admin = authz.Define("training.admin", authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleAdministrator)
	// Report: results of the whole organisation and the yearly report.
	Report = authz.Define("training.report", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO,
		authz.RoleSecOffice, authz.RoleAuditChief, authz.RoleAdministrator)
	// Approve: approve the yearly plan (CISO).
	Approve = authz.Define("training.approve", authz.RoleCISO)
)

// DateLayout is how days are stored.
const DateLayout = "2006-01-02"

// Course kinds.
const (
	KindELearning = "elearning"
	KindClassroom = "classroom"
	KindExternal  = "external"
	KindDrill     = "drill"
)

// Course statuses.
const (
	CourseDraft     = "draft"
	CoursePublished = "published"
	CourseClosed    = "closed"
)

// Plan statuses.
const (
	PlanDraft     = "draft"
	PlanSubmitted = "submitted"
	PlanApproved  = "approved"
	PlanReturned  = "returned"
)

// Assignment statuses.
const (
	StatusAssigned  = "assigned"
	StatusCompleted = "completed"
	StatusExcused   = "excused"
)

// Excuse states (reasons for not attending, やむを得ない事情).
const (
	ExcuseFiled    = "filed"
	ExcuseAccepted = "accepted"
	ExcuseRejected = "rejected"
)

// NewStaffMonths is how long a person who joins or transfers has for the
// new-staff course.
const NewStaffMonths = 3

// Plan is the yearly education plan (教育実施計画).
type Plan struct {
	ID         int64     `json:"id"`
	FiscalYear int       `json:"fiscal_year"`
	Title      string    `json:"title"`
	Body       string    `json:"body"` // markdown: aims, audiences, periods, owners
	Status     string    `json:"status"`
	CreatedBy  int64     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PlanEvent is one step of a plan's history.
type PlanEvent struct {
	ID      int64     `json:"id"`
	PlanID  int64     `json:"plan_id"`
	Action  string    `json:"action"` // create, submit, approve, return
	ActorID int64     `json:"actor_id"`
	Actor   string    `json:"actor"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Audience says who a course is for, evaluated on the organisation of the
// day: everyone active when All, else people matching every non-empty list
// (holding one of Roles, in the subtree of one of Units, of one of
// EmploymentTypes).
type Audience struct {
	All             bool     `json:"all"`
	Roles           []string `json:"roles,omitempty"`
	Units           []int64  `json:"units,omitempty"`
	EmploymentTypes []string `json:"employment_types,omitempty"`
}

// Empty reports whether the audience names nobody.
func (a Audience) Empty() bool {
	return !a.All && len(a.Roles) == 0 && len(a.Units) == 0 && len(a.EmploymentTypes) == 0
}

// Section is one part of a course's text: a heading and markdown.
type Section struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// Choice is one answer of a question. Correct never leaves the server to
// people taking the test.
type Choice struct {
	ID      int    `json:"id"`
	Text    string `json:"text"`
	Correct bool   `json:"correct"`
}

// Question is one question of the comprehension test.
type Question struct {
	ID       int      `json:"id"`
	Text     string   `json:"text"`
	Multiple bool     `json:"multiple"`
	Choices  []Choice `json:"choices"`
}

// Course is one course of a plan.
type Course struct {
	ID          int64      `json:"id"`
	PlanID      int64      `json:"plan_id"`
	Title       string     `json:"title"`
	Kind        string     `json:"kind"`
	Summary     string     `json:"summary"`
	Sections    []Section  `json:"sections"`
	Questions   []Question `json:"questions"`
	PassMark    int        `json:"pass_mark"`    // percent
	MaxAttempts int        `json:"max_attempts"` // 0: unlimited
	OpensOn     string     `json:"opens_on"`
	ClosesOn    string     `json:"closes_on"`
	Audience    Audience   `json:"audience"`
	NewStaff    bool       `json:"new_staff"` // given to people who join or transfer, due 3 months later
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// HasTest reports whether the course ends with a comprehension test.
func (c Course) HasTest() bool { return c.Kind == KindELearning && len(c.Questions) > 0 }

// OpenOn reports whether the course can be taken on day.
func (c Course) OpenOn(day string) bool {
	return c.Status == CoursePublished && (c.OpensOn == "" || c.OpensOn <= day) && (c.ClosesOn == "" || day <= c.ClosesOn)
}

func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

func checkDay(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, v); err != nil {
		return invalid("training.err.date", v)
	}
	return nil
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// Validate checks a course before it is stored and numbers new questions
// and choices.
func (c *Course) Validate() error {
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" || tooLong(c.Title, 200) {
		return invalid("training.err.title")
	}
	switch c.Kind {
	case KindELearning, KindClassroom, KindExternal, KindDrill:
	case "":
		c.Kind = KindELearning
	default:
		return invalid("training.err.kind", c.Kind)
	}
	if tooLong(c.Summary, 2000) {
		return invalid("training.err.too_long")
	}
	if c.PassMark < 0 || c.PassMark > 100 {
		return invalid("training.err.pass_mark")
	}
	if c.PassMark == 0 {
		c.PassMark = 80
	}
	if c.MaxAttempts < 0 || c.MaxAttempts > 100 {
		return invalid("training.err.max_attempts")
	}
	if err := checkDay(c.OpensOn); err != nil {
		return err
	}
	if err := checkDay(c.ClosesOn); err != nil {
		return err
	}
	if c.OpensOn != "" && c.ClosesOn != "" && c.ClosesOn < c.OpensOn {
		return invalid("training.err.period")
	}
	if len(c.Sections) > 50 {
		return invalid("training.err.too_long")
	}
	for i := range c.Sections {
		s := &c.Sections[i]
		s.Heading = strings.TrimSpace(s.Heading)
		if tooLong(s.Heading, 200) || tooLong(s.Body, 50000) {
			return invalid("training.err.too_long")
		}
	}
	if len(c.Questions) > 100 {
		return invalid("training.err.too_long")
	}
	next := 1
	for _, q := range c.Questions {
		next = max(next, q.ID+1)
		for _, ch := range q.Choices {
			next = max(next, ch.ID+1)
		}
	}
	seen := map[int]bool{}
	for i := range c.Questions {
		q := &c.Questions[i]
		q.Text = strings.TrimSpace(q.Text)
		if q.Text == "" || tooLong(q.Text, 2000) {
			return invalid("training.err.question", i+1)
		}
		if q.ID <= 0 || seen[q.ID] {
			q.ID, next = next, next+1
		}
		seen[q.ID] = true
		var keep []Choice
		correct := 0
		for _, ch := range q.Choices {
			ch.Text = strings.TrimSpace(ch.Text)
			if ch.Text == "" {
				continue
			}
			if tooLong(ch.Text, 500) {
				return invalid("training.err.too_long")
			}
			if ch.ID <= 0 || seen[ch.ID] {
				ch.ID, next = next, next+1
			}
			seen[ch.ID] = true
			if ch.Correct {
				correct++
			}
			keep = append(keep, ch)
		}
		q.Choices = keep
		if len(q.Choices) < 2 || correct == 0 || (!q.Multiple && correct != 1) {
			return invalid("training.err.choices", i+1)
		}
	}
	return nil
}

// Assignment is one person's duty to take one course (for the new-staff
// course, once per joining or transfer: Cycle is that day).
type Assignment struct {
	ID            int64     `json:"id"`
	CourseID      int64     `json:"course_id"`
	PersonID      int64     `json:"person_id"`
	UnitID        int64     `json:"unit_id"`
	Cycle         string    `json:"cycle"`
	Reason        string    `json:"reason"` // audience, new_staff, attendance
	DueOn         string    `json:"due_on"`
	Status        string    `json:"status"`
	OpenedAt      time.Time `json:"opened_at"`
	CompletedAt   time.Time `json:"completed_at"`
	Score         int       `json:"score"`
	Attempts      int       `json:"attempts"`
	DrillOpened   bool      `json:"drill_opened"`
	DrillReported bool      `json:"drill_reported"`
	RemindedAt    time.Time `json:"reminded_at"`      // last reminder by an officer
	AutoRemindAt  time.Time `json:"auto_reminded_at"` // the automatic reminder before the due date (once)
	EscalatedAt   time.Time `json:"escalated_at"`
	Excuse        string    `json:"excuse"`
	ExcuseState   string    `json:"excuse_state"`
	ExcuseBy      int64     `json:"excuse_by"`
	// Filled on reads.
	CourseTitle  string `json:"course_title,omitempty"`
	CourseKind   string `json:"course_kind,omitempty"`
	PersonName   string `json:"person_name,omitempty"`
	EmployeeNo   string `json:"employee_no,omitempty"`
	PersonEmail  string `json:"-"`
	UnitName     string `json:"unit_name,omitempty"`
	UnitPath     string `json:"-"`
	CourseCloses string `json:"-"`
}

// Attempt is one go at a course's test. Order is the shuffled order the
// questions (and their choices) were shown in.
type Attempt struct {
	ID           int64         `json:"id"`
	AssignmentID int64         `json:"assignment_id"`
	CourseID     int64         `json:"course_id"`
	PersonID     int64         `json:"person_id"`
	Order        []int         `json:"order"`
	ChoiceOrder  map[int][]int `json:"choice_order"`
	Answers      map[int][]int `json:"answers,omitempty"`
	StartedAt    time.Time     `json:"started_at"`
	SubmittedAt  time.Time     `json:"submitted_at"`
	Score        int           `json:"score"`
	Passed       bool          `json:"passed"`
}

// Image is a picture uploaded into a course.
type Image struct {
	ID          int64     `json:"id"`
	CourseID    int64     `json:"course_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	Data        []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// Notice is one inbox entry (the shared notices table) and, when Email is
// set, an e-mail.
type Notice struct {
	PersonID  int64
	Email     string
	Kind      string
	Ref       string
	Subject   string
	Message   string
	CreatedAt time.Time
}

// UnitRate is the completion of one course in one unit.
type UnitRate struct {
	CourseID  int64  `json:"course_id"`
	UnitID    int64  `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	UnitPath  string `json:"-"`
	Assigned  int    `json:"assigned"`
	Completed int    `json:"completed"`
	Excused   int    `json:"excused"`
	Overdue   int    `json:"overdue"`
	Opened    int    `json:"drill_opened"`
	Reported  int    `json:"drill_reported"`
}

// Rate is the completed share of those who must take it (excused people
// are not counted), 0–100.
func (u UnitRate) Rate() float64 {
	n := u.Assigned - u.Excused
	if n <= 0 {
		return 100
	}
	return 100 * float64(u.Completed) / float64(n)
}

// Pending is how many must still take it.
func (u UnitRate) Pending() int { return u.Assigned - u.Completed - u.Excused }

// Attendance is one row of an attendance list or drill result.
type Attendance struct {
	PersonID int64
	UnitID   int64
	Day      string
	Score    int
	Opened   bool
	Reported bool
}
