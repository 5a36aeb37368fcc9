// Package tracker is kitei's one improvement tracker (改善・是正措置): the
// actions that follow an audit finding, a weak self-inspection item, an
// incident, a CISO instruction or a review until they are done and someone
// other than their owner has confirmed them. Every capability files its
// follow-up here; the tracker chases overdue actions, keeps progress
// reports and evidence files, and exports the open actions as an OSCAL
// plan of action and milestones.
package tracker

import (
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/paging"
)

// DateLayout is the layout of due dates and progress dates.
const DateLayout = "2006-01-02"

// SourceKind says what an action follows up.
type SourceKind string

const (
	FromAuditFinding    SourceKind = "audit_finding"
	FromSelfcheckItem   SourceKind = "selfcheck_item"
	FromIncident        SourceKind = "incident"
	FromCISOInstruction SourceKind = "ciso_instruction"
	FromReview          SourceKind = "review"
)

// Kinds lists the source kinds.
var Kinds = []SourceKind{FromAuditFinding, FromSelfcheckItem, FromIncident, FromCISOInstruction, FromReview}

func (k SourceKind) valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Source is the record an action follows up: its kind, the record's id (a
// campaign, an engagement, an incident), the part of it (an item, a
// finding; 0 for none), a label and a link for people.
type Source struct {
	Kind  SourceKind `json:"kind"`
	ID    int64      `json:"id"`
	Item  int64      `json:"item,omitempty"`
	Label string     `json:"label"`
	Link  string     `json:"link,omitempty"`
}

// Requirement is a catalog requirement an action concerns.
type Requirement struct {
	CatalogID int64  `json:"catalog_id"`
	Ref       string `json:"ref"`
	Label     string `json:"label,omitempty"`
}

// Status is where an action stands.
type Status string

const (
	Open       Status = "open"
	InProgress Status = "in_progress"
	Done       Status = "done"   // the owner says it is done; waiting for confirmation
	Closed     Status = "closed" // confirmed by someone other than the owner
)

// Action is one improvement or corrective action.
type Action struct {
	ID           int64         `json:"id"`
	Source       Source        `json:"source"`
	Requirements []Requirement `json:"requirements"`
	UnitID       int64         `json:"unit_id"` // 0: organisation-wide
	Title        string        `json:"title"`
	Description  string        `json:"description"`
	OwnerID      int64         `json:"owner_person_id"`
	DueOn        string        `json:"due_on"`
	Status       Status        `json:"status"`
	Note         string        `json:"note"` // the latest word on it
	CreatedBy    int64         `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	DoneAt       time.Time     `json:"done_at,omitzero"`
	ClosedBy     int64         `json:"closed_by,omitempty"`
	ClosedAt     time.Time     `json:"closed_at,omitzero"`
	// Filled on reads.
	UnitName     string     `json:"unit_name,omitempty"`
	UnitPath     string     `json:"-"`
	OwnerName    string     `json:"owner_name,omitempty"`
	ClosedByName string     `json:"closed_by_name,omitempty"`
	Progress     []Progress `json:"progress,omitempty"`
	Evidence     []File     `json:"evidence,omitempty"`
}

// Finished reports whether the action is done or closed.
func (a Action) Finished() bool { return a.Status == Done || a.Status == Closed }

// Overdue reports whether the action is past its due date on day.
func (a Action) Overdue(day string) bool { return !a.Finished() && a.DueOn < day }

// Progress is one dated progress report.
type Progress struct {
	ID         int64     `json:"id"`
	ActionID   int64     `json:"action_id"`
	On         string    `json:"on"`
	AuthorID   int64     `json:"author_person_id"`
	AuthorName string    `json:"author_name,omitempty"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
}

// File is an evidence file kept in the store.
type File struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	MediaType  string    `json:"media_type"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedBy int64     `json:"uploaded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

// Validate checks an action as typed.
func (a *Action) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Description = strings.TrimSpace(a.Description)
	a.Note = strings.TrimSpace(a.Note)
	if a.Status == "" {
		a.Status = Open
	}
	switch {
	case !a.Source.Kind.valid():
		return invalid("tracker.err.source", string(a.Source.Kind))
	case a.Title == "":
		return invalid("tracker.err.title")
	case utf8.RuneCountInString(a.Title) > 500, utf8.RuneCountInString(a.Description) > 8000, utf8.RuneCountInString(a.Note) > 4000:
		return invalid("tracker.err.too_long")
	case a.OwnerID <= 0:
		return invalid("tracker.err.owner")
	}
	switch a.Status {
	case Open, InProgress, Done, Closed:
	default:
		return invalid("tracker.err.status", string(a.Status))
	}
	if _, err := time.Parse(DateLayout, a.DueOn); err != nil {
		return invalid("tracker.err.due", a.DueOn)
	}
	for i := range a.Requirements {
		a.Requirements[i].Ref = strings.TrimSpace(a.Requirements[i].Ref)
		if a.Requirements[i].Ref == "" {
			return invalid("tracker.err.requirement")
		}
	}
	return nil
}

// Filter selects actions.
type Filter struct {
	OwnerID    int64 // only this owner's (0: any)
	Scope      ScopeFilter
	SourceKind SourceKind
	SourceID   int64
	SourceItem int64
	// SourceItems (with SourceKind and SourceID): only the actions filed
	// for one of these parts of the record (a page of an audit's findings).
	SourceItems []int64
	OpenOnly    bool   // not closed
	Unfinished  bool   // neither done nor closed
	Status      Status // only this status ("": any)
	DueBefore   string // due before this day
	NotOwner    int64  // not owned by this person
	// After and Limit read one page: the actions after the cursor (due
	// date and id; zero: from the first), at most Limit of them (0: all).
	After paging.Cursor
	Limit int
}

// ScopeFilter limits a list to units: everything (All), or the units under
// Paths, plus the actions owned by OrPerson.
type ScopeFilter struct {
	All      bool
	Paths    []string
	OrPerson int64
}
