package selfcheck

import (
	"context"
	"strings"
	"time"

	"kitei/internal/paging"
)

// Unit is an organisational unit as self-inspection sees it.
type Unit struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Path     string `json:"-"` // "/1/4/9/"
}

// Depth is the number of ancestors of the unit.
func (u Unit) Depth() int { return max(0, strings.Count(u.Path, "/")-2) }

// Holder is an active person and the roles they hold on a day (staff is
// implied and added by the service).
type Holder struct {
	PersonID int64
	UnitID   int64
	Roles    []string
}

// AnswerWrite is one save handed to the store by the group-commit writer.
type AnswerWrite struct {
	CampaignID  int64
	ChecklistID int64
	UnitID      int64
	ItemID      int64
	Value       Value
	Comment     string
	At          time.Time
}

// UnitStatus counts a unit's checklists by status.
type UnitStatus struct {
	UnitID     int64
	NotStarted int
	InProgress int
	Submitted  int
}

// Tally counts the answers of one unit to one item.
type Tally struct {
	UnitID  int64
	ItemID  int64
	Yes     int
	Partial int
	No      int
	NA      int
}

// ItemFilter selects items of a campaign.
type ItemFilter struct {
	Unmapped bool // only the items no role answers
}

// ChecklistFilter selects checklists of a campaign.
type ChecklistFilter struct {
	CampaignID int64
	UnitIDs    []int64 // nil: every unit
	Status     ChecklistStatus
	Limit      int
}

// PersonAnswer is one person's answer to an item, for drill-down.
type PersonAnswer struct {
	PersonID   int64     `json:"person_id"`
	PersonName string    `json:"person_name"`
	EmployeeNo string    `json:"employee_no"`
	UnitID     int64     `json:"unit_id"`
	Value      Value     `json:"-"`
	Code       string    `json:"value"`
	Comment    string    `json:"comment"`
	AnsweredAt time.Time `json:"answered_at"`
}

// Recipient is someone to remind.
type Recipient struct {
	PersonID int64
	Name     string
	Email    string
}

// Notice is an in-app message to one person.
type Notice struct {
	ID         int64     `json:"id"`
	PersonID   int64     `json:"person_id"`
	CampaignID int64     `json:"campaign_id"`
	Kind       string    `json:"kind"` // reminder, …
	Message    string    `json:"message"`
	CreatedAt  time.Time `json:"created_at"`
}

// Store persists campaigns, checklists and answers. Implemented by
// internal/store. Methods return apperr NotFound for unknown ids and
// apperr Conflict when the campaign's state forbids the change.
type Store interface {
	CreateCampaign(ctx context.Context, c Campaign) (Campaign, error)
	// UpdateCampaign changes name, year, dates and reminder days.
	UpdateCampaign(ctx context.Context, c Campaign) (Campaign, error)
	// SetStatus moves a published campaign to closed (or back).
	SetStatus(ctx context.Context, id int64, st Status) error
	Campaign(ctx context.Context, id int64) (Campaign, error)
	Campaigns(ctx context.Context) ([]Campaign, error)
	// CampaignsPage reads req.Fetch() campaigns after req.After, newest
	// first (cursor: fiscal year and id).
	CampaignsPage(ctx context.Context, req paging.Request) ([]Campaign, error)

	// AddItems appends items to a draft campaign, skipping requirements
	// already in it; it returns the items added with their ids.
	AddItems(ctx context.Context, campaignID int64, items []Item) ([]Item, error)
	// UpdateItem changes the question and roles of an item.
	UpdateItem(ctx context.Context, it Item) error
	// RemoveItem takes an item out of a draft campaign.
	RemoveItem(ctx context.Context, campaignID, itemID int64) error
	Items(ctx context.Context, campaignID int64) ([]Item, error)
	// ItemsPage reads req.Fetch() items after req.After in campaign order
	// (cursor: order and id); BadRequest for a cursor it cannot read.
	ItemsPage(ctx context.Context, campaignID int64, f ItemFilter, req paging.Request) ([]Item, error)
	// Item returns one item of the campaign; NotFound when it has none such.
	Item(ctx context.Context, campaignID, itemID int64) (Item, error)
	// CountUnmapped counts the items no role answers.
	CountUnmapped(ctx context.Context, campaignID int64) (int, error)

	// RoleNames lists the organisation's roles (not retired).
	RoleNames(ctx context.Context) ([]RoleName, error)
	// Holders lists the active people with the role keys they hold on day.
	Holders(ctx context.Context, day string) ([]Holder, error)
	// Units lists every unit in tree order.
	Units(ctx context.Context) ([]Unit, error)

	// Publish stores the profiles and checklists (Checklist.ProfileID is an
	// index into profiles) and marks the campaign published on day, in one
	// transaction; Conflict unless the campaign is a draft.
	Publish(ctx context.Context, campaignID int64, day string, profiles []Profile, checklists []Checklist) error
	Profiles(ctx context.Context, campaignID int64) ([]Profile, error)
	// ChecklistOf returns the person's checklist; NotFound when they have none.
	ChecklistOf(ctx context.Context, campaignID, personID int64) (Checklist, error)
	// ChecklistsOf returns the person's checklists in every campaign.
	ChecklistsOf(ctx context.Context, personID int64) ([]Checklist, error)
	Answers(ctx context.Context, checklistID int64) ([]Answer, error)
	// SaveAnswers stores the writes in one transaction, keeping the
	// checklists' counts and the unit × item tallies in step. It returns
	// one error per write: nil when stored and durable, apperr Conflict
	// when the campaign is no longer open or the checklist was submitted;
	// a store failure fails every write.
	SaveAnswers(ctx context.Context, ws []AnswerWrite) []error
	// Submit marks a checklist submitted; Conflict unless every item is answered.
	Submit(ctx context.Context, checklistID int64, at time.Time) error

	// UnitStatuses counts checklists per unit and status.
	UnitStatuses(ctx context.Context, campaignID int64) ([]UnitStatus, error)
	// UnitStatusesIn is UnitStatuses for the given units only (nil: every
	// unit).
	UnitStatusesIn(ctx context.Context, campaignID int64, unitIDs []int64) ([]UnitStatus, error)
	// Tallies returns the answer counts per unit × item.
	Tallies(ctx context.Context, campaignID int64) ([]Tally, error)
	// Checklists lists checklists with the person's name, by unit and name.
	Checklists(ctx context.Context, f ChecklistFilter) ([]Checklist, error)
	// ItemAnswers returns the answers to an item from people of the units.
	ItemAnswers(ctx context.Context, campaignID, itemID int64, unitIDs []int64) ([]PersonAnswer, error)
	// ItemAnswersPage reads req.Fetch() of those answers after req.After:
	// 実施していない first, then by employee number (cursor: "rank|employee
	// number" with rank 5 - value, and the person id).
	ItemAnswersPage(ctx context.Context, campaignID, itemID int64, unitIDs []int64, req paging.Request) ([]PersonAnswer, error)
	// Pending lists people of the units (nil: all) who have not submitted.
	Pending(ctx context.Context, campaignID int64, unitIDs []int64) ([]Recipient, error)

	// AddNotices stores in-app notices.
	AddNotices(ctx context.Context, ns []Notice) error
	// Notices returns a person's newest notices.
	Notices(ctx context.Context, personID int64, limit int) ([]Notice, error)

	CreateAction(ctx context.Context, a Action) (Action, error)
	UpdateAction(ctx context.Context, a Action) (Action, error)
	Actions(ctx context.Context, campaignID int64) ([]Action, error)
	// ActionsPage reads req.Fetch() actions after req.After by due date
	// (cursor: due date and id).
	ActionsPage(ctx context.Context, campaignID int64, req paging.Request) ([]Action, error)

	// ClaimJob claims the job named key for owner until leaseUntil, creating
	// it when new. It returns false when the job is done or another owner
	// holds an unexpired claim; at most one claimant wins across processes.
	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	// FinishJob marks a claimed job done.
	FinishJob(ctx context.Context, key, owner string, at time.Time) error
}
