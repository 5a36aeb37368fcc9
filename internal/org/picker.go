package org

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// OwnerChoices is how many people an owner picker (the forms that name the
// owner of an action: the tracker's new-action and action pages, an
// audit finding's remediation) offers at most: the matches of a search, or
// without one the people of a unit (and below). The whole staff is never
// put in a form; anyone is found by the search.
const OwnerChoices = 50

// Directory is what an owner picker needs of the organisation: *Service
// is one.
type Directory interface {
	People(ctx context.Context, f PersonFilter) ([]Person, int, error)
	Person(ctx context.Context, id int64) (Person, error)
}

// OwnerPick is the owner picker of a form: the search text (owner_q: part
// of a name, kana, employee number or e-mail), the people offered (the
// chosen one first) and whether more matched than are offered.
type OwnerPick struct {
	Query    string
	Choices  []Person
	Searched bool // the choices are a search's matches
	More     bool // more matched than OwnerChoices: narrow the search
}

// PickOwner reads the choices of an owner picker: the people query finds,
// or without one the people of unit (and its sub-units; none when unit is
// 0, e.g. an organisation-wide action); chosen (when not 0) is offered
// first.
func PickOwner(ctx context.Context, d Directory, query string, unitID, chosen int64) (OwnerPick, error) {
	pk := OwnerPick{Query: strings.TrimSpace(query)}
	f := PersonFilter{Scope: authz.Everywhere, NotLeft: true, Limit: OwnerChoices + 1}
	switch {
	case pk.Query != "":
		f.Query, pk.Searched = pk.Query, true
	case unitID > 0:
		f.UnitID, f.Subtree = unitID, true
	default:
		f.Limit = 0
	}
	if f.Limit > 0 {
		ps, _, err := d.People(ctx, f)
		if err != nil {
			return pk, err
		}
		if len(ps) > OwnerChoices {
			ps, pk.More = ps[:OwnerChoices], true
		}
		pk.Choices = ps
	}
	if chosen > 0 && !slices.ContainsFunc(pk.Choices, func(p Person) bool { return p.ID == chosen }) {
		p, err := d.Person(ctx, chosen)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return pk, err
		}
		if err == nil {
			pk.Choices = append([]Person{p}, pk.Choices...)
		}
	}
	return pk, nil
}

// OwnerFromForm is the owner a posted form names: the person chosen from
// the picker (owner, an id), or else the one person the search text
// (query, the form's owner_q) names — the person with exactly that
// employee number, or the only match. 0 when the form names nobody. A
// search that finds nobody, or several people, is Invalid with the text
// (org.err.owner_none, org.err.owner_many), so that nothing is changed and
// the form is shown again with the matches to choose from.
func OwnerFromForm(ctx context.Context, d Directory, owner, query string) (int64, error) {
	if id, _ := strconv.ParseInt(strings.TrimSpace(owner), 10, 64); id > 0 {
		return id, nil
	}
	q := strings.TrimSpace(query)
	if q == "" {
		return 0, nil
	}
	ps, _, err := d.People(ctx, PersonFilter{Scope: authz.Everywhere, NotLeft: true, Query: q, Limit: OwnerChoices + 1})
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		if p.EmployeeNo == q {
			return p.ID, nil
		}
	}
	switch len(ps) {
	case 0:
		return 0, apperr.E(apperr.Invalid, "org.err.owner_none", q)
	case 1:
		return ps[0].ID, nil
	}
	return 0, apperr.E(apperr.Invalid, "org.err.owner_many", q)
}
