// Package yearly runs the year as a whole: the yearly security plan
// (対策推進計画) approved by the CISO, whose items follow the records they
// are about; the annual report (年次報告書) assembled from every
// capability's section for a fiscal year, compared with the year before,
// as a page, PDF and xlsx; and the CISO's review decisions (見直し) recorded
// on it (000 2.4, 001 Art.38–40, 002 1.2.4).
package yearly

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Permissions of the yearly cycle.
var (
	// Read the plan and the annual reports.
	PermRead = authz.Define("yearly.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO,
		authz.RoleSecOffice, authz.RoleAuditChief)
	// Write the plan, submit it and generate the annual report.
	PermPlan = authz.Define("yearly.plan", authz.RoleChiefISO, authz.RoleSecOffice)
	// Approve the plan, generate the report and record review decisions.
	PermDecide = authz.Define("yearly.decide", authz.RoleCISO)
)

// Plan statuses.
const (
	PlanDraft     = "draft"
	PlanSubmitted = "submitted"
	PlanApproved  = "approved"
)

// Item statuses. Delayed is never stored: it is shown when an item's end
// has passed before it was done.
const (
	ItemPlanned    = "planned"
	ItemInProgress = "in_progress"
	ItemDone       = "done"
	ItemDelayed    = "delayed"
)

// Areas an item of the plan can belong to.
var Areas = []string{"policy", "education", "selfcheck", "audit", "incident", "system_review", "risk", "other"}

// Decision kinds.
var DecisionKinds = []string{"rules", "plan", "other"}

// Plan is the yearly security plan of one fiscal year.
type Plan struct {
	ID             int64      `json:"id"`
	FiscalYear     int        `json:"fiscal_year"`
	Status         string     `json:"status"`
	Note           string     `json:"note"`
	SubmittedAt    time.Time  `json:"submitted_at,omitzero"`
	ApprovedAt     time.Time  `json:"approved_at,omitzero"`
	ApprovedBy     int64      `json:"approved_by,omitempty"`
	ApprovedByName string     `json:"approved_by_name,omitempty"`
	DecisionNote   string     `json:"decision_note,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Items          []PlanItem `json:"items"`
}

// PlanItem is one measure of the plan.
type PlanItem struct {
	ID        int64  `json:"id"`
	PlanID    int64  `json:"plan_id"`
	Position  int    `json:"position"`
	Title     string `json:"title"`
	Area      string `json:"area"`
	OwnerID   int64  `json:"owner_id,omitempty"`
	OwnerName string `json:"owner_name,omitempty"`
	StartsOn  string `json:"starts_on,omitempty"`
	EndsOn    string `json:"ends_on,omitempty"`
	// Ref names the record the item follows ("selfcheck:3"); its progress
	// then comes from the data.
	Ref      string `json:"ref,omitempty"`
	Status   string `json:"status"`
	Progress int    `json:"progress"`
	Note     string `json:"note,omitempty"`
	// Live is true when Progress and Status were read from the record.
	Live      bool      `json:"live"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks an item's fields.
func (it PlanItem) Validate() error {
	title := strings.TrimSpace(it.Title)
	switch {
	case title == "":
		return apperr.E(apperr.Invalid, "yearly.err.title")
	case utf8.RuneCountInString(title) > 300 || utf8.RuneCountInString(it.Note) > 4000:
		return apperr.E(apperr.Invalid, "yearly.err.too_long")
	case !contains(Areas, it.Area):
		return apperr.E(apperr.Invalid, "yearly.err.area", it.Area)
	case !validDay(it.StartsOn) || !validDay(it.EndsOn):
		return apperr.E(apperr.Invalid, "yearly.err.date")
	case it.StartsOn != "" && it.EndsOn != "" && it.EndsOn < it.StartsOn:
		return apperr.E(apperr.Invalid, "yearly.err.period")
	case it.Status != ItemPlanned && it.Status != ItemInProgress && it.Status != ItemDone:
		return apperr.E(apperr.Invalid, "yearly.err.status", it.Status)
	case it.Progress < 0 || it.Progress > 100:
		return apperr.E(apperr.Invalid, "yearly.err.progress")
	case it.Ref != "" && !refPattern(it.Ref):
		return apperr.E(apperr.Invalid, "yearly.err.ref", it.Ref)
	}
	return nil
}

// Decision is one review decision of the CISO on a year's report.
type Decision struct {
	ID            int64     `json:"id"`
	FiscalYear    int       `json:"fiscal_year"`
	Kind          string    `json:"kind"`
	Text          string    `json:"text"`
	DecidedBy     int64     `json:"decided_by,omitempty"`
	DecidedByName string    `json:"decided_by_name,omitempty"`
	DecidedAt     time.Time `json:"decided_at"`
}

// Report is the annual report of a fiscal year as generated.
type Report struct {
	ID          int64                `json:"id"`
	FiscalYear  int                  `json:"fiscal_year"`
	Sections    []capability.Section `json:"sections"`
	GeneratedAt time.Time            `json:"generated_at"`
	GeneratedBy string               `json:"generated_by"`
}

// Store keeps plans, reports, decisions and display preferences. Every
// write is audited in its own transaction.
type Store interface {
	Plan(ctx context.Context, fy int) (Plan, error) // NotFound when the year has none
	Plans(ctx context.Context) ([]Plan, error)      // without items, newest first
	CreatePlan(ctx context.Context, p Plan) (Plan, error)
	// SetPlanStatus moves a plan from prev.Status to next.Status (refused
	// with Conflict when someone else moved it first).
	SetPlanStatus(ctx context.Context, prev, next Plan) error
	AddItem(ctx context.Context, it PlanItem) (PlanItem, error)
	UpdateItem(ctx context.Context, it PlanItem) error
	RemoveItem(ctx context.Context, planID, itemID int64) error

	SaveReport(ctx context.Context, r Report) (Report, error) // replaces the year's report
	Report(ctx context.Context, fy int) (Report, error)       // NotFound when not generated
	ReportYears(ctx context.Context) ([]int, error)

	AddDecision(ctx context.Context, d Decision) (Decision, error)
	Decisions(ctx context.Context, fy int) ([]Decision, error)

	DateStyle(ctx context.Context, userID int64) (string, error)
	SetDateStyle(ctx context.Context, userID int64, style string) error
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func validDay(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// refPattern accepts "kind:id" with a lower-case kind and a positive id.
func refPattern(s string) bool {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || kind == "" || id == "" || len(s) > 80 {
		return false
	}
	for _, r := range kind {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return id[0] != '0'
}
