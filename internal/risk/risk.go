package risk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// Subject kinds: what a risk is on.
const (
	OnAsset   = "asset"
	OnSystem  = "system"
	OnService = "service"
	OnOrg     = "org"
)

// SubjectKinds in form order.
var SubjectKinds = []string{OnAsset, OnSystem, OnService, OnOrg}

// Treatments (リスク対応).
const (
	Reduce   = "reduce"   // 低減
	Avoid    = "avoid"    // 回避
	Transfer = "transfer" // 移転
	Accept   = "accept"   // 受容
)

// Treatments in form order.
var Treatments = []string{Reduce, Avoid, Transfer, Accept}

// Acceptance states of a residual risk above the threshold.
const (
	AcceptRequested = "requested"
	AcceptAccepted  = "accepted"
	AcceptRejected  = "rejected"
)

// Measure is a catalog requirement chosen to answer a risk.
type Measure struct {
	CatalogID int64  `json:"catalog_id"`
	Ref       string `json:"ref"`
}

// Risk is an entry of the risk register.
type Risk struct {
	ID           int64  `json:"id"`
	Code         string `json:"code"`
	Title        string `json:"title"`
	SubjectKind  string `json:"subject_kind"`
	SubjectRef   string `json:"subject_ref,omitempty"` // register reference
	SubjectLabel string `json:"subject_label,omitempty"`
	UnitID       int64  `json:"unit_id"`
	SystemCode   string `json:"system_code,omitempty"` // its ISSO assesses it
	CampaignID   int64  `json:"campaign_id,omitempty"`
	Method       string `json:"method"`
	ThreatText   string `json:"threat_text"`
	VulnText     string `json:"vulnerability_text"`
	// Inherent rating.
	Impact        int `json:"impact"`
	Threat        int `json:"threat,omitempty"`
	Vulnerability int `json:"vulnerability,omitempty"`
	Likelihood    int `json:"likelihood"`
	Value         int `json:"value"`
	// Residual rating, after the measures (impact stays).
	RThreat        int       `json:"residual_threat,omitempty"`
	RVulnerability int       `json:"residual_vulnerability,omitempty"`
	RLikelihood    int       `json:"residual_likelihood"`
	RValue         int       `json:"residual_value"`
	Treatment      string    `json:"treatment"`
	Measures       []Measure `json:"measures"`
	OwnerID        int64     `json:"owner_id,omitempty"`
	ReviewOn       string    `json:"review_on,omitempty"`
	Acceptance     string    `json:"acceptance,omitempty"`
	RequestID      int64     `json:"request_id,omitempty"`
	AcceptedBy     string    `json:"accepted_by,omitempty"`
	AcceptedOn     string    `json:"accepted_on,omitempty"`
	Note           string    `json:"note,omitempty"`
	Retired        bool      `json:"retired"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Filled on reads.
	UnitCode  string `json:"unit_code,omitempty"`
	UnitName  string `json:"unit_name,omitempty"`
	UnitPath  string `json:"-"`
	OwnerName string `json:"owner_name,omitempty"`
}

// Campaign is an assessment round.
type Campaign struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	DueOn      string         `json:"due_on"`
	RemindDays int            `json:"remind_days"`
	Status     string         `json:"status"`
	CreatedBy  int64          `json:"created_by"`
	CreatedAt  time.Time      `json:"created_at"`
	Units      []CampaignUnit `json:"units"`
}

// CampaignUnit is one unit asked to assess.
type CampaignUnit struct {
	UnitID      int64     `json:"unit_id"`
	UnitCode    string    `json:"unit_code"`
	UnitName    string    `json:"unit_name"`
	UnitPath    string    `json:"-"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	Risks       int       `json:"risks"`
}

// Change is one line of a risk's history.
type Change struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	ActorID int64          `json:"actor_id"`
	Action  string         `json:"action"`
	Detail  map[string]any `json:"detail"`
}

// Notice is an inbox entry (the shared notices table).
type Notice struct {
	PersonID int64
	Kind     string
	Ref      string
	Message  string
	At       time.Time
	Email    string // e-mail copy, not stored
}

// Filter selects risks.
type Filter struct {
	Scope      authz.Scope
	Systems    []string // also the risks of these systems
	CampaignID int64
	UnitID     int64
	Query      string
	Retired    bool
	Acceptance string  // only risks in this acceptance state
	UnitIDs    []int64 // only risks of these units
	// After and Limit read one page: the risks after the position After
	// (nil: from the first), at most Limit of them (0: all).
	After *Position
	Limit int
}

// Position is a risk's place in the register's order: the residual value
// and the value, highest first, then the id.
type Position struct {
	RValue, Value int
	ID            int64
}

// Store persists the risk register. Implemented by internal/store; every
// change writes its history line and audit event in one transaction.
type Store interface {
	Method(ctx context.Context) (Method, bool, error)
	SaveMethod(ctx context.Context, m Method, at time.Time) error

	CreateRisk(ctx context.Context, r Risk, ch Change) (Risk, error)
	UpdateRisk(ctx context.Context, r Risk, ch Change) (Risk, error)
	Risk(ctx context.Context, id int64) (Risk, error)
	RiskByCode(ctx context.Context, code string) (Risk, error)
	// ApplyImport adds (ID 0; the given code, or R-00001 after the id when
	// empty) or updates every risk in one transaction.
	ApplyImport(ctx context.Context, rs []Risk, ch Change) (added, updated int, err error)
	// Risks returns the risks f selects, the highest residual value first
	// (then the value, then the id); CountRisks counts them (After and
	// Limit aside).
	Risks(ctx context.Context, f Filter) ([]Risk, error)
	CountRisks(ctx context.Context, f Filter) (int, error)
	History(ctx context.Context, id int64) ([]Change, error)

	CreateCampaign(ctx context.Context, c Campaign, ns []Notice) (Campaign, error)
	Campaign(ctx context.Context, id int64) (Campaign, error)
	Campaigns(ctx context.Context) ([]Campaign, error)
	SubmitUnit(ctx context.Context, campaignID, unitID, personID int64, at time.Time) error

	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	// DeliverJob adds the notices and marks the job done, in one
	// transaction, only while owner holds it.
	DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []Notice) error
}

func checkText(field, v string, required bool, max int) error {
	if required && strings.TrimSpace(v) == "" {
		return apperr.E(apperr.Invalid, "risk.err.required", apperr.Msg(field))
	}
	if utf8.RuneCountInString(v) > max || strings.ContainsRune(v, 0) {
		return apperr.E(apperr.Invalid, "risk.err.too_long", apperr.Msg(field), max)
	}
	return nil
}

func checkDay(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		return apperr.E(apperr.Invalid, "risk.err.date", apperr.Msg(field), v)
	}
	return nil
}
