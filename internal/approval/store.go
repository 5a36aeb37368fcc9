package approval

import (
	"context"
	"time"

	"kitei/internal/paging"
)

// Scope limits which requests a list shows: those of units whose path
// starts with one of Paths (or every unit when All), plus those PersonID
// filed or must decide. The zero Scope shows nothing.
type Scope struct {
	All      bool
	Paths    []string
	PersonID int64
}

// Filter selects requests; results are newest first.
type Filter struct {
	Scope       Scope
	TypeKey     string
	Statuses    []Status // empty: any
	NotDraft    bool     // leave out drafts (ledgers: a draft is private to its author)
	ApplicantID int64
	DeciderID   int64
	UnitPath    string // the unit and the units below it
	From, To    string // filed (created) on these days or between them, inclusive
	TargetRef   string // only requests pointing at this register entry (e.g. system:3)
	// PeriodFrom, PeriodTo (ledgers): the request's period overlaps these
	// days, inclusive; a request without an end date runs on, one without
	// a period counts on the day it was filed.
	PeriodFrom, PeriodTo string
	// Before and Limit read one page: the requests with ids below Before
	// (0: from the newest), at most Limit of them (0: all).
	Before int64
	Limit  int
}

// OverdueQuery selects the overdue requests: those waiting for a decision
// since DecisionBefore or earlier (RFC 3339 time; "" : none of them) with a
// decider assigned, and the expired ones of EndReportTypes without an end
// report, within Scope. They are read oldest first by the time they have
// been due since (Overdue.Since, then the id), After a cursor and at most
// Limit of them (0: all).
type OverdueQuery struct {
	Scope          Scope
	DecisionBefore string
	EndReportTypes []string
	After          paging.Cursor
	Limit          int
}

// Tally is how many requests of one type are in one status with one
// outcome.
type Tally struct {
	TypeKey string
	Status  Status
	Outcome Outcome
	N       int
}

// Submission is the submission that follows a filing in its transaction.
type Submission struct {
	Next  Request // the request as submitted (its id is the new draft's)
	Event Event
	// Notices returns the notices to add, given the new request's id.
	Notices func(id int64) []Notice
}

// Store persists request types, requests, their history and notices.
// Implemented by internal/store. Every change appends to the audit trail
// in its own transaction.
type Store interface {
	// EnsureTypes stores the types whose keys are missing and leaves the
	// others (possibly edited) alone; it returns how many it added.
	EnsureTypes(ctx context.Context, ts []Type, at time.Time) (int, error)
	// SaveType replaces an existing type's definition (apperr NotFound for
	// an unknown key).
	SaveType(ctx context.Context, t Type, at time.Time) error
	// Types returns the types by Ord.
	Types(ctx context.Context) ([]Type, error)
	Type(ctx context.Context, key string) (Type, error)

	// CreateRequest stores a new draft and its first history line; with
	// then, it also submits it as Transition would (from the draft to
	// then.Next, with then's event and notices), in the same transaction,
	// so a failed submission stores nothing.
	CreateRequest(ctx context.Context, r Request, ev Event, then *Submission) (Request, error)
	// Transition stores next in place of the request read as prev: only
	// while the stored status and version are still prev's (apperr
	// Conflict otherwise, and nothing changes). It bumps the version,
	// appends ev to the history, adds the notices, and audits, in one
	// transaction.
	Transition(ctx context.Context, prev, next Request, ev Event, notices []Notice) (Request, error)
	Request(ctx context.Context, id int64) (Request, error)
	// Requests returns the requests matching f, newest first.
	Requests(ctx context.Context, f Filter) ([]Request, error)
	// CountRequests counts the requests matching f (Before and Limit
	// aside).
	CountRequests(ctx context.Context, f Filter) (int, error)
	// TallyRequests counts the requests matching f (Before and Limit
	// aside) by type, status and outcome.
	TallyRequests(ctx context.Context, f Filter) ([]Tally, error)
	// OverdueRequests returns the overdue requests q selects, their Since
	// set (Reason and Days are the service's); CountOverdue counts them
	// (After and Limit aside).
	OverdueRequests(ctx context.Context, q OverdueQuery) ([]Overdue, error)
	CountOverdue(ctx context.Context, q OverdueQuery) (int, error)
	History(ctx context.Context, requestID int64) ([]Event, error)

	// ClaimJob claims the job named key for owner until leaseUntil; false
	// when it is done or another owner holds a live lease.
	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	// DeliverJob adds the notices and marks the job done, in one
	// transaction, only while owner still holds it (apperr Conflict
	// otherwise): a job's notices are stored exactly once.
	DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []Notice) error

	// Notices returns a person's notices, newest first.
	Notices(ctx context.Context, personID int64, limit int) ([]Notice, error)
	// NoticePage returns at most limit of a person's notices with ids
	// below before (0: from the newest), newest first; CountNotices counts
	// them all.
	NoticePage(ctx context.Context, personID, before int64, limit int) ([]Notice, error)
	CountNotices(ctx context.Context, personID int64) (int, error)
	// MarkRead marks one notice (id > 0) or all of a person's notices read;
	// apperr NotFound when notice id is not the person's.
	MarkRead(ctx context.Context, personID, id int64, at time.Time) error
}
