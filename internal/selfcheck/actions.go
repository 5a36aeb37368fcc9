package selfcheck

import (
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
)

// ActionStatus is where an improvement action stands.
type ActionStatus string

const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
)

// Action is an improvement measure (改善措置) on a weak item, followed until
// it is done.
type Action struct {
	ID         int64        `json:"id"`
	CampaignID int64        `json:"campaign_id"`
	ItemID     int64        `json:"item_id"` // 0: not tied to one item
	UnitID     int64        `json:"unit_id"` // 0: organisation-wide
	Title      string       `json:"title"`
	OwnerID    int64        `json:"owner_person_id"`
	DueOn      string       `json:"due_on"`
	Status     ActionStatus `json:"status"`
	Note       string       `json:"note"` // progress so far
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	// Filled on reads.
	OwnerName string `json:"owner_name,omitempty"`
	ItemRef   string `json:"item_ref,omitempty"`
	UnitName  string `json:"unit_name,omitempty"`
}

// Validate checks an action as typed.
func (a *Action) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Note = strings.TrimSpace(a.Note)
	if a.Status == "" {
		a.Status = ActionOpen
	}
	switch {
	case a.Title == "":
		return apperr.E(apperr.Invalid, "selfcheck.err.improvement_action_needs_title")
	case utf8.RuneCountInString(a.Title) > 500, utf8.RuneCountInString(a.Note) > 4000:
		return apperr.E(apperr.Invalid, "selfcheck.err.title_note_too_long")
	case a.OwnerID <= 0:
		return apperr.E(apperr.Invalid, "selfcheck.err.improvement_action_needs_owner")
	case a.Status != ActionOpen && a.Status != ActionInProgress && a.Status != ActionDone:
		return apperr.E(apperr.Invalid, "selfcheck.err.status_open_progress_done")
	}
	if _, err := time.Parse(DateLayout, a.DueOn); err != nil {
		return apperr.E(apperr.Invalid, "selfcheck.err.due_date_date_like", a.DueOn)
	}
	return nil
}
