// Package org models the organisation kitei serves: a tree of units (本部,
// 部, 課, overseas offices), the people who work in them, the role
// catalogue and appointments (a person holds a role for a unit, for the
// whole organisation or for an information system, between two dates).
//
// Nothing is ever deleted: units and roles are retired, people who leave
// keep their record with status "left", and an appointment ends by getting
// an end date. The sign-in layer asks Service.Grants what a person may do
// on a given day; approval and audit workflows use the separation-of-duties
// helpers in sod.go.
package org

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
)

// DateLayout is how dates are stored and exchanged (西暦, ISO 8601).
const DateLayout = "2006-01-02"

// Person statuses.
const (
	StatusActive = "active" // 在籍
	StatusLeave  = "leave"  // 休職: keeps rights but approves nothing
	StatusLeft   = "left"   // 退職: no rights, account disabled
)

// Role scopes.
const (
	ScopeOrganisation = "organisation"
	ScopeUnit         = "unit"
	ScopeSystem       = "system"
)

// Unit is one node of the organisation tree.
type Unit struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"` // the organisation's own unit code, unique, used by imports
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Kind     string `json:"kind"`      // 本部, 部, 課, 海外拠点 … (free text)
	ParentID int64  `json:"parent_id"` // 0 for a root unit
	Path     string `json:"path"`      // ids from the root: "/1/4/9/"
	Retired  bool   `json:"retired"`
	// Depth is the number of ancestors (filled on reads).
	Depth int `json:"-"`
}

// Person is someone who works for the organisation.
type Person struct {
	ID            int64  `json:"id"`
	EmployeeNo    string `json:"employee_no"`
	Name          string `json:"name"`
	NameKana      string `json:"name_kana"`
	Email         string `json:"email"`
	UnitID        int64  `json:"unit_id"`
	Status        string `json:"status"`
	JoinedOn      string `json:"joined_on"`
	TransferredOn string `json:"transferred_on"`
	LeftOn        string `json:"left_on"`
	// Filled on reads.
	UnitCode string `json:"unit_code,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	UnitPath string `json:"-"`
}

// Active reports whether the person has not left.
func (p Person) Active() bool { return p.Status != StatusLeft }

// Role is an entry of the role catalogue. Key is stable (permissions are
// granted by key); Name and NameEn may be renamed freely.
type Role struct {
	ID         int64  `json:"id"`
	Key        string `json:"key"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en"`
	Scope      string `json:"scope"`
	Privileged bool   `json:"privileged"`
	Ord        int    `json:"ord"`
	Retired    bool   `json:"retired"`
}

// Assignment is an appointment: PersonID holds RoleKey for UnitID (0: the
// whole organisation) or for the system SystemRef, from StartsOn to EndsOn
// inclusive (EndsOn empty: open-ended).
type Assignment struct {
	ID        int64  `json:"id"`
	PersonID  int64  `json:"person_id"`
	RoleID    int64  `json:"role_id"`
	RoleKey   string `json:"role_key"`
	UnitID    int64  `json:"unit_id"`
	SystemRef string `json:"system_ref"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
	Note      string `json:"note"`
	// Filled on reads.
	RoleName     string `json:"role_name,omitempty"`
	RoleScope    string `json:"-"`
	Privileged   bool   `json:"-"`
	RoleRetired  bool   `json:"-"`
	UnitCode     string `json:"unit_code,omitempty"`
	UnitName     string `json:"unit_name,omitempty"`
	UnitPath     string `json:"-"`
	EmployeeNo   string `json:"employee_no,omitempty"`
	PersonName   string `json:"person_name,omitempty"`
	PersonEmail  string `json:"email,omitempty"`
	PersonStatus string `json:"-"`
}

// InForce reports whether the appointment holds on day (YYYY-MM-DD).
func (a Assignment) InForce(day string) bool {
	return a.StartsOn <= day && (a.EndsOn == "" || a.EndsOn >= day)
}

// Day formats t as a stored date.
func Day(t time.Time) string { return t.Format(DateLayout) }

var (
	codeRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]{0,39}$`)
	roleKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
)

// invalid is a validation error with a message key of the catalogs.
func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

// field names a form field in messages, in the message's language.
func field(name string) apperr.T { return apperr.Msg("org.field." + name) }

func checkText(field any, v string, required bool, max int) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid("org.err.required", field)
	}
	if utf8.RuneCountInString(v) > max {
		return invalid("org.err.longer_than_characters", field, max)
	}
	if strings.ContainsAny(v, "\x00\r\n\t") {
		return invalid("org.err.contains_control_characters", field)
	}
	return nil
}

// CheckDate validates an optional YYYY-MM-DD date; field names it in the
// message (an apperr.T to have it translated).
func CheckDate(field any, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, v); err != nil {
		return invalid("org.err.date_like", field, v)
	}
	return nil
}

// Normalize trims the fields.
func (u *Unit) Normalize() {
	u.Code, u.Name, u.NameEn, u.Kind = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name), strings.TrimSpace(u.NameEn), strings.TrimSpace(u.Kind)
}

// Validate checks a unit before it is stored.
func (u *Unit) Validate() error {
	u.Normalize()
	if u.Code == "" {
		return invalid("org.err.unit_code_required")
	}
	if !codeRe.MatchString(u.Code) {
		return invalid("org.err.unit_code_use_letters_digits", u.Code)
	}
	if err := checkText(field("unit_name"), u.Name, true, 200); err != nil {
		return err
	}
	if err := checkText(field("name_en"), u.NameEn, false, 200); err != nil {
		return err
	}
	if u.ParentID != 0 && u.ParentID == u.ID {
		return invalid("org.err.unit_cannot_own_parent")
	}
	return checkText(field("kind"), u.Kind, false, 40)
}

// Normalize trims the fields and applies defaults.
func (p *Person) Normalize() {
	p.EmployeeNo = strings.TrimSpace(p.EmployeeNo)
	p.Name = strings.TrimSpace(p.Name)
	p.NameKana = strings.TrimSpace(p.NameKana)
	p.Email = strings.TrimSpace(p.Email)
	p.Status = NormalizeStatus(p.Status)
}

// NormalizeStatus maps accepted spellings (English or Japanese) to a status;
// an unknown value is returned unchanged for Validate to reject.
func NormalizeStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "active", "在籍", "在職":
		return StatusActive
	case "leave", "休職", "休業":
		return StatusLeave
	case "left", "退職", "離職":
		return StatusLeft
	}
	return strings.TrimSpace(s)
}

// Validate checks a person before they are stored.
func (p *Person) Validate() error {
	p.Normalize()
	if p.EmployeeNo == "" {
		return invalid("org.err.employee_number_required")
	}
	if !codeRe.MatchString(p.EmployeeNo) {
		return invalid("org.err.employee_number_use_letters_digits", p.EmployeeNo)
	}
	if err := checkText(field("name"), p.Name, true, 100); err != nil {
		return err
	}
	if err := checkText(field("kana"), p.NameKana, false, 100); err != nil {
		return err
	}
	if err := CheckEmail(p.Email); err != nil {
		return err
	}
	if p.UnitID == 0 {
		return invalid("org.err.unit_required")
	}
	switch p.Status {
	case StatusActive, StatusLeave, StatusLeft:
	default:
		return invalid("org.err.status_active_leave_left", p.Status)
	}
	for _, d := range []struct {
		name, v string
	}{{"joined_on", p.JoinedOn}, {"transferred_on", p.TransferredOn}, {"left_on", p.LeftOn}} {
		if err := CheckDate(field(d.name), d.v); err != nil {
			return err
		}
	}
	return nil
}

// CheckEmail validates an optional plain address (no display name).
func CheckEmail(v string) error {
	if v == "" {
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		return invalid("org.err.e_mail_address", v)
	}
	return nil
}

// Validate checks a role before it is stored.
func (r *Role) Validate() error {
	r.Key, r.Name, r.NameEn = strings.TrimSpace(r.Key), strings.TrimSpace(r.Name), strings.TrimSpace(r.NameEn)
	if !roleKeyRe.MatchString(r.Key) {
		return invalid("org.err.role_key_lower_case_letters", r.Key)
	}
	if err := checkText(field("role_name"), r.Name, true, 100); err != nil {
		return err
	}
	if err := checkText(field("role_name_en"), r.NameEn, false, 100); err != nil {
		return err
	}
	switch r.Scope {
	case ScopeOrganisation, ScopeUnit, ScopeSystem:
	default:
		return invalid("org.err.role_scope_organisation_unit_system", r.Scope)
	}
	return nil
}

// Validate checks an appointment against the role it is for: a unit role
// needs a unit, a system role a system, and an organisation role neither
// (so a grant can never widen by accident).
func (a *Assignment) Validate(role Role) error {
	a.SystemRef, a.Note = strings.TrimSpace(a.SystemRef), strings.TrimSpace(a.Note)
	a.StartsOn, a.EndsOn = strings.TrimSpace(a.StartsOn), strings.TrimSpace(a.EndsOn)
	if a.PersonID == 0 {
		return invalid("org.err.person_required")
	}
	if role.Retired {
		return invalid("org.err.role_retired", role.Key)
	}
	switch role.Scope {
	case ScopeUnit:
		if a.UnitID == 0 {
			return invalid("org.err.role_held_unit_choose_unit", role.Key)
		}
	case ScopeSystem:
		if a.SystemRef == "" {
			return invalid("org.err.role_held_information_system_give", role.Key)
		}
	case ScopeOrganisation:
		if a.SystemRef != "" {
			return invalid("org.err.role_organisation_wide_takes_system", role.Key)
		}
	}
	if err := checkText(field("system"), a.SystemRef, false, 100); err != nil {
		return err
	}
	if err := checkText(field("note"), a.Note, false, 500); err != nil {
		return err
	}
	if a.StartsOn == "" {
		return invalid("org.err.start_date_required")
	}
	if err := CheckDate(field("start_date"), a.StartsOn); err != nil {
		return err
	}
	if err := CheckDate(field("end_date"), a.EndsOn); err != nil {
		return err
	}
	if a.EndsOn != "" && a.EndsOn < a.StartsOn {
		return invalid("org.err.end_date_before_start_date", a.EndsOn, a.StartsOn)
	}
	return nil
}
