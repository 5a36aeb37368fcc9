// Package auditeng is information-security auditing (情報セキュリティ監査):
// the annual audit plan of the 監査責任者 approved by the CISO, ad-hoc
// audits the CISO orders, engagements with independent auditors (the
// organisation's separation-of-duties rule refuses an auditor from the
// audited unit) and outside auditors limited to their engagements and an
// end date, the checklist generated from the scope, working papers with
// evidence files, findings, the audit report, the CISO's instructions and
// the audited unit's remediation plan as improvement-tracker actions. It
// is named auditeng so it does not clash with internal/audit, the audit
// trail.
package auditeng

import (
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/tracker"
)

// DateLayout is the layout of dates.
const DateLayout = "2006-01-02"

// PlanStatus is where an annual plan stands.
type PlanStatus string

const (
	PlanDraft     PlanStatus = "draft"
	PlanSubmitted PlanStatus = "submitted" // to the CISO
	PlanApproved  PlanStatus = "approved"
)

// Plan is the audit plan of one fiscal year.
type Plan struct {
	ID          int64      `json:"id"`
	FiscalYear  int        `json:"fiscal_year"`
	Title       string     `json:"title"`
	Note        string     `json:"note"`
	Status      PlanStatus `json:"status"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ApprovedBy  int64      `json:"approved_by,omitempty"`
	ApprovedAt  time.Time  `json:"approved_at,omitzero"`
	Engagements int        `json:"engagements"` // filled on reads
}

// Status is where an engagement stands.
type Status string

const (
	Planned    Status = "planned"    // in a plan not yet approved
	Fieldwork  Status = "fieldwork"  // approved (or ordered ad hoc): auditors at work
	Reported   Status = "reported"   // the report went to the CISO
	Instructed Status = "instructed" // the CISO instructed the unit(s)
)

// Result is a working paper's conclusion on one requirement.
type Result string

const (
	Conform       Result = "conform"    // 適合
	Partial       Result = "partial"    // 部分適合
	Nonconform    Result = "nonconform" // 不適合
	NotApplicable Result = "na"         // 対象外
)

// Results lists the results in order.
var Results = []Result{Conform, Partial, Nonconform, NotApplicable}

// Severity grades a finding.
type Severity string

const (
	Major       Severity = "major"       // 重大
	Minor       Severity = "minor"       // 軽微
	Observation Severity = "observation" // 観察
)

// Severities lists the severities in order.
var Severities = []Severity{Major, Minor, Observation}

// Engagement is one audit: of a unit or of an information system (kept by
// a unit), against catalog sections, over a period.
type Engagement struct {
	ID        int64    `json:"id"`
	PlanID    int64    `json:"plan_id"` // 0: ordered ad hoc by the CISO
	AdHoc     bool     `json:"ad_hoc"`
	Title     string   `json:"title"`
	Kind      string   `json:"kind"` // unit or system
	UnitID    int64    `json:"unit_id"`
	SystemRef string   `json:"system_ref,omitempty"`
	CatalogID int64    `json:"catalog_id"`
	Scope     []string `json:"scope"` // section refs of the catalog
	StartsOn  string   `json:"starts_on"`
	EndsOn    string   `json:"ends_on"`
	Objective string   `json:"objective"` // 監査実施計画: objective, method, schedule
	Status    Status   `json:"status"`
	// SelfcheckID, when set, is the self-inspection campaign whose answers
	// of the audited unit the checklist shows beside each requirement.
	SelfcheckID int64 `json:"selfcheck_id,omitempty"`
	// ParentCatalogID, when set, is the upper standard whose requirements
	// the audited catalog should cover (the crosswalk gap report).
	ParentCatalogID int64     `json:"parent_catalog_id,omitempty"`
	Summary         string    `json:"summary,omitempty"` // the report's overall opinion
	ReportedAt      time.Time `json:"reported_at,omitzero"`
	ReportedBy      int64     `json:"reported_by,omitempty"`
	CreatedBy       int64     `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Filled on reads.
	UnitName    string    `json:"unit_name,omitempty"`
	UnitPath    string    `json:"-"`
	CatalogName string    `json:"catalog_name,omitempty"`
	Auditors    []Auditor `json:"auditors,omitempty"`
}

// Auditor is a person assigned to an engagement. Outside auditors (外部監査
// 人) have access only until AccessUntil.
type Auditor struct {
	PersonID    int64  `json:"person_id"`
	Name        string `json:"name,omitempty"`
	UnitName    string `json:"unit_name,omitempty"`
	Outside     bool   `json:"outside"`
	AccessUntil string `json:"access_until,omitempty"`
}

// Paper is a working paper (調書): the conclusion on one requirement.
type Paper struct {
	ID           int64          `json:"id"`
	EngagementID int64          `json:"engagement_id"`
	Ref          string         `json:"ref"`
	Result       Result         `json:"result"`
	Observation  string         `json:"observation"`
	AuditorID    int64          `json:"auditor_id"`
	AuditorName  string         `json:"auditor_name,omitempty"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Evidence     []tracker.File `json:"evidence,omitempty"`
}

// Finding is a finding (指摘事項) on a requirement.
type Finding struct {
	ID             int64     `json:"id"`
	EngagementID   int64     `json:"engagement_id"`
	Ref            string    `json:"ref"`
	Severity       Severity  `json:"severity"`
	Description    string    `json:"description"`
	Recommendation string    `json:"recommendation"`
	CreatedBy      int64     `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	// Filled on reads: the remediation plan and whether it closed the finding.
	Actions []tracker.Action `json:"actions,omitempty"`
	Closed  bool             `json:"closed"`
}

// State is "open" (no remediation plan), "planned" (actions not all
// confirmed) or "closed" (every action done and confirmed).
func (f Finding) State() string {
	switch {
	case f.Closed:
		return "closed"
	case len(f.Actions) > 0:
		return "planned"
	}
	return "open"
}

// Instruction is the CISO's instruction after the report, to the audited
// unit or another unit with the same weakness.
type Instruction struct {
	ID           int64     `json:"id"`
	EngagementID int64     `json:"engagement_id"`
	UnitID       int64     `json:"unit_id"`
	UnitName     string    `json:"unit_name,omitempty"`
	Text         string    `json:"text"`
	IssuedBy     int64     `json:"issued_by"`
	IssuedAt     time.Time `json:"issued_at"`
}

func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

func checkDate(key, s string) error {
	if _, err := time.Parse(DateLayout, s); err != nil {
		return invalid(key, s)
	}
	return nil
}

// Validate checks an engagement as typed.
func (e *Engagement) Validate() error {
	e.Title = strings.TrimSpace(e.Title)
	e.Objective = strings.TrimSpace(e.Objective)
	e.SystemRef = strings.TrimSpace(e.SystemRef)
	var scope []string
	seen := map[string]bool{}
	for _, s := range e.Scope {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			scope = append(scope, s)
		}
	}
	e.Scope = scope
	if e.Kind == "" {
		e.Kind = "unit"
	}
	switch {
	case e.Title == "":
		return invalid("auditeng.err.title")
	case utf8.RuneCountInString(e.Title) > 300, utf8.RuneCountInString(e.Objective) > 8000:
		return invalid("auditeng.err.too_long")
	case e.Kind != "unit" && e.Kind != "system":
		return invalid("auditeng.err.kind", e.Kind)
	case e.Kind == "system" && e.SystemRef == "":
		return invalid("auditeng.err.system")
	case e.UnitID <= 0:
		return invalid("auditeng.err.unit")
	case e.CatalogID <= 0:
		return invalid("auditeng.err.catalog")
	case len(e.Scope) == 0:
		return invalid("auditeng.err.scope")
	}
	if err := checkDate("auditeng.err.date", e.StartsOn); err != nil {
		return err
	}
	if err := checkDate("auditeng.err.date", e.EndsOn); err != nil {
		return err
	}
	if e.EndsOn < e.StartsOn {
		return invalid("auditeng.err.period")
	}
	return nil
}
