// Package inventory keeps the registers the rulebooks ask for beside the
// information assets and systems (internal/register): terminals and
// servers (端末・サーバ装置), external media (外部電磁的記録媒体: issued,
// lent, returned, wiped) and controlled areas (要管理対策区域: the
// authorised people with period and reason, the entry records and the
// visitor log), and the contact list (連絡網) generated from the
// appointments with each person's contact means.
//
// It is a package of its own rather than more of internal/register
// because register's three registers each have hand-written columns,
// forms and import code, while these three are simple records: one kind
// table of fields drives the form, the page, validation, the xlsx/CSV
// columns and the import report for all of them, over one table
// (inv_items) with the filtered columns kept beside a JSON of the rest.
// The patterns are register's: a history line and an audit event with
// every change, retire instead of delete, unit scope on every read, and
// references from requests (持出し names a medium, 区域外利用 a device).
package inventory

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Kinds of register.
const (
	KindDevice = "device"
	KindMedium = "medium"
	KindArea   = "area"
)

// Kinds lists the registers.
var Kinds = []string{KindDevice, KindMedium, KindArea}

// Field types.
const (
	TText   = "text"
	TSelect = "select"
	TDate   = "date"
	TPerson = "person" // an employee number, stored as holder_id
	TUnit   = "unit"   // a unit code, stored as unit_id
	TSystem = "system" // a system code
)

// Field is one column of a register. Its label is the message
// "inv.f.<key>"; a select's options are stored as keys, labelled
// "inv.opt.<key>.<option>".
type Field struct {
	Key      string
	Type     string
	Required bool
	Options  []string
	Max      int
}

// Core field keys (kept in their own columns).
const (
	FCode   = "code"
	FName   = "name"
	FUnit   = "unit"
	FHolder = "holder"
	FSystem = "system"
	FStatus = "status"
)

// Fields of each kind, in column order.
var Fields = map[string][]Field{
	KindDevice: {
		{Key: FCode, Type: TText, Required: true, Max: 40},
		{Key: FName, Type: TText, Required: true, Max: 200},
		{Key: FUnit, Type: TUnit, Required: true},
		{Key: "device_type", Type: TSelect, Required: true, Options: []string{"terminal", "server", "mobile", "network"}},
		{Key: FHolder, Type: TPerson},
		{Key: "os", Type: TText, Max: 100},
		{Key: "encryption", Type: TSelect, Options: []string{"full_disk", "file", "none"}},
		{Key: FSystem, Type: TSystem},
		{Key: FStatus, Type: TSelect, Required: true, Options: []string{"in_use", "stored", "repair", "disposed"}},
		{Key: "note", Type: TText, Max: 1000},
	},
	KindMedium: {
		{Key: FCode, Type: TText, Required: true, Max: 40},
		{Key: FName, Type: TText, Required: true, Max: 200},
		{Key: FUnit, Type: TUnit, Required: true},
		{Key: "medium_type", Type: TSelect, Required: true, Options: []string{"usb", "hdd", "optical", "sd", "other"}},
		{Key: FHolder, Type: TPerson},
		{Key: "lent_on", Type: TDate},
		{Key: "due_on", Type: TDate},
		{Key: "returned_on", Type: TDate},
		{Key: "wiped_on", Type: TDate},
		{Key: "certificate", Type: TText, Max: 100},
		{Key: FStatus, Type: TSelect, Required: true, Options: []string{"stored", "lent", "disposed"}},
		{Key: "note", Type: TText, Max: 1000},
	},
	KindArea: {
		{Key: FCode, Type: TText, Required: true, Max: 40},
		{Key: FName, Type: TText, Required: true, Max: 200},
		{Key: FUnit, Type: TUnit, Required: true},
		{Key: "area_class", Type: TSelect, Required: true, Options: []string{"server_room", "office", "storage", "reception"}},
		{Key: "location", Type: TText, Max: 200},
		{Key: "note", Type: TText, Max: 1000},
	},
}

// Field returns the field of kind with key.
func FieldOf(kind, key string) (Field, bool) {
	for _, f := range Fields[kind] {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// Authorised is a person allowed into a controlled area, for a period and
// a reason. Revoking sets Until and the revocation reason; entries are
// never removed, so the list is its own change history.
type Authorised struct {
	EmployeeNo string `json:"employee_no"`
	Name       string `json:"name"`
	From       string `json:"from"`
	Until      string `json:"until,omitempty"`
	Reason     string `json:"reason"`
	Revoked    string `json:"revoked,omitempty"` // why it ended early
}

// Current reports whether a is in force on day.
func (a Authorised) Current(day string) bool {
	return a.From <= day && (a.Until == "" || day <= a.Until) && a.Revoked == ""
}

// Item is an entry of one of the registers.
type Item struct {
	ID         int64             `json:"id"`
	Kind       string            `json:"kind"`
	Code       string            `json:"code"`
	Name       string            `json:"name"`
	UnitID     int64             `json:"unit_id"`
	HolderID   int64             `json:"holder_id,omitempty"`
	SystemCode string            `json:"system_code,omitempty"`
	Status     string            `json:"status"`
	DueOn      string            `json:"due_on,omitempty"` // a medium out and not returned: due back
	Fields     map[string]string `json:"fields"`
	People     []Authorised      `json:"people,omitempty"`
	Retired    bool              `json:"retired"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	// Filled on reads.
	UnitCode   string `json:"unit_code,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
	UnitPath   string `json:"-"`
	HolderNo   string `json:"holder_no,omitempty"`
	HolderName string `json:"holder_name,omitempty"`
}

// Value is the item's value of field key as a form shows it (unit code,
// employee number, dates YYYY-MM-DD).
func (it Item) Value(key string) string {
	switch key {
	case FCode:
		return it.Code
	case FName:
		return it.Name
	case FUnit:
		return it.UnitCode
	case FHolder:
		return it.HolderNo
	case FSystem:
		return it.SystemCode
	case FStatus:
		return it.Status
	}
	return it.Fields[key]
}

// Overdue reports whether a medium is out past its due date on day.
func (it Item) Overdue(day string) bool { return it.DueOn != "" && it.DueOn < day && !it.Retired }

// Data is what the store keeps in the JSON column.
type Data struct {
	Fields map[string]string `json:"fields"`
	People []Authorised      `json:"people,omitempty"`
}

// EncodeData writes the JSON column.
func EncodeData(it Item) (string, error) {
	b, err := json.Marshal(Data{Fields: it.Fields, People: it.People})
	return string(b), err
}

// DecodeData reads the JSON column into it.
func DecodeData(s string, it *Item) error {
	var d Data
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return err
	}
	it.Fields, it.People = d.Fields, d.People
	if it.Fields == nil {
		it.Fields = map[string]string{}
	}
	return nil
}

// LogEntry is a line of an area's entry record or visitor log.
type LogEntry struct {
	ID          int64     `json:"id"`
	ItemID      int64     `json:"item_id"`
	Kind        string    `json:"kind"` // entry, visitor
	EnteredAt   time.Time `json:"entered_at"`
	LeftAt      time.Time `json:"left_at,omitzero"`
	Name        string    `json:"name"`
	Affiliation string    `json:"affiliation,omitempty"`
	Purpose     string    `json:"purpose,omitempty"`
	Escort      string    `json:"escort,omitempty"`
}

// Change is one line of an item's history.
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

// Filter selects items.
type Filter struct {
	Kind    string
	Scope   authz.Scope
	Systems []string // also devices of these systems
	UnitID  int64
	Query   string
	Retired bool
	// OverdueOn: only media out past their due date on this day.
	OverdueOn string
	// After and Limit read one page, by code then id: the items after the
	// cursor of the previous page's last one (see ItemCursor), at most
	// Limit (0: all).
	After paging.Cursor
	Limit int
}

// ItemCursor names it as the last row of a page of items.
func ItemCursor(it Item) paging.Cursor { return paging.Cursor{Key: it.Code, ID: it.ID} }

// Means is one way to reach a person (電話、携帯、…).
type Means struct {
	Kind  string `json:"kind"` // phone, mobile, email, other
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// MeansKinds in form order.
var MeansKinds = []string{"phone", "mobile", "email", "other"}

// Store persists the registers. Implemented by internal/store; every
// change writes its history line and audit event in one transaction.
type Store interface {
	CreateItem(ctx context.Context, it Item, ch Change) (Item, error)
	UpdateItem(ctx context.Context, it Item, ch Change) (Item, error)
	Item(ctx context.Context, id int64) (Item, error)
	ItemByCode(ctx context.Context, kind, code string) (Item, error)
	Items(ctx context.Context, f Filter) ([]Item, error)
	// CountItems counts the items matching f (After and Limit ignored).
	CountItems(ctx context.Context, f Filter) (int, error)
	History(ctx context.Context, id int64) ([]Change, error)
	// ApplyImport adds (ID 0) or updates every item in one transaction.
	ApplyImport(ctx context.Context, items []Item, at time.Time) (added, updated int, err error)
	AddLog(ctx context.Context, itemID int64, es []LogEntry, at time.Time) error
	Logs(ctx context.Context, itemID int64, limit int) ([]LogEntry, error)

	Means(ctx context.Context, personIDs []int64) (map[int64][]Means, error)
	SaveMeans(ctx context.Context, personID int64, ms []Means, at time.Time) error

	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []Notice) error
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
