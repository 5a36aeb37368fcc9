package incident

import (
	"context"
	"time"

	"kitei/internal/paging"
)

// Change is what one step of the cycle writes besides the incident row,
// all in the same transaction as the row and its audit entry.
type Change struct {
	Action   string         // audit action, "incident.triage" …
	Detail   map[string]any // audit detail
	Entries  []Entry        // timeline entries to append
	Notices  []Notice       // inbox notices
	Tasks    []Task         // tasks to create
	Required []AuthorityNotice
}

// Store keeps incidents. Implemented by internal/store for SQLite and
// PostgreSQL; every write appends to the audit trail in its transaction.
type Store interface {
	Actions

	Config(ctx context.Context) (Config, bool, error)
	SaveConfig(ctx context.Context, c Config, at time.Time) error

	Create(ctx context.Context, in Incident, e Entry, ns []Notice) (Incident, error)
	Incident(ctx context.Context, id int64) (Incident, error)
	// Incidents returns the incidents f selects, newest first.
	Incidents(ctx context.Context, f Filter) ([]Incident, error)
	// CountIncidents counts them (Before and Limit aside).
	CountIncidents(ctx context.Context, f Filter) (int, error)
	// IncidentTimes returns every incident f selects (Before and Limit
	// aside) with only the fields Summarize and the figures read: ID,
	// Status, IsIncident, Level, ReportedAt, TriagedAt and ClosedAt.
	IncidentTimes(ctx context.Context, f Filter) ([]Incident, error)
	// Save updates prev to next when prev's version is still current
	// (apperr Conflict otherwise) and writes c.
	Save(ctx context.Context, prev, next Incident, c Change) (Incident, error)
	// CountExternal counts external reports from addr since.
	CountExternal(ctx context.Context, addr string, since time.Time) (int, error)

	Timeline(ctx context.Context, incidentID int64) ([]Entry, error)
	Append(ctx context.Context, in Incident, e Entry, action string) (Entry, error)

	Tasks(ctx context.Context, incidentID int64) ([]Task, error)
	Task(ctx context.Context, id int64) (Task, error)
	TasksOf(ctx context.Context, personID int64) ([]Task, error)
	// TasksOfPage reads one page of a person's tasks, unanswered first and
	// newest first within each (cursor: "1" unanswered or "0", and the
	// id), at most limit (0: all); CountTasksOf counts them all.
	TasksOfPage(ctx context.Context, personID int64, after paging.Cursor, limit int) ([]Task, error)
	CountTasksOf(ctx context.Context, personID int64) (int, error)
	AddTask(ctx context.Context, in Incident, t Task, e Entry, ns []Notice) (Task, error)
	AnswerTask(ctx context.Context, in Incident, t Task, e Entry) error

	AuthorityNotices(ctx context.Context, incidentID int64) ([]AuthorityNotice, error)
	AuthorityNotice(ctx context.Context, id int64) (AuthorityNotice, error)
	MarkSent(ctx context.Context, in Incident, n AuthorityNotice, e Entry) error
	// OpenAuthorityNotices are the notices of the incidents being handled
	// (triaged, not closed or dismissed).
	OpenAuthorityNotices(ctx context.Context) ([]AuthorityNotice, error)
	// Unsent lists the unsent, unescalated notices of open incidents due
	// before now.
	Unsent(ctx context.Context, now time.Time) ([]AuthorityNotice, error)

	// ReadStates are the notices of kind about ref: who received them and
	// when they read them.
	ReadStates(ctx context.Context, kind, ref string) ([]ReadState, error)
	// LogRead writes a read of incident id to the audit trail.
	LogRead(ctx context.Context, in Incident, view string) error
	// LogList writes a read of a list of incidents to the audit trail.
	LogList(ctx context.Context, view string, ids []int64) error

	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	// Escalate completes the job key held by owner: marks the notice
	// escalated, appends e and stores ns, in one transaction (apperr
	// Conflict when the job is no longer held).
	Escalate(ctx context.Context, key, owner string, at time.Time, n AuthorityNotice, e Entry, ns []Notice) error
}

// ReadState is one inbox notice and whether its recipient read it.
type ReadState struct {
	PersonID   int64     `json:"person_id"`
	PersonName string    `json:"person_name"`
	CreatedAt  time.Time `json:"created_at"`
	ReadAt     time.Time `json:"read_at"`
}
