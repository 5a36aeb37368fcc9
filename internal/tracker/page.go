package tracker

import (
	"context"

	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Page is one page of a list: its rows, the cursor of the page after it
// ("" on the last) and how many rows the whole list holds.
type Page[T any] = paging.Page[T]

// Page sizes: the lists show PageSize actions a page, the API APIPageSize
// unless the client asks for another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

// page reads the page pr of the actions f selects, by due date and id; the
// cursor names the last action's due date and id.
func (s *Service) page(ctx context.Context, f Filter, pr paging.Request) (Page[Action], error) {
	return paging.Read(pr, func() (int, error) { return s.store.CountActions(ctx, f) },
		func(after paging.Cursor, n int) ([]Action, error) {
			f.After, f.Limit = after, n
			return s.store.Actions(ctx, f)
		}, func(a Action) paging.Cursor { return paging.Cursor{Key: a.DueOn, ID: a.ID} })
}

// MinePage is one page of p's own actions, by due date.
func (s *Service) MinePage(ctx context.Context, p *authz.Principal, openOnly bool, pr paging.Request) (Page[Action], error) {
	if err := authz.Require(p, Work); err != nil {
		return Page[Action]{}, err
	}
	if p.PersonID == 0 {
		return Page[Action]{}, nil
	}
	return s.page(ctx, Filter{OwnerID: p.PersonID, OpenOnly: openOnly}, pr)
}

// FollowedPage is one page of the actions of the units p follows (see
// Followed), by due date.
func (s *Service) FollowedPage(ctx context.Context, p *authz.Principal, f Filter, pr paging.Request) (Page[Action], error) {
	if err := authz.Require(p, Follow); err != nil {
		return Page[Action]{}, err
	}
	return s.page(ctx, followed(p, f), pr)
}

// VisiblePage is one page of what p may see (their own actions and the
// followed units'), by due date.
func (s *Service) VisiblePage(ctx context.Context, p *authz.Principal, f Filter, pr paging.Request) (Page[Action], error) {
	if !p.Can(Work) && !p.Can(Follow) {
		return Page[Action]{}, authz.Require(p, Work)
	}
	return s.page(ctx, visible(p, f), pr)
}
