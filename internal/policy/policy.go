// Package policy is the organisation's own rulebook (規程の策定・改定): policy
// documents drafted in kitei — empty, tailored from a template catalog or
// derived from a parent catalog — edited node by node with a change note
// per edit, submitted, reviewed, approved by the CISO and published on an
// effective date. A published version becomes an edition of a catalog
// (through the catalog service), so self-inspection, requests, audits and
// the crosswalk use it like any imported rulebook; items derived from a
// parent are linked to it through crosswalk links. Staff are told and
// acknowledge (周知); a new edition of the parent opens a revision task.
package policy

import (
	"context"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/paging"
)

// Permissions.
var (
	// Read: drafts, versions, 新旧対照表, exports, revision tasks.
	Read = authz.Define("policy.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleAuditChief, authz.RoleAuditor)
	// Draft: create documents, edit drafts, submit, open revisions, close tasks (統括 and its office).
	Draft = authz.Define("policy.draft", authz.RoleChiefISO, authz.RoleSecOffice)
	// Review: comment on a submitted version.
	Review = authz.Define("policy.review", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleISO)
	// Approve: approve or return a submitted version (the CISO, after the committee).
	Approve = authz.Define("policy.approve", authz.RoleCISO)
	// Ack: read the published rules and acknowledge them (every staff member).
	Ack = authz.Define("policy.ack", authz.RoleStaff)
	// Follow: who has acknowledged, per unit, in the units in scope.
	Follow = authz.Define("policy.follow", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO)
)

// Origins of a document.
const (
	OriginEmpty    = "empty"
	OriginTemplate = "template"
	OriginDerived  = "derived"
)

// Document statuses.
const (
	StatusDraft     = "draft"     // the working draft may be edited
	StatusSubmitted = "submitted" // a version awaits review and the CISO's decision
	StatusApproved  = "approved"  // approved, waiting for its effective date
	StatusPublished = "published" // in force; a revision must be opened to edit again
)

// Version statuses.
const (
	VersionSubmitted = "submitted"
	VersionReturned  = "returned"
	VersionApproved  = "approved"
	VersionPublished = "published"
)

// Change actions (change notes per edit).
const (
	ActCreate   = "create"
	ActAdd      = "add"
	ActReword   = "reword"
	ActMove     = "move"
	ActDelete   = "delete"
	ActRenumber = "renumber"
	ActSubmit   = "submit"
	ActReturn   = "return"
	ActApprove  = "approve"
	ActPublish  = "publish"
	ActRevise   = "revise"
)

// Doc is a policy document (規程) of the organisation.
type Doc struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"` // also the name of the catalog it publishes to
	Title  string `json:"title"`
	Origin string `json:"origin"`
	// ParentCatalog and ParentEdition name the catalog edition a derived
	// document implements (ParentNumber its edition number); Scope lists
	// the parent sections it was derived from. A template document keeps
	// its template here too (Origin tells which).
	ParentCatalog int64     `json:"parent_catalog,omitempty"`
	ParentEdition int64     `json:"parent_edition,omitempty"`
	ParentNumber  int       `json:"parent_number,omitempty"`
	ParentName    string    `json:"parent_name,omitempty"`
	Scope         []string  `json:"scope,omitempty"`
	CatalogID     int64     `json:"catalog_id,omitempty"` // the catalog its published versions became
	Status        string    `json:"status"`
	Published     int       `json:"published"` // number of the version in force, 0 before the first
	Rev           int       `json:"rev"`       // changes on every write; edits name it
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Editable reports whether the draft may be edited.
func (d Doc) Editable() bool { return d.Status == StatusDraft }

// Derived reports whether the document implements a parent catalog.
func (d Doc) Derived() bool { return d.Origin == OriginDerived && d.ParentEdition != 0 }

// Node is one numbered piece of a policy document: the catalog node model
// plus the parent item it implements.
type Node struct {
	catalog.Node
	DerivedFrom string `json:"derived_from,omitempty"` // ref in the parent edition
}

// Change is one edit of a draft with its note.
type Change struct {
	ID     int64     `json:"id"`
	DocID  int64     `json:"doc_id"`
	Action string    `json:"action"`
	Ref    string    `json:"ref,omitempty"`
	OldRef string    `json:"old_ref,omitempty"`
	Note   string    `json:"note"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// Version is a submitted snapshot of the draft; never edited after.
type Version struct {
	ID           int64     `json:"id"`
	DocID        int64     `json:"doc_id"`
	Number       int       `json:"number"`
	Status       string    `json:"status"`
	Nodes        []Node    `json:"nodes,omitempty"`
	Note         string    `json:"note"`
	SubmittedBy  string    `json:"submitted_by"`
	SubmittedAt  time.Time `json:"submitted_at"`
	Deliberation string    `json:"deliberation,omitempty"` // the committee's deliberation, recorded at approval
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	EffectiveOn  string    `json:"effective_on,omitempty"` // YYYY-MM-DD
	PublishedAt  time.Time `json:"published_at,omitzero"`
	Edition      int       `json:"edition,omitempty"` // catalog edition number once published
}

// Comment is a reviewer's comment on one node of a submitted version.
type Comment struct {
	ID      int64     `json:"id"`
	DocID   int64     `json:"doc_id"`
	Version int       `json:"version"`
	Ref     string    `json:"ref"`
	Body    string    `json:"body"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
}

// Task is a revision task opened when the parent catalog has a new
// edition: the derived items the parent's changes touch.
type Task struct {
	ID         int64      `json:"id"`
	DocID      int64      `json:"doc_id"`
	FromNumber int        `json:"from_number"` // parent edition the document implements
	ToNumber   int        `json:"to_number"`   // the new parent edition
	Items      []TaskItem `json:"items"`
	Status     string     `json:"status"` // open, closed
	CreatedAt  time.Time  `json:"created_at"`
	ClosedBy   string     `json:"closed_by,omitempty"`
	ClosedAt   time.Time  `json:"closed_at,omitzero"`
}

// TaskItem is one derived item a parent change touches.
type TaskItem struct {
	Ref     string   `json:"ref"`     // the item of the document
	Because []string `json:"because"` // the parent refs that changed
	Change  string   `json:"change"`  // added, removed, changed, moved (of the first cause)
}

// Notice is an inbox entry (the shared notices table).
type Notice struct {
	PersonID  int64
	Kind      string
	Ref       string
	Message   string
	CreatedAt time.Time
}

// Transition is a status change of a document, written in one
// transaction with its version, change entry, notices and audit record.
type Transition struct {
	DocID      int64
	FromStatus string
	Rev        int
	ToStatus   string
	// Version is inserted when its ID is 0, else its mutable fields
	// (status, decision, publication) are updated.
	Version *Version
	// Doc fields set on publication.
	CatalogID int64
	Published int
	// Draft, when set, replaces the draft nodes (opening a revision).
	Draft   []Node
	Change  Change
	Notices []Notice
}

// Store persists policy documents. Every write records the audit trail in
// the same transaction.
type Store interface {
	CreateDoc(ctx context.Context, d Doc, nodes []Node, ch Change) (Doc, error)
	Doc(ctx context.Context, id int64) (Doc, error)
	Docs(ctx context.Context) ([]Doc, error)
	DraftNodes(ctx context.Context, docID int64) ([]Node, error)
	// SaveDraft replaces the draft when the document is a draft at rev
	// (apperr Conflict otherwise) and records ch.
	SaveDraft(ctx context.Context, docID int64, rev int, nodes []Node, ch Change) (Doc, error)
	Changes(ctx context.Context, docID int64) ([]Change, error)
	// Transition applies t when the document is in t.FromStatus at t.Rev
	// (apperr Conflict otherwise).
	Transition(ctx context.Context, t Transition) (Doc, error)
	Versions(ctx context.Context, docID int64) ([]Version, error) // newest first, without nodes
	Version(ctx context.Context, docID int64, number int) (Version, error)
	AddComment(ctx context.Context, c Comment) (Comment, error)
	Comments(ctx context.Context, docID int64, version int) ([]Comment, error)
	// Ack records the person's acknowledgment of a version; false when
	// it was already recorded.
	Ack(ctx context.Context, docID int64, version int, personID int64, at time.Time) (bool, error)
	// AckOf is when the person acknowledged the version (false: not).
	AckOf(ctx context.Context, docID int64, version int, personID int64) (time.Time, bool, error)
	// AckPeople lists the people q selects, by employee number.
	AckPeople(ctx context.Context, q AckPeopleQuery) ([]Person, error)
	// AckedBy is the versions of each document the person has
	// acknowledged.
	AckedBy(ctx context.Context, personID int64) (map[int64][]int, error)
	// AckRates counts, per unit in scope, the people (not left) and, for
	// each document of versions (document → version), those who
	// acknowledged that version (aggregated in the database).
	AckRates(ctx context.Context, versions map[int64]int, scope authz.Scope) (map[int64][]UnitRate, error)
	// OpenTask stores a revision task unless the document already has one
	// for that parent edition (false then), with its notices.
	OpenTask(ctx context.Context, t Task, ns []Notice) (Task, bool, error)
	Tasks(ctx context.Context, docID int64) ([]Task, error)
	// CloseTask marks a task done (closing it again changes nothing) and
	// moves the document onto the parent edition the task was for, when
	// it is newer than the one it implements.
	CloseTask(ctx context.Context, docID, taskID int64, by string, at time.Time, parentEdition int64, parentNumber int) error
}

// AckPeopleQuery selects the people (not left) in Scope — of UnitID alone
// when it is not 0 — who have (Acked) or have not acknowledged Version of
// the document DocID: those after the cursor (employee number and id), at
// most Limit of them (0: all).
type AckPeopleQuery struct {
	DocID   int64
	Version int
	Scope   authz.Scope
	UnitID  int64
	Acked   bool
	After   paging.Cursor
	Limit   int
}

// maxNodes bounds a document.
const maxNodes = 20000

// ValidateNodes checks the catalog invariants and field sizes.
func ValidateNodes(nodes []Node) error {
	if len(nodes) > maxNodes {
		return apperr.E(apperr.TooLarge, "policy.err.too_many", maxNodes)
	}
	cn := make([]catalog.Node, len(nodes))
	for i, n := range nodes {
		if strings.TrimSpace(n.Ref) != n.Ref || n.Ref == "" {
			return apperr.E(apperr.Invalid, "policy.err.ref")
		}
		if len([]rune(n.Text)) > 20000 || len([]rune(n.Title)) > 500 || len([]rune(n.Subject)) > 200 {
			return apperr.E(apperr.Invalid, "policy.err.long")
		}
		cn[i] = n.Node
	}
	if err := catalog.Validate(cn); err != nil {
		return apperr.WrapE(apperr.Invalid, err, "policy.err.tree", err.Error())
	}
	return nil
}

// CatalogNodes strips the derivation for export.
func CatalogNodes(nodes []Node) []catalog.Node {
	out := make([]catalog.Node, len(nodes))
	for i, n := range nodes {
		out[i] = n.Node
	}
	return out
}
