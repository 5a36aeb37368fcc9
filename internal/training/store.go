package training

import (
	"context"
	"time"

	"kitei/internal/authz"
)

// Holder is a person holding a role on a day (for notices to the 統括).
type Holder struct {
	PersonID int64
	Name     string
	Email    string
}

// Joiner is a person who joined or transferred on Day.
type Joiner struct {
	PersonID int64
	UnitID   int64
	Day      string
}

// AssignmentFilter selects assignments for following and results.
type AssignmentFilter struct {
	CourseID  int64
	PersonID  int64
	UnitID    int64 // the unit and the units below it
	Scope     authz.Scope
	Pending   bool // not completed and not excused
	Excuses   bool // with a filed reason waiting for a decision
	Limit     int
	AfterID   int64
	CourseIDs []int64
}

// Store is what the training service needs from the database. Every change
// writes its audit event in the same transaction; notices are inserted in
// the transaction of the change they announce.
type Store interface {
	CreatePlan(ctx context.Context, p Plan, ev PlanEvent) (Plan, error)
	// MovePlan changes a plan's status from one to another (conditional on
	// the current status) and records the event.
	MovePlan(ctx context.Context, id int64, from []string, to string, ev PlanEvent, ns []Notice) (Plan, error)
	Plan(ctx context.Context, id int64) (Plan, error)
	Plans(ctx context.Context) ([]Plan, error)
	PlanEvents(ctx context.Context, planID int64) ([]PlanEvent, error)

	CreateCourse(ctx context.Context, c Course, actor int64) (Course, error)
	SaveCourse(ctx context.Context, c Course, actor int64) (Course, error)
	// PublishCourse moves a draft course to published.
	PublishCourse(ctx context.Context, id int64, actor int64, at time.Time) (Course, error)
	Course(ctx context.Context, id int64) (Course, error)
	Courses(ctx context.Context) ([]Course, error)

	AddImage(ctx context.Context, img Image, actor int64) (Image, error)
	Image(ctx context.Context, id int64) (Image, error)

	// Assign gives the course to everyone its audience names on day (due
	// on due) who does not have it yet; it returns how many it added.
	Assign(ctx context.Context, c Course, day, due string, at time.Time) (int, error)
	// Joiners are the active people who joined or transferred between
	// from and to (inclusive).
	Joiners(ctx context.Context, from, to string) ([]Joiner, error)
	// AssignOne gives one person the course for cycle (no-op when they
	// have it); reports whether it was added.
	AssignOne(ctx context.Context, a Assignment, at time.Time) (bool, error)
	SetEmployment(ctx context.Context, types map[int64]string, at time.Time) error
	PersonByEmployeeNo(ctx context.Context, nos []string) (map[string]Joiner, error)

	Assignment(ctx context.Context, id int64) (Assignment, error)
	// Current is the person's assignment of the course still to do (else
	// the latest).
	Current(ctx context.Context, courseID, personID int64) (Assignment, error)
	Assignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error)
	// CountAssignments counts the assignments f selects (AfterID and Limit
	// aside).
	CountAssignments(ctx context.Context, f AssignmentFilter) (int, error)
	MarkOpened(ctx context.Context, id int64, at time.Time) error

	OpenAttempt(ctx context.Context, assignmentID int64) (Attempt, bool, error)
	StartAttempt(ctx context.Context, a Attempt) (Attempt, error)
	Attempt(ctx context.Context, id int64) (Attempt, error)
	// SubmitAttempt records the result of an attempt not yet submitted and
	// updates the assignment (attempts, and completion when passed).
	SubmitAttempt(ctx context.Context, a Attempt) (Assignment, error)

	// Remind records a reminder by an officer for the assignments and
	// inserts the notices.
	Remind(ctx context.Context, ids []int64, actor int64, ns []Notice, at time.Time) error
	// AutoRemind claims, once each, the pending assignments due between
	// from and to that were never reminded automatically, and inserts the
	// notice note returns for each claimed one.
	AutoRemind(ctx context.Context, from, to string, at time.Time, note func(Assignment) Notice) ([]Assignment, error)
	// Escalate claims, once each, the pending assignments due before day
	// and not escalated yet, and inserts the notices notes returns for the
	// claimed ones.
	Escalate(ctx context.Context, before string, at time.Time, notes func([]Assignment) []Notice) ([]Assignment, error)

	FileExcuse(ctx context.Context, id int64, reason string, actor int64, ns []Notice, at time.Time) error
	DecideExcuse(ctx context.Context, id int64, accept bool, actor int64, ns []Notice, at time.Time) error

	// RecordAttendance completes the course for the rows (adding the
	// assignment where there was none) in one transaction.
	RecordAttendance(ctx context.Context, courseID int64, rows []Attendance, drill bool, actor int64, at time.Time) (int, error)

	// Rates is the completion per course and unit (today decides overdue).
	Rates(ctx context.Context, courseIDs []int64, scope authz.Scope, today string) ([]UnitRate, error)
	// Scores counts the completions of a course per score band of ten.
	Scores(ctx context.Context, courseID int64) ([10]int, error)
	// ScoreSum is the sum and count of the scores of the course's
	// completions (for the average).
	ScoreSum(ctx context.Context, courseID int64) (sum, n int, err error)

	RoleHolders(ctx context.Context, roleKey, day string) ([]Holder, error)

	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	FinishJob(ctx context.Context, key, owner string, at time.Time) error
}
