package tracker

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
)

// OwnerChoices is how many people the owner picker of the new-action and
// action pages offers at most: the matches of a search, or without one the
// people of the action's unit (and below). The whole staff is never put in
// a form; anyone is found by the search.
const OwnerChoices = 50

// ownerPick is the owner picker of a form: the search text (owner_q: part
// of a name, kana, employee number or e-mail), the people offered (the
// chosen one first) and whether more matched than are offered.
type ownerPick struct {
	Query    string
	Choices  []org.Person
	Searched bool // the choices are a search's matches
	More     bool // more matched than OwnerChoices: narrow the search
}

// ownerPicker reads the choices of the owner picker: the people query
// finds, or without one the people of unit (and its sub-units; none for an
// organisation-wide action); chosen (when not 0) is offered first.
func (h *handlers) ownerPicker(ctx context.Context, query string, unitID, chosen int64) (ownerPick, error) {
	pk := ownerPick{Query: strings.TrimSpace(query)}
	f := org.PersonFilter{Scope: authz.Everywhere, NotLeft: true, Limit: OwnerChoices + 1}
	switch {
	case pk.Query != "":
		f.Query, pk.Searched = pk.Query, true
	case unitID > 0:
		f.UnitID, f.Subtree = unitID, true
	default:
		f.Limit = 0
	}
	if f.Limit > 0 {
		ps, _, err := h.org.People(ctx, f)
		if err != nil {
			return pk, err
		}
		if len(ps) > OwnerChoices {
			ps, pk.More = ps[:OwnerChoices], true
		}
		pk.Choices = ps
	}
	if chosen > 0 && !slices.ContainsFunc(pk.Choices, func(p org.Person) bool { return p.ID == chosen }) {
		p, err := h.org.Person(ctx, chosen)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return pk, err
		}
		if err == nil {
			pk.Choices = append([]org.Person{p}, pk.Choices...)
		}
	}
	return pk, nil
}

// formOwner is the owner a posted form names: the person chosen from the
// picker (owner), or else the one person the search text (owner_q) names —
// the person with exactly that employee number, or the only match. 0 when
// the form names nobody. A search that finds nobody, or several people, is
// Invalid with the text, so that nothing is changed and the form is shown
// again with the matches to choose from.
func (h *handlers) formOwner(r *http.Request) (int64, error) {
	if id := formInt(r, "owner"); id > 0 {
		return id, nil
	}
	q := strings.TrimSpace(r.FormValue("owner_q"))
	if q == "" {
		return 0, nil
	}
	ps, _, err := h.org.People(r.Context(), org.PersonFilter{Scope: authz.Everywhere, NotLeft: true, Query: q, Limit: OwnerChoices + 1})
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
		return 0, invalid("tracker.err.owner_none", q)
	case 1:
		return ps[0].ID, nil
	}
	return 0, invalid("tracker.err.owner_many", q)
}
