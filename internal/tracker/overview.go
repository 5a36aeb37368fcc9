package tracker

import (
	"context"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is the tracker's share of the home page: the reader's own open
// actions with their due dates and the done actions waiting for the
// reader's confirmation; for officers and the office, the open and the
// overdue actions of the units they follow.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures}
}

func actionHref(id int64) string { return "/actions/" + strconv.FormatInt(id, 10) }

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 {
		return nil, nil
	}
	var out []capability.Todo
	if p.Can(Work) {
		mine, err := s.Mine(ctx, p, true)
		if err != nil {
			return nil, err
		}
		for _, a := range mine {
			if a.Finished() {
				continue
			}
			key := "tracker.todo.action"
			if a.Overdue(s.today()) {
				key = "tracker.todo.overdue"
			}
			out = append(out, capability.Todo{Key: key, Args: []any{a.Title}, Href: actionHref(a.ID), Due: a.DueOn})
		}
	}
	if p.Can(Follow) {
		// Done actions of the followed units waiting for someone other
		// than their owner to confirm them, counted in the database.
		n, err := s.countFollowed(ctx, p, Filter{Status: Done, NotOwner: p.PersonID})
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, capability.Todo{Key: "tracker.todo.confirm", Args: []any{n}, Href: "/actions/unit", Count: n})
		}
	}
	return out, nil
}

// countFollowed counts the actions of the units p follows that f selects.
func (s *Service) countFollowed(ctx context.Context, p *authz.Principal, f Filter) (int, error) {
	return s.store.CountActions(ctx, followed(p, f))
}

// figures: the open (not yet done) and the overdue actions of the units
// the reader follows.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if p == nil || !p.Can(Follow) {
		return nil, nil
	}
	open, err := s.countFollowed(ctx, p, Filter{Unfinished: true})
	if err != nil {
		return nil, err
	}
	overdue, err := s.countFollowed(ctx, p, Filter{Unfinished: true, DueBefore: s.today()})
	if err != nil {
		return nil, err
	}
	return []capability.Figure{
		{Key: "tracker.fig.open", Value: float64(open), Unit: "unit.count", Href: "/actions/unit"},
		{Key: "tracker.fig.overdue", Value: float64(overdue), Unit: "unit.count", Warn: overdue > 0, Href: "/actions/unit"},
	}, nil
}
