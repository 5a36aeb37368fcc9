package inventory

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
	"kitei/internal/tabular"
)

// Contact is one line of the contact list: an appointment in force and
// how to reach its holder.
type Contact struct {
	RoleKey    string  `json:"role"`
	RoleName   string  `json:"role_name"`
	PersonID   int64   `json:"person_id"`
	EmployeeNo string  `json:"employee_no"`
	Name       string  `json:"name"`
	Email      string  `json:"email"`
	Means      []Means `json:"means"`
}

// ContactGroup is the contacts of one unit, one system or the whole
// organisation.
type ContactGroup struct {
	Kind     string    `json:"kind"` // organisation, unit, system
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Contacts []Contact `json:"contacts"`
}

// Contacts generates the contact list from today's appointments: the
// organisation-wide roles, then each unit in p's scope, then each system
// whose unit is in scope.
func (s *Service) Contacts(ctx context.Context, p *authz.Principal) ([]ContactGroup, error) {
	if err := authz.Require(p, ContactsRead); err != nil {
		return nil, err
	}
	scope := p.Scope(ContactsRead)
	now := s.now()
	as, err := s.org.Officers(ctx, 0, now)
	if err != nil {
		return nil, err
	}
	roles, err := s.org.Roles(ctx)
	if err != nil {
		return nil, err
	}
	ord := map[string]int{}
	for _, r := range roles {
		ord[r.Key] = r.Ord
	}
	systems := map[string]register.System{}
	if s.reg != nil {
		ys, err := s.reg.Systems(ctx, authz.System, register.SystemFilter{})
		if err != nil {
			return nil, err
		}
		for _, y := range ys {
			systems[y.Code] = y
		}
	}
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.PersonID)
	}
	means, err := s.store.Means(ctx, ids)
	if err != nil {
		return nil, err
	}
	var groups []ContactGroup
	index := map[string]int{}
	add := func(kind, code, name string, a org.Assignment) {
		k := kind + ":" + code
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, ContactGroup{Kind: kind, Code: code, Name: name})
		}
		groups[i].Contacts = append(groups[i].Contacts, Contact{RoleKey: a.RoleKey, RoleName: a.RoleName, PersonID: a.PersonID,
			EmployeeNo: a.EmployeeNo, Name: a.PersonName, Email: a.PersonEmail, Means: means[a.PersonID]})
	}
	slices.SortStableFunc(as, func(a, b org.Assignment) int { return ord[a.RoleKey] - ord[b.RoleKey] })
	for _, a := range as {
		if a.PersonStatus == org.StatusLeft {
			continue
		}
		switch {
		case a.SystemRef != "":
			y, ok := systems[a.SystemRef]
			if (ok && scope.Contains(y.UnitPath)) || scope.All {
				add("system", a.SystemRef, y.Name, a)
			}
		case a.UnitID != 0:
			if scope.Contains(a.UnitPath) {
				add("unit", a.UnitCode, a.UnitName, a)
			}
		default:
			add("organisation", "", "", a)
		}
	}
	slices.SortStableFunc(groups, func(a, b ContactGroup) int {
		if d := groupOrder[a.Kind] - groupOrder[b.Kind]; d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	})
	return groups, nil
}

// groupOrder places the kinds of group in the contact list.
var groupOrder = map[string]int{"organisation": 0, "unit": 1, "system": 2}

// GroupCursor names g as the last group of a page of the contact list:
// the list is ordered by kind then code, so the cursor is the kind's place
// (counted from 1) and the code.
func GroupCursor(g ContactGroup) paging.Cursor {
	return paging.Cursor{Key: g.Code, ID: int64(groupOrder[g.Kind]) + 1}
}

// PageGroups cuts the contact list gs (as Contacts orders it) into pages of
// whole groups holding at least req.Limit contacts where the list allows:
// the groups after req.After, and the cursor of the next page ("" on the
// last).
func PageGroups(gs []ContactGroup, req paging.Request) ([]ContactGroup, string) {
	after := func(g ContactGroup) bool {
		c := GroupCursor(g)
		return c.ID > req.After.ID || (c.ID == req.After.ID && c.Key > req.After.Key)
	}
	start := 0
	if !req.After.IsZero() {
		for start < len(gs) && !after(gs[start]) {
			start++
		}
	}
	n, limit := 0, req.Fetch()-1
	for i := start; i < len(gs); i++ {
		n += len(gs[i].Contacts)
		if n >= limit && i < len(gs)-1 {
			return gs[start : i+1], GroupCursor(gs[i]).String()
		}
	}
	return gs[start:], ""
}

// ContactsTable is the contact list as one sheet.
func ContactsTable(gs []ContactGroup, lang i18n.Lang) tabular.Table {
	t := tabular.Table{Name: i18n.T(lang, "inv.contacts"), Widths: []float64{24, 24, 12, 16, 28, 40}}
	for _, k := range []string{"contacts.group", "contacts.role", "employee_no", "person_name", "contacts.email", "contacts.means"} {
		t.Header = append(t.Header, i18n.T(lang, "inv.f."+k))
	}
	for _, g := range gs {
		name := strings.TrimSpace(g.Code + " " + g.Name)
		if g.Kind == "organisation" {
			name = i18n.T(lang, "inv.contacts.organisation")
		}
		for _, c := range g.Contacts {
			var ms []string
			for _, m := range c.Means {
				ms = append(ms, i18n.T(lang, "inv.means."+m.Kind)+": "+m.Value)
			}
			t.Rows = append(t.Rows, []any{name, c.RoleName, c.EmployeeNo, c.Name, c.Email, strings.Join(ms, " / ")})
		}
	}
	return t
}

// PersonMeans returns a person's contact means (ContactsWrite).
func (s *Service) PersonMeans(ctx context.Context, p *authz.Principal, personID int64) (org.Person, []Means, error) {
	if err := authz.Require(p, ContactsWrite); err != nil {
		return org.Person{}, nil, err
	}
	who, err := s.org.Person(ctx, personID)
	if err != nil {
		return who, nil, err
	}
	if !p.CanIn(ContactsWrite, who.UnitPath) {
		return org.Person{}, nil, apperr.E(apperr.NotFound, "inv.err.person", personID)
	}
	m, err := s.store.Means(ctx, []int64{personID})
	return who, m[personID], err
}

// SaveMeans replaces a person's contact means.
func (s *Service) SaveMeans(ctx context.Context, p *authz.Principal, personID int64, ms []Means) error {
	if _, _, err := s.PersonMeans(ctx, p, personID); err != nil {
		return err
	}
	var out []Means
	for _, m := range ms {
		m.Value, m.Note = strings.TrimSpace(m.Value), strings.TrimSpace(m.Note)
		if m.Value == "" {
			continue
		}
		if !slices.Contains(MeansKinds, m.Kind) || utf8.RuneCountInString(m.Value) > 100 || utf8.RuneCountInString(m.Note) > 200 {
			return apperr.E(apperr.Invalid, "inv.err.means")
		}
		out = append(out, m)
	}
	return s.store.SaveMeans(ctx, personID, out, s.now().UTC())
}
