// Package incident runs the information-security incident cycle
// (情報セキュリティインシデント): a report by anyone (signed in, or from
// outside through the public reporting window), triage by the CSIRT,
// the timeline of every action, the authority notices with their deadline
// clocks, tasks for the people who must act, the cause and
// recurrence-prevention report, the CISO's measures, closure with lessons
// learned, the ledger and the emergency contact list.
//
// Incident records are themselves 要機密 information: the details are
// visible only to the CSIRT, the CISO, the 統括情報セキュリティ責任者 and
// the people given a task or a measure on the incident; the reporter sees
// the status of their report, nothing more; everyone else is told it does
// not exist. Every read is written to the audit trail, not only changes.
package incident

import (
	"time"

	"kitei/internal/authz"
)

// Permissions. Everybody holds the staff role, so everybody may report;
// what they may see of an incident is decided by the service.
var (
	// Report: file a report, follow one's own, answer one's tasks, read the
	// contact list, procedures and lessons learned.
	Report = authz.Define("incident.report", authz.RoleStaff)
	// Handle: the CSIRT triages, records, assigns, sends notices and closes.
	Handle = authz.Define("incident.handle", authz.RoleCSIRTChief, authz.RoleCSIRTMember)
	// Oversee: the CISO and the 統括 see every incident and order measures.
	Oversee = authz.Define("incident.oversee", authz.RoleCISO, authz.RoleChiefISO)
	// Ledger: the インシデント台帳, its statistics and export.
	Ledger = authz.Define("incident.ledger", authz.RoleCSIRTChief, authz.RoleCSIRTMember, authz.RoleCISO, authz.RoleChiefISO)
	// Configure: levels, categories and notice rules.
	Configure = authz.Define("incident.configure", authz.RoleCSIRTChief, authz.RoleChiefISO)
)

// Status of an incident.
type Status string

const (
	Reported  Status = "reported"  // waiting for triage
	Handling  Status = "handling"  // an incident: response under way
	Reviewing Status = "reviewing" // the cause and recurrence-prevention report is filed
	Closed    Status = "closed"    // closed after response
	Dismissed Status = "dismissed" // triaged as not an incident
)

// Statuses in lifecycle order.
var Statuses = []Status{Reported, Handling, Reviewing, Closed, Dismissed}

// Open reports whether the incident still needs work.
func (s Status) Open() bool { return s != Closed && s != Dismissed }

// Personal-data flags.
const (
	PersonalYes     = "yes"
	PersonalNo      = "no"
	PersonalUnknown = "unknown"
)

// Incident is one report and everything decided on it.
type Incident struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	What          string    `json:"what"`
	NoticedAt     time.Time `json:"noticed_at"`
	ReportedAt    time.Time `json:"reported_at"`
	ReporterID    int64     `json:"reporter_id"`
	ReporterName  string    `json:"reporter_name"`
	UnitID        int64     `json:"unit_id"`
	UnitName      string    `json:"unit_name"`
	UnitPath      string    `json:"-"`
	External      bool      `json:"external"`
	ExtName       string    `json:"ext_name,omitempty"`
	ExtContact    string    `json:"ext_contact,omitempty"`
	ClientAddr    string    `json:"-"`
	Refs          string    `json:"refs"`
	Personal      string    `json:"personal"`
	PersonalCount int       `json:"personal_count"`
	FirstActions  string    `json:"first_actions"`
	Status        Status    `json:"status"`
	IsIncident    bool      `json:"is_incident"`
	TriageReason  string    `json:"triage_reason"`
	Level         int       `json:"level"` // -1 before triage
	Category      string    `json:"category"`
	OwnerID       int64     `json:"owner_id"`
	OwnerName     string    `json:"owner_name"`
	TriagedAt     time.Time `json:"triaged_at"`
	Cause         string    `json:"cause"`
	Prevention    string    `json:"prevention"`
	ReportBy      int64     `json:"report_by"`
	ReportByName  string    `json:"report_by_name"`
	ReportAt      time.Time `json:"report_at"`
	Lessons       string    `json:"lessons"`
	ClosedAt      time.Time `json:"closed_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int       `json:"version"`
}

// StatusView is what the reporter sees of their report.
type StatusView struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	ReportedAt time.Time `json:"reported_at"`
	Status     Status    `json:"status"`
}

// View is the reporter's view of in.
func (in Incident) View() StatusView {
	return StatusView{ID: in.ID, Title: in.Title, ReportedAt: in.ReportedAt, Status: in.Status}
}

// Entry kinds of the timeline.
const (
	EntryReport     = "report"
	EntryTriage     = "triage"
	EntryNote       = "note"
	EntryDecision   = "decision"
	EntryContact    = "contact"
	EntryInstruct   = "instruction"
	EntryCorrection = "correction"
	EntryTask       = "task"
	EntryTaskAnswer = "task_answer"
	EntryNoticeSent = "notice_sent"
	EntryRecurrence = "recurrence"
	EntryMeasure    = "measure"
	EntryMeasureUpd = "measure_update"
	EntryEscalation = "escalation"
	EntryClose      = "close"
)

// ManualKinds are the entry kinds a person adds by hand.
var ManualKinds = []string{EntryNote, EntryDecision, EntryContact, EntryInstruct, EntryCorrection}

// Entry is one line of the timeline; entries are appended, never edited.
type Entry struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Kind       string    `json:"kind"`
	Body       string    `json:"body"`
	Corrects   int64     `json:"corrects,omitempty"`
}

// Task kinds.
const (
	TaskContainment = "containment" // 封じ込め・復旧の指示 to the unit's 情報セキュリティ責任者
	TaskCheckSame   = "check_same"  // 同種の事象がないかの確認 for ISSOs of similar systems
	TaskOther       = "other"
)

// Task is an instruction to a person that they must answer.
type Task struct {
	ID          int64     `json:"id"`
	IncidentID  int64     `json:"incident_id"`
	PersonID    int64     `json:"person_id"`
	PersonName  string    `json:"person_name"`
	Kind        string    `json:"kind"`
	Instruction string    `json:"instruction"`
	Answer      string    `json:"answer"`
	AnsweredAt  time.Time `json:"answered_at"`
	CreatedAt   time.Time `json:"created_at"`
	// IncidentTitle is filled by TasksOf.
	IncidentTitle string `json:"incident_title,omitempty"`
}

// AuthorityNotice is a report an authority must receive, with its clock.
type AuthorityNotice struct {
	ID          int64     `json:"id"`
	IncidentID  int64     `json:"incident_id"`
	RuleKey     string    `json:"rule_key"`
	Authority   string    `json:"authority"`
	Kind        string    `json:"kind"`
	DueAt       time.Time `json:"due_at"`
	SentAt      time.Time `json:"sent_at"`
	SentBy      int64     `json:"sent_by"`
	SentByName  string    `json:"sent_by_name"`
	Content     string    `json:"content"`
	EscalatedAt time.Time `json:"escalated_at"`
	// Filled by the overdue query.
	IncidentTitle string `json:"incident_title,omitempty"`
	OwnerID       int64  `json:"-"`
}

// Sent reports whether the notice went out.
func (n AuthorityNotice) Sent() bool { return !n.SentAt.IsZero() }

// Overdue reports whether the notice is unsent past its due time at now.
func (n AuthorityNotice) Overdue(now time.Time) bool { return !n.Sent() && now.After(n.DueAt) }

// Notice is one inbox message (the shared notices table) and, with Email,
// an e-mail.
type Notice struct {
	PersonID  int64
	Email     string
	Kind      string
	Ref       string
	Message   string
	Subject   string
	CreatedAt time.Time
}

// Filter selects incidents for the ledger.
type Filter struct {
	From, To   string // reported on or after From, on or before To (YYYY-MM-DD)
	Level      int    // -2: any
	Category   string
	UnitPath   string
	Open       string // "open", "closed" or "" for both
	ReporterID int64
	Lessons    bool   // only incidents with published lessons learned
	Status     Status // only incidents in this status ("": any)
	// Before and Limit read one page: the incidents with ids below Before
	// (0: from the newest), at most Limit of them (0: all).
	Before int64
	Limit  int
}
