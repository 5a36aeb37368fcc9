package inventory

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
)

// Permissions.
var (
	// Read: the devices, media and areas of the units (and systems) where held.
	Read = authz.Define("inventory.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO, authz.RoleAreaISO, authz.RoleISSO, authz.RoleISSAdmin, authz.RoleAuditChief, authz.RoleAuditor)
	// Write: add, change, lend, retire and import them.
	Write = authz.Define("inventory.write", authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleISO, authz.RoleDivisionISO,
		authz.RoleAreaISO, authz.RoleISSO, authz.RoleISSAdmin)
	// ContactsRead: the contact list (連絡網) of the units in scope.
	ContactsRead = authz.Define("contacts.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO, authz.RoleAreaISO, authz.RoleISSO, authz.RoleCSIRTChief, authz.RoleCSIRTMember, authz.RoleAuditChief)
	// ContactsWrite: record people's contact means.
	ContactsWrite = authz.Define("contacts.write", authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleAdministrator)
)

// Requests lists the approval requests pointing at an entry.
type Requests interface {
	ForTarget(ctx context.Context, p *authz.Principal, ref string) ([]approval.Request, error)
}

// Service runs the registers and the contact list.
type Service struct {
	store    Store
	org      *org.Service
	reg      *register.Registry
	requests Requests
	now      func() time.Time
	Mailer   notify.Mailer
}

// NewService returns the service.
func NewService(st Store, o *org.Service, reg *register.Registry, req Requests) *Service {
	return &Service{store: st, org: o, reg: reg, requests: req, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Today is the current day.
func (s *Service) Today() string { return org.Day(s.now()) }

func systemsOf(p *authz.Principal, perm authz.Permission) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, g := range p.Grants {
		if g.System != "" && slices.Contains(authz.RolePermissions(g.Role), perm) {
			out = append(out, g.System)
		}
	}
	return out
}

func may(p *authz.Principal, perm authz.Permission, it Item) bool {
	if p.CanIn(perm, it.UnitPath) {
		return true
	}
	return it.Kind == KindDevice && it.SystemCode != "" && slices.Contains(systemsOf(p, perm), it.SystemCode)
}

func kindOK(kind string) error {
	if !slices.Contains(Kinds, kind) {
		return apperr.E(apperr.NotFound, "inv.err.kind", kind)
	}
	return nil
}

// List lists the items of kind p may read.
func (s *Service) List(ctx context.Context, p *authz.Principal, f Filter) ([]Item, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	if err := kindOK(f.Kind); err != nil {
		return nil, err
	}
	f.Scope, f.Systems = p.Scope(Read), systemsOf(p, Read)
	return s.store.Items(ctx, f)
}

// Page is one page of items: its rows, the cursor of the next page ("" on
// the last) and how many items match the filter in all.
type Page struct {
	Items []Item
	Next  string
	Total int
}

// ListPage is one page of the items of kind p may read: those after
// req.After, at most req.Limit, by code.
func (s *Service) ListPage(ctx context.Context, p *authz.Principal, f Filter, req paging.Request) (Page, error) {
	var pg Page
	if err := authz.Require(p, Read); err != nil {
		return pg, err
	}
	if err := kindOK(f.Kind); err != nil {
		return pg, err
	}
	f.Scope, f.Systems = p.Scope(Read), systemsOf(p, Read)
	total, err := s.store.CountItems(ctx, f)
	if err != nil {
		return pg, err
	}
	f.After, f.Limit = req.After, req.Fetch()
	items, err := s.store.Items(ctx, f)
	if err != nil {
		return pg, err
	}
	pg.Items, pg.Next = paging.Cut(items, req, ItemCursor)
	pg.Total = total
	return pg, nil
}

// Get returns an item p may read (NotFound otherwise, exactly as for one
// that does not exist) with its history.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Item, []Change, error) {
	it, err := s.store.Item(ctx, id)
	if err != nil {
		return it, nil, err
	}
	if !may(p, Read, it) {
		return Item{}, nil, apperr.E(apperr.NotFound, "inv.err.not_found", id)
	}
	h, err := s.store.History(ctx, id)
	return it, h, err
}

// MayWrite reports whether p may change it.
func MayWrite(p *authz.Principal, it Item) bool { return may(p, Write, it) }

// ParseOption maps an option written as its key or its label (either
// language) to the key.
func ParseOption(f Field, text string) (string, bool) {
	t := strings.TrimSpace(text)
	for _, o := range f.Options {
		if t == o || t == i18n.T(i18n.Ja, "inv.opt."+f.Key+"."+o) || strings.EqualFold(t, i18n.T(i18n.En, "inv.opt."+f.Key+"."+o)) {
			return o, true
		}
	}
	return "", false
}

// fieldError is an invalid value of a field.
func fieldError(f Field, v string) error {
	return apperr.E(apperr.Invalid, "inv.err.field", apperr.Msg("inv.f."+f.Key), v)
}

// apply sets it from values (by field key), checking each; a field
// missing from values keeps its value unless clear.
func (s *Service) apply(ctx context.Context, it *Item, values map[string]string, lookup *lookups) error {
	if it.Fields == nil {
		it.Fields = map[string]string{}
	}
	for _, f := range Fields[it.Kind] {
		raw, present := values[f.Key]
		if !present {
			continue
		}
		v := strings.TrimSpace(raw)
		if v == "" {
			if f.Required {
				return apperr.E(apperr.Invalid, "inv.err.required", apperr.Msg("inv.f."+f.Key))
			}
		}
		if utf8.RuneCountInString(v) > max(f.Max, 200) || strings.ContainsAny(v, "\x00\r\n\t") {
			return fieldError(f, v)
		}
		switch f.Type {
		case TSelect:
			if v != "" {
				o, ok := ParseOption(f, v)
				if !ok {
					return fieldError(f, v)
				}
				v = o
			}
		case TDate:
			if v != "" {
				d, ok := ParseDay(v)
				if !ok {
					return fieldError(f, v)
				}
				v = d
			}
		case TUnit:
			u, err := lookup.unit(ctx, v)
			if err != nil {
				return fieldError(f, v)
			}
			it.UnitID, it.UnitPath, it.UnitCode = u.ID, u.Path, u.Code
			continue
		case TPerson:
			it.HolderID, it.HolderNo = 0, ""
			if v != "" {
				who, err := lookup.person(ctx, v)
				if err != nil {
					return fieldError(f, v)
				}
				it.HolderID, it.HolderNo = who.ID, who.EmployeeNo
			}
			continue
		}
		switch f.Key {
		case FCode:
			it.Code = v
		case FName:
			it.Name = v
		case FSystem:
			it.SystemCode = v
		case FStatus:
			it.Status = v
		default:
			if v == "" {
				delete(it.Fields, f.Key)
			} else {
				it.Fields[f.Key] = v
			}
		}
	}
	it.DueOn = ""
	if it.Kind == KindMedium && it.Fields["returned_on"] == "" && it.Fields["lent_on"] != "" {
		it.DueOn = it.Fields["due_on"]
	}
	return nil
}

// lookups caches the units and people an import names.
type lookups struct {
	org    *org.Service
	units  map[string]org.Unit
	people map[string]org.Person
}

func (s *Service) lookups() *lookups {
	return &lookups{org: s.org, units: map[string]org.Unit{}, people: map[string]org.Person{}}
}

func (l *lookups) unit(ctx context.Context, code string) (org.Unit, error) {
	if u, ok := l.units[code]; ok {
		return u, nil
	}
	u, err := l.org.UnitByCode(ctx, code)
	if err == nil && u.Retired {
		err = apperr.E(apperr.Invalid, "inv.err.unit_retired")
	}
	if err == nil {
		l.units[code] = u
	}
	return u, err
}

func (l *lookups) person(ctx context.Context, no string) (org.Person, error) {
	if p, ok := l.people[no]; ok {
		return p, nil
	}
	p, err := l.org.PersonByEmployeeNo(ctx, no)
	if err == nil {
		l.people[no] = p
	}
	return p, err
}

// ParseDay reads a day written 2025-04-01, 2025/4/1 or as an Excel serial.
func ParseDay(v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006/01/02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 2958466 {
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		return base.AddDate(0, 0, int(f)).Format("2006-01-02"), true
	}
	return "", false
}

func (s *Service) check(it *Item) error {
	if it.Code == "" || it.Name == "" || it.UnitID == 0 {
		return apperr.E(apperr.Invalid, "inv.err.required", apperr.Msg("inv.f.code"))
	}
	if it.Kind == KindMedium {
		f := it.Fields
		if f["due_on"] != "" && f["lent_on"] != "" && f["due_on"] < f["lent_on"] {
			return apperr.E(apperr.Invalid, "inv.err.due_before_lent")
		}
	}
	return nil
}

// Save adds (id 0) or changes an item of kind from form values.
func (s *Service) Save(ctx context.Context, p *authz.Principal, kind string, id int64, values map[string]string) (Item, error) {
	if err := authz.Require(p, Write); err != nil {
		return Item{}, err
	}
	if err := kindOK(kind); err != nil {
		return Item{}, err
	}
	var old Item
	it := Item{Kind: kind}
	if id != 0 {
		var err error
		if old, _, err = s.Get(ctx, p, id); err != nil {
			return old, err
		}
		if old.Kind != kind {
			return old, apperr.E(apperr.NotFound, "inv.err.not_found", id)
		}
		if !may(p, Write, old) {
			return old, apperr.E(apperr.Forbidden, "error.forbidden.unit")
		}
		it = old
		it.Fields = cloneMap(old.Fields)
	} else {
		for _, f := range Fields[kind] {
			if _, ok := values[f.Key]; !ok && f.Required {
				values[f.Key] = ""
			}
		}
	}
	if err := s.apply(ctx, &it, values, s.lookups()); err != nil {
		return old, err
	}
	if err := s.check(&it); err != nil {
		return old, err
	}
	if !may(p, Write, it) {
		return old, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	now := s.now().UTC()
	it.UpdatedAt = now
	if id == 0 {
		if _, err := s.store.ItemByCode(ctx, kind, it.Code); err == nil {
			return it, apperr.E(apperr.Conflict, "inv.err.code_taken", it.Code)
		}
		it.CreatedAt = now
		return s.store.CreateItem(ctx, it, Change{At: now, Action: "create", Detail: map[string]any{"code": it.Code}})
	}
	return s.store.UpdateItem(ctx, it, Change{At: now, Action: "update", Detail: diff(old, it)})
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// diff lists the fields that changed as "key": [old, new].
func diff(old, it Item) map[string]any {
	out := map[string]any{}
	for _, f := range Fields[it.Kind] {
		if a, b := old.Value(f.Key), it.Value(f.Key); a != b {
			out[f.Key] = []string{a, b}
		}
	}
	return out
}

// Retire retires or reinstates an item.
func (s *Service) Retire(ctx context.Context, p *authz.Principal, id int64, retired bool, reason string) (Item, error) {
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return it, err
	}
	if !may(p, Write, it) {
		return it, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return it, apperr.E(apperr.Invalid, "inv.err.reason")
	}
	it.Retired, it.UpdatedAt = retired, s.now().UTC()
	action := "retire"
	if !retired {
		action = "reinstate"
	}
	return s.store.UpdateItem(ctx, it, Change{At: it.UpdatedAt, Action: action, Detail: map[string]any{"reason": reason}})
}

// Lend lends a medium to the person with employee number no until due.
func (s *Service) Lend(ctx context.Context, p *authz.Principal, id int64, no, due string) (Item, error) {
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return it, err
	}
	if it.Kind != KindMedium || it.Retired {
		return it, apperr.E(apperr.Conflict, "inv.err.not_lendable")
	}
	if it.DueOn != "" {
		return it, apperr.E(apperr.Conflict, "inv.err.already_lent")
	}
	return s.Save(ctx, p, KindMedium, id, map[string]string{FHolder: no, "lent_on": s.Today(), "due_on": due, "returned_on": "", FStatus: "lent"})
}

// Return records a medium's return today.
func (s *Service) Return(ctx context.Context, p *authz.Principal, id int64) (Item, error) {
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return it, err
	}
	if it.Kind != KindMedium || it.DueOn == "" {
		return it, apperr.E(apperr.Conflict, "inv.err.not_lent")
	}
	return s.Save(ctx, p, KindMedium, id, map[string]string{"returned_on": s.Today(), FStatus: "stored"})
}

// Authorise adds a person to an area's authorised list.
func (s *Service) Authorise(ctx context.Context, p *authz.Principal, id int64, a Authorised) (Item, error) {
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return it, err
	}
	if it.Kind != KindArea || !may(p, Write, it) {
		return it, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	who, err := s.org.PersonByEmployeeNo(ctx, strings.TrimSpace(a.EmployeeNo))
	if err != nil {
		return it, apperr.E(apperr.Invalid, "inv.err.field", apperr.Msg("inv.f.holder"), a.EmployeeNo)
	}
	a.EmployeeNo, a.Name = who.EmployeeNo, who.Name
	a.Reason = strings.TrimSpace(a.Reason)
	if a.Reason == "" || utf8.RuneCountInString(a.Reason) > 500 {
		return it, apperr.E(apperr.Invalid, "inv.err.required", apperr.Msg("inv.people.reason"))
	}
	if a.From == "" {
		a.From = s.Today()
	}
	var ok bool
	if a.From, ok = ParseDay(a.From); !ok {
		return it, apperr.E(apperr.Invalid, "inv.err.field", apperr.Msg("inv.people.from"), a.From)
	}
	if a.Until != "" {
		if a.Until, ok = ParseDay(a.Until); !ok || a.Until < a.From {
			return it, apperr.E(apperr.Invalid, "inv.err.field", apperr.Msg("inv.people.until"), a.Until)
		}
	}
	it.People = append(it.People, a)
	it.UpdatedAt = s.now().UTC()
	return s.store.UpdateItem(ctx, it, Change{At: it.UpdatedAt, Action: "authorise",
		Detail: map[string]any{"employee_no": a.EmployeeNo, "from": a.From, "until": a.Until, "reason": a.Reason}})
}

// Revoke ends entry n (0-based) of an area's authorised list today.
func (s *Service) Revoke(ctx context.Context, p *authz.Principal, id int64, n int, reason string) (Item, error) {
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return it, err
	}
	if it.Kind != KindArea || !may(p, Write, it) {
		return it, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	if n < 0 || n >= len(it.People) || it.People[n].Revoked != "" {
		return it, apperr.E(apperr.Invalid, "inv.err.people_index")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return it, apperr.E(apperr.Invalid, "inv.err.required", apperr.Msg("inv.people.reason"))
	}
	it.People[n].Until, it.People[n].Revoked = s.Today(), reason
	it.UpdatedAt = s.now().UTC()
	return s.store.UpdateItem(ctx, it, Change{At: it.UpdatedAt, Action: "revoke",
		Detail: map[string]any{"employee_no": it.People[n].EmployeeNo, "reason": reason}})
}

// Logs lists an area's entry records and visitor log, newest first.
func (s *Service) Logs(ctx context.Context, p *authz.Principal, id int64) ([]LogEntry, error) {
	if _, _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return s.store.Logs(ctx, id, 200)
}

// Requests lists the requests that name the item (持出し of a medium,
// 区域外利用 of a device) and p may see.
func (s *Service) Requests(ctx context.Context, p *authz.Principal, it Item) ([]approval.Request, error) {
	if s.requests == nil || it.Kind == KindArea {
		return nil, nil
	}
	return s.requests.ForTarget(ctx, p, it.Kind+":"+itoa(it.ID))
}

// Target is the item as a request points at it: key is its number or its
// code.
func (s *Service) Target(ctx context.Context, p *authz.Principal, kind, key string) (register.Target, error) {
	key = strings.TrimSpace(key)
	var it Item
	var err error
	if n, e := strconv.ParseInt(key, 10, 64); e == nil && n > 0 {
		it, err = s.store.Item(ctx, n)
		if err == nil && it.Kind != kind {
			err = apperr.E(apperr.NotFound, "inv.err.not_found", n)
		}
	} else {
		err = apperr.E(apperr.NotFound, "inv.err.not_found", key)
	}
	if err != nil {
		if it, err = s.store.ItemByCode(ctx, kind, key); err != nil {
			return register.Target{}, err
		}
	}
	// Besides its readers, the person it is issued or lent to and the
	// staff of its own unit may name it (they are who take it out).
	mine := p != nil && p.PersonID != 0 && (it.HolderID == p.PersonID || (p.UnitPath != "" && p.UnitPath == it.UnitPath))
	if !may(p, Read, it) && !mine {
		return register.Target{}, apperr.E(apperr.NotFound, "inv.err.not_found", key)
	}
	return register.Target{Ref: kind + ":" + itoa(it.ID), Kind: kind, ID: it.ID, Code: it.Code, Name: it.Name,
		Retired: it.Retired, Href: URL(it)}, nil
}

// URL is an item's page.
func URL(it Item) string { return "/inventory/" + it.Kind + "/" + itoa(it.ID) }

// ---- jobs ----

// ChaseOverdue reminds, once a day, the holder of every medium out past
// its due date, and the 課室情報セキュリティ責任者 of its unit. Each
// (medium, day) is claimed in the jobs table so several replicas send it
// once.
func (s *Service) ChaseOverdue(ctx context.Context, owner string, lease time.Duration) (int, error) {
	now := s.now()
	today := org.Day(now)
	items, err := s.store.Items(ctx, Filter{Kind: KindMedium, Scope: authz.Everywhere, OverdueOn: today})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, it := range items {
		key := "inventory.overdue:" + itoa(it.ID) + ":" + today
		ok, err := s.store.ClaimJob(ctx, key, owner, now, now.Add(lease))
		if err != nil {
			return sent, err
		}
		if !ok {
			continue
		}
		var people []org.Person
		if it.HolderID != 0 {
			if who, err := s.org.Person(ctx, it.HolderID); err == nil && who.Active() {
				people = append(people, who)
			}
		}
		as, err := s.org.Contacts(ctx, authz.RoleDivisionISO, it.UnitID, now, authz.Everywhere)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return sent, err
		}
		for _, a := range as {
			if !slices.ContainsFunc(people, func(p org.Person) bool { return p.ID == a.PersonID }) {
				if who, err := s.org.Person(ctx, a.PersonID); err == nil {
					people = append(people, who)
				}
			}
		}
		var ns []Notice
		for _, who := range people {
			ns = append(ns, Notice{PersonID: who.ID, Email: who.Email, Kind: "inventory.overdue", Ref: "medium:" + itoa(it.ID), At: now.UTC(),
				Message: i18n.T(i18n.Ja, "inv.notice.overdue", it.Code, it.Name, it.HolderName, it.DueOn)})
		}
		if err := s.store.DeliverJob(ctx, key, owner, now, ns); err != nil {
			return sent, err
		}
		s.mail(ctx, ns)
		sent += len(ns)
	}
	return sent, nil
}

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email != "" {
			_ = s.Mailer.Send(ctx, n.Email, i18n.T(i18n.Ja, "inv.mail.subject"), n.Message)
		}
	}
}
