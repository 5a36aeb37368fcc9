// Package approval is kitei's approval engine: requests that the rulebooks
// say need a decision (例外措置, 持出し, 機密性3 情報の提供, terminals used
// outside the controlled area, terminals not issued by the organisation,
// cloud services) are data — a Type lists its fields, who decides and how a
// classification level maps to an outcome — and one state machine carries
// every request from draft to its end.
//
// Who may do what:
//   - the applicant files, edits while draft or returned, submits, withdraws
//     before the decision and files the end report;
//   - the decider resolved when the request is submitted (the type's role
//     for the applicant's unit, walking up the unit tree; or the role held
//     for the system concerned) returns, approves with conditions or
//     rejects. The applicant never decides their own request: when the
//     decider would be the applicant, org.Service.ResolveApprover escalates
//     to the decider's superior;
//   - background jobs activate approved requests on their first day,
//     expire them after their last, remind deciders of waiting requests and
//     chase missing end reports.
//
// Every transition is checked against one table (transitions), stored with
// a conditional update (a second decision finds the status changed and is
// refused), and recorded in the request's history and the audit trail in
// the same transaction.
package approval

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
)

// DateLayout is how days are stored (西暦, ISO 8601).
const DateLayout = "2006-01-02"

// Outcome is what a classification level requires.
type Outcome string

const (
	OutcomePermit Outcome = "permit" // 許可が必要
	OutcomeNotice Outcome = "notice" // 届出のみ
	OutcomeNone   Outcome = "none"   // 手続き不要
)

// Field kinds. The core kinds fill the request's own columns; the others
// are kept in Request.Fields under the field's key.
const (
	KindApplicant = "applicant" // the filer (name, unit): shown, not typed
	KindTitle     = "title"     // 件名 → Request.Title
	KindLevel     = "level"     // classification level → Request.Level
	KindPeriod    = "period"    // 期間 → Request.StartsOn / EndsOn
	KindRule      = "rule"      // a catalog node → Request.CatalogID / NodeRef
	KindTarget    = "target"    // a register entry or system → Request.TargetRef
	KindText      = "text"
	KindTextarea  = "textarea"
	KindDate      = "date"
	KindSelect    = "select"
)

var fieldKinds = []string{KindApplicant, KindTitle, KindLevel, KindPeriod, KindRule, KindTarget, KindText, KindTextarea, KindDate, KindSelect}

// Field is one entry of a request form.
type Field struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Label    string   `json:"label"`    // Japanese
	LabelEn  string   `json:"label_en"` // English
	Help     string   `json:"help,omitempty"`
	Options  []string `json:"options,omitempty"` // select
}

// LevelRule maps one classification level to an outcome, optionally
// routed to another deciding role than the type's.
type LevelRule struct {
	Level       string  `json:"level"`
	Outcome     Outcome `json:"outcome"`
	DeciderRole string  `json:"decider_role,omitempty"`
}

// Decider sources.
const (
	FromUnit   = "unit"   // the role held for the applicant's unit (or the nearest unit above)
	FromSystem = "system" // the role held for the system named in TargetRef
)

// Type is a kind of request, stored as data and editable by the security
// office. Key never changes.
type Type struct {
	Key    string `json:"key"`
	Name   string `json:"name"` // Japanese, as the rulebooks say it
	NameEn string `json:"name_en"`
	Basis  string `json:"basis,omitempty"` // where the rulebooks require it
	// Applicants lists the role keys allowed to file; empty: every staff member.
	Applicants  []string    `json:"applicants,omitempty"`
	DeciderRole string      `json:"decider_role"`
	DeciderFrom string      `json:"decider_from"`
	Fields      []Field     `json:"fields"`
	Levels      []LevelRule `json:"levels"` // empty: every request needs a permit
	// AfterTheFact allows an emergency filing after the act (事後の届出).
	AfterTheFact bool `json:"after_the_fact,omitempty"`
	// EndReport: the applicant reports the end; missing reports are chased
	// once the period is over.
	EndReport bool `json:"end_report,omitempty"`
	Ord       int  `json:"ord"`
	Retired   bool `json:"retired,omitempty"`
}

// Has reports whether the type has a field of kind k.
func (t Type) Has(k string) bool {
	_, ok := t.Field(k)
	return ok
}

// Field returns the type's field of kind k.
func (t Type) Field(k string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Type == k {
			return f, true
		}
	}
	return Field{}, false
}

// Rule returns what level requires: the matching rule, or a permit by the
// type's decider when the type has no level rules.
func (t *Type) Rule(level string) (LevelRule, error) {
	if len(t.Levels) == 0 {
		return LevelRule{Level: level, Outcome: OutcomePermit, DeciderRole: t.DeciderRole}, nil
	}
	for _, r := range t.Levels {
		if r.Level == level {
			if r.DeciderRole == "" {
				r.DeciderRole = t.DeciderRole
			}
			return r, nil
		}
	}
	return LevelRule{}, invalid("approval.err.level_choose_one", level, t.Name, strings.Join(t.LevelNames(), ", "))
}

// LevelNames lists the levels in order.
func (t *Type) LevelNames() []string {
	out := make([]string, len(t.Levels))
	for i, r := range t.Levels {
		out[i] = r.Level
	}
	return out
}

// Validate checks a type definition before it is stored.
func (t *Type) Validate() error {
	t.Key, t.Name, t.NameEn = strings.TrimSpace(t.Key), strings.TrimSpace(t.Name), strings.TrimSpace(t.NameEn)
	if !keyOK(t.Key) {
		return invalid("approval.err.type_key_lower_case_letters", t.Key)
	}
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
		return invalid("approval.err.request_type_needs_name_at")
	}
	if !keyOK(t.DeciderRole) {
		return invalid("approval.err.type_needs_role_key_decider", t.Key)
	}
	if t.DeciderFrom != FromUnit && t.DeciderFrom != FromSystem {
		return invalid("approval.err.decider_from_unit_system", t.DeciderFrom)
	}
	seen := map[string]bool{}
	kinds := map[string]bool{}
	for i := range t.Fields {
		f := &t.Fields[i]
		f.Key, f.Label = strings.TrimSpace(f.Key), strings.TrimSpace(f.Label)
		if !keyOK(f.Key) || seen[f.Key] {
			return invalid("approval.err.field_has_missing_malformed_repeated", i+1, t.Key, f.Key)
		}
		seen[f.Key] = true
		if !slices.Contains(fieldKinds, f.Type) {
			return invalid("approval.err.field_has_unknown_type_one", f.Key, f.Type, strings.Join(fieldKinds, ", "))
		}
		if f.Type != KindText && f.Type != KindTextarea && f.Type != KindDate && f.Type != KindSelect {
			if kinds[f.Type] {
				return invalid("approval.err.type_has_two_fields", t.Key, f.Type)
			}
			kinds[f.Type] = true
		}
		if f.Label == "" {
			return invalid("approval.err.field_needs_japanese_label", f.Key)
		}
		if f.Type == KindSelect && len(f.Options) == 0 {
			return invalid("approval.err.select_field_needs_options", f.Key)
		}
	}
	if !kinds[KindTitle] {
		return invalid("approval.err.type_needs_title_field", t.Key)
	}
	if len(t.Levels) > 0 && !kinds[KindLevel] {
		return invalid("approval.err.type_has_level_rules_but", t.Key)
	}
	if kinds[KindLevel] && len(t.Levels) == 0 {
		return invalid("approval.err.type_has_level_field_but", t.Key)
	}
	if t.EndReport && !kinds[KindPeriod] {
		return invalid("approval.err.type_asks_end_report_but", t.Key)
	}
	if t.DeciderFrom == FromSystem && !kinds[KindTarget] {
		return invalid("approval.err.type_decided_system_but_has", t.Key)
	}
	levels := map[string]bool{}
	for _, r := range t.Levels {
		if strings.TrimSpace(r.Level) == "" || levels[r.Level] {
			return invalid("approval.err.type_has_empty_repeated_level", t.Key, r.Level)
		}
		levels[r.Level] = true
		if r.Outcome != OutcomePermit && r.Outcome != OutcomeNotice && r.Outcome != OutcomeNone {
			return invalid("approval.err.level_outcome_permit_notice_none", r.Level, r.Outcome)
		}
		if r.DeciderRole != "" && !keyOK(r.DeciderRole) {
			return invalid("approval.err.level_bad_decider_role", r.Level, r.DeciderRole)
		}
	}
	for _, a := range t.Applicants {
		if !keyOK(a) {
			return invalid("approval.err.type_bad_applicant_role", t.Key, a)
		}
	}
	return nil
}

func keyOK(k string) bool {
	if len(k) < 2 || len(k) > 40 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Status is where a request stands.
type Status string

const (
	Draft     Status = "draft"     // 下書き
	Submitted Status = "submitted" // 申請中
	Returned  Status = "returned"  // 差戻し
	Approved  Status = "approved"  // 承認（期間開始前）
	Rejected  Status = "rejected"  // 却下
	InEffect  Status = "in_effect" // 有効（承認済み又は届出受理）
	Expired   Status = "expired"   // 期間満了（終了報告待ちを含む）
	Ended     Status = "ended"     // 終了報告済み
	Withdrawn Status = "withdrawn" // 取下げ
)

// Statuses lists every status in the order a request passes them.
var Statuses = []Status{Draft, Submitted, Returned, Approved, InEffect, Expired, Ended, Rejected, Withdrawn}

// Open reports whether a decision is still pending.
func (s Status) Open() bool { return s == Submitted }

// Actions on a request.
const (
	ActSubmit   = "submit"
	ActWithdraw = "withdraw"
	ActReturn   = "return"
	ActApprove  = "approve"
	ActReject   = "reject"
	ActActivate = "activate"
	ActExpire   = "expire"
	ActEnd      = "end"
	ActEdit     = "edit"
)

// Who may take an action.
type actor int

const (
	byApplicant actor = iota
	byDecider
	bySystem
)

type transition struct {
	from []Status
	by   actor
}

// transitions is the whole state machine: an action is allowed only from
// the listed statuses and only by the listed party. The target status of
// submit and approve depends on the outcome and the period (see Service).
var transitions = map[string]transition{
	ActEdit:     {[]Status{Draft, Returned}, byApplicant},
	ActSubmit:   {[]Status{Draft, Returned}, byApplicant},
	ActWithdraw: {[]Status{Draft, Submitted, Returned}, byApplicant},
	ActReturn:   {[]Status{Submitted}, byDecider},
	ActApprove:  {[]Status{Submitted}, byDecider},
	ActReject:   {[]Status{Submitted}, byDecider},
	ActActivate: {[]Status{Approved}, bySystem},
	ActExpire:   {[]Status{InEffect, Approved}, bySystem},
	ActEnd:      {[]Status{InEffect, Expired}, byApplicant},
}

// Allowed reports whether action may be taken on a request in status s.
func Allowed(action string, s Status) bool {
	t, ok := transitions[action]
	return ok && slices.Contains(t.from, s)
}

// Request is one filing.
type Request struct {
	ID          int64             `json:"id"`
	TypeKey     string            `json:"type"`
	ApplicantID int64             `json:"applicant_id"`
	UnitID      int64             `json:"unit_id"` // the applicant's unit when filed
	Title       string            `json:"title"`
	Level       string            `json:"level,omitempty"`
	Outcome     Outcome           `json:"outcome"`
	Emergency   bool              `json:"emergency"` // filed after the fact
	StartsOn    string            `json:"starts_on,omitempty"`
	EndsOn      string            `json:"ends_on,omitempty"`
	CatalogID   int64             `json:"catalog_id,omitempty"`
	NodeRef     string            `json:"node_ref,omitempty"`
	RuleText    string            `json:"rule_text,omitempty"` // the rule's text when filed
	TargetRef   string            `json:"target_ref,omitempty"`
	Fields      map[string]string `json:"fields"`
	Status      Status            `json:"status"`
	DeciderID   int64             `json:"decider_id,omitempty"`
	DeciderRole string            `json:"decider_role,omitempty"`
	Escalated   bool              `json:"escalated"`
	Conditions  string            `json:"conditions,omitempty"`
	Decision    string            `json:"decision_note,omitempty"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
	DecidedAt   time.Time         `json:"decided_at,omitzero"`
	EndReport   string            `json:"end_report,omitempty"`
	EndedAt     time.Time         `json:"ended_at,omitzero"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Version     int               `json:"version"`
	// Filled on reads.
	TypeName      string `json:"type_name,omitempty"`
	ApplicantName string `json:"applicant_name,omitempty"`
	UnitName      string `json:"unit_name,omitempty"`
	UnitPath      string `json:"-"`
	DeciderName   string `json:"decider_name,omitempty"`
	CatalogName   string `json:"catalog_name,omitempty"`
}

// Event is one line of a request's history.
type Event struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	Action    string    `json:"action"`
	From      Status    `json:"from"`
	To        Status    `json:"to"`
	ActorID   int64     `json:"actor_id"` // 0: the system
	ActorName string    `json:"actor_name,omitempty"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// Notice is an entry of a person's in-app inbox (shared with the other
// capabilities: Ref says what it is about, e.g. "request:12").
type Notice struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	Kind      string    `json:"kind"`
	Ref       string    `json:"ref"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
	// Email and Subject are used for the e-mail copy; not stored.
	Email   string `json:"-"`
	Subject string `json:"-"`
}

// invalid is a validation error with a message key of the catalogs.
func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

func checkText(label, v string, required bool, max int) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid("approval.err.required", label)
	}
	if utf8.RuneCountInString(v) > max {
		return invalid("approval.err.longer_than_characters", label, max)
	}
	if strings.ContainsRune(v, 0) {
		return invalid("approval.err.contains_nul_character", label)
	}
	return nil
}

func checkDay(label, v string) error {
	if _, err := time.Parse(DateLayout, v); err != nil {
		return invalid("approval.err.date_like", label, v)
	}
	return nil
}
