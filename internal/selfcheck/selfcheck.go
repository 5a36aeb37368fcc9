// Package selfcheck runs the yearly self-inspection (自己点検): the security
// office builds a campaign from catalog requirements and says which roles
// answer each one; publishing gives every person a checklist for the roles
// they hold that day; people answer item by item and submit; unit officers
// follow progress and send reminders; the office rolls the answers up per
// unit × section, follows weak items with improvement actions and reports
// to the CISO.
//
// Answers are the hot path: at the deadline thousands of people save at
// once. Service.SaveAnswer hands each save to a group-commit writer that
// commits concurrent saves together in one transaction and acknowledges
// each caller only after that commit, so every acknowledged answer is
// durable. The store keeps a per unit × item tally in the same transaction,
// so roll-ups never scan the answers.
package selfcheck

import (
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/i18n"
)

// DateLayout is how dates are stored and exchanged (西暦, ISO 8601).
const DateLayout = "2006-01-02"

// Status is where a campaign is in its life.
type Status string

const (
	Draft     Status = "draft"     // items being chosen; nobody sees it
	Published Status = "published" // checklists generated; answering allowed between the dates
	Closed    Status = "closed"    // closed by the office; answers frozen
)

// Campaign is one self-inspection round (年度自己点検).
type Campaign struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	FiscalYear  int    `json:"fiscal_year"`
	OpensOn     string `json:"opens_on"`  // first day answers are accepted
	ClosesOn    string `json:"closes_on"` // last day answers are accepted
	Status      Status `json:"status"`
	PublishedOn string `json:"published_on,omitempty"` // the day whose roles made the checklists
	// RemindDays is how many days before ClosesOn the automatic reminder
	// goes to everyone who has not submitted (0: no automatic reminder).
	RemindDays int       `json:"remind_days"`
	CreatedAt  time.Time `json:"created_at"`
	// Filled on reads.
	EditionIDs []int64 `json:"edition_ids"`
	Items      int     `json:"items"`
	Checklists int     `json:"checklists"`
}

// Validate checks the fields a person types.
func (c *Campaign) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		return apperr.E(apperr.Invalid, "selfcheck.err.campaign_needs_name")
	case utf8.RuneCountInString(c.Name) > 200:
		return apperr.E(apperr.Invalid, "selfcheck.err.name_longer_than_characters")
	case c.FiscalYear < 2000 || c.FiscalYear > 2200:
		return apperr.E(apperr.Invalid, "selfcheck.err.fiscal_year_year_use_e", c.FiscalYear)
	case c.RemindDays < 0 || c.RemindDays > 60:
		return apperr.E(apperr.Invalid, "selfcheck.err.reminder_days_between")
	}
	for _, d := range []struct{ name, v string }{{"opening date", c.OpensOn}, {"closing date", c.ClosesOn}} {
		if _, err := time.Parse(DateLayout, d.v); err != nil {
			return apperr.E(apperr.Invalid, "selfcheck.err.date_like", d.name, d.v)
		}
	}
	if c.ClosesOn < c.OpensOn {
		return apperr.E(apperr.Invalid, "selfcheck.err.campaign_closes_before_opens", c.ClosesOn, c.OpensOn)
	}
	return nil
}

// AcceptsOn says why answers are refused on day, nil when they are taken.
func (c *Campaign) AcceptsOn(day string) error {
	switch {
	case c.Status == Draft:
		return apperr.E(apperr.Conflict, "selfcheck.err.campaign_published_yet", c.Name)
	case c.Status == Closed:
		return apperr.E(apperr.Conflict, "selfcheck.err.campaign_closed_answers_longer_changed", c.Name)
	case day < c.OpensOn:
		return apperr.E(apperr.Conflict, "selfcheck.err.campaign_opens_on", c.Name, c.OpensOn)
	case day > c.ClosesOn:
		return apperr.E(apperr.Conflict, "selfcheck.err.campaign_closed_on_answers_longer", c.Name, c.ClosesOn)
	}
	return nil
}

// Item is one question of a campaign, drawn from a catalog requirement.
type Item struct {
	ID         int64  `json:"id"`
	CampaignID int64  `json:"campaign_id"`
	Ord        int    `json:"ord"`
	EditionID  int64  `json:"edition_id"`
	NodeRef    string `json:"ref"` // the requirement's own id, e.g. 2.3.1(1)(a)
	// Section is the ancestor the item is rolled up under (e.g. 2.3 or 第5章).
	SectionRef   string `json:"section_ref"`
	SectionTitle string `json:"section_title"`
	Subject      string `json:"subject"` // the requirement's subject role as written
	Text         string `json:"text"`    // the requirement verbatim
	// Question is what people see: the requirement text unless the office
	// rewrote it in plain language.
	Question string   `json:"question"`
	Roles    []string `json:"roles"` // role keys that must answer it
}

// Validate checks an item before it is stored.
func (it *Item) Validate() error {
	it.Question = strings.TrimSpace(it.Question)
	if it.Question == "" {
		it.Question = it.Text
	}
	if it.Question == "" {
		return apperr.E(apperr.Invalid, "selfcheck.err.item_has_question_text", it.NodeRef)
	}
	if utf8.RuneCountInString(it.Question) > 4000 {
		return apperr.E(apperr.Invalid, "selfcheck.err.question_item_longer_than_characters", it.NodeRef)
	}
	seen := map[string]bool{}
	roles := it.Roles[:0:0]
	for _, r := range it.Roles {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		roles = append(roles, r)
	}
	it.Roles = roles
	return nil
}

// AnsweredBy reports whether a person holding roles must answer the item.
func (it *Item) AnsweredBy(roles []string) bool {
	for _, r := range it.Roles {
		for _, h := range roles {
			if r == h {
				return true
			}
		}
	}
	return false
}

// HasRole reports whether role must answer the item.
func (it Item) HasRole(role string) bool { return it.AnsweredBy([]string{role}) }

// Value is an answer.
type Value int8

const (
	Yes     Value = 1 // 実施している
	Partial Value = 2 // 一部実施
	No      Value = 3 // 実施していない
	NA      Value = 4 // 該当なし
)

// Values in display order.
var Values = []Value{Yes, Partial, No, NA}

var valueNames = map[Value]string{Yes: "yes", Partial: "partial", No: "no", NA: "na"}

// String is the value's code (yes, partial, no, na).
func (v Value) String() string { return valueNames[v] }

// Label is the value as the rulebooks' forms say it (in Japanese).
func (v Value) Label() string {
	if _, ok := valueNames[v]; !ok {
		return ""
	}
	return i18n.T(i18n.Ja, "selfcheck.value."+v.String())
}

// Text is the value's name as a message argument, in the message's language.
func (v Value) Text() apperr.T { return apperr.Msg("selfcheck.value." + v.String()) }

// NeedsComment reports whether an answer with v must explain itself.
func (v Value) NeedsComment() bool { return v == Partial || v == No }

// ParseValue accepts a code (yes, partial, no, na) or the Japanese label.
func ParseValue(s string) (Value, error) {
	s = strings.TrimSpace(s)
	for v, n := range valueNames {
		if strings.EqualFold(s, n) || s == v.Label() {
			return v, nil
		}
	}
	return 0, apperr.E(apperr.Invalid, "selfcheck.err.answer_use_yes_partial_na", s)
}

// MaxComment bounds an answer's comment.
const MaxComment = 2000

// Answer is one person's answer to one item.
type Answer struct {
	ItemID     int64     `json:"item_id"`
	Value      Value     `json:"-"`
	Comment    string    `json:"comment"`
	AnsweredAt time.Time `json:"answered_at"`
}

// CheckAnswer validates a value and comment as typed.
func CheckAnswer(v Value, comment string) (string, error) {
	comment = strings.TrimSpace(comment)
	if _, ok := valueNames[v]; !ok {
		return "", apperr.E(apperr.Invalid, "selfcheck.err.answer_use_yes_partial_na2")
	}
	if v.NeedsComment() && comment == "" {
		return "", apperr.E(apperr.Invalid, "selfcheck.err.needs_comment_saying_what_missing", v.Text())
	}
	if utf8.RuneCountInString(comment) > MaxComment {
		return "", apperr.E(apperr.Invalid, "selfcheck.err.comment_longer_than_characters", MaxComment)
	}
	return comment, nil
}

// ChecklistStatus is how far a person got.
type ChecklistStatus string

const (
	NotStarted ChecklistStatus = "not_started"
	InProgress ChecklistStatus = "in_progress"
	Submitted  ChecklistStatus = "submitted"
)

// Checklist is one person's 自己点検票 in a campaign.
type Checklist struct {
	ID          int64           `json:"id"`
	CampaignID  int64           `json:"campaign_id"`
	PersonID    int64           `json:"person_id"`
	UnitID      int64           `json:"unit_id"` // the person's unit on the publish day
	ProfileID   int64           `json:"-"`       // the role set that chose the items
	Roles       []string        `json:"roles"`
	Status      ChecklistStatus `json:"status"`
	Answered    int             `json:"answered"`
	Total       int             `json:"total"`
	SubmittedAt time.Time       `json:"submitted_at"`
	// Filled on some reads.
	PersonName string `json:"person_name,omitempty"`
	EmployeeNo string `json:"employee_no,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
}

// Profile is a distinct role set of a campaign and the items it answers:
// checklists point at a profile instead of listing their items, so
// 20,000 checklists cost 20,000 rows, not 1.2 million.
type Profile struct {
	ID      int64
	Roles   []string
	ItemIDs []int64
}

// Has reports whether the profile's checklist holds item.
func (p *Profile) Has(item int64) bool {
	for _, id := range p.ItemIDs {
		if id == item {
			return true
		}
	}
	return false
}
