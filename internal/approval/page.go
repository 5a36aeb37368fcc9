package approval

import (
	"context"

	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Page is one page of a list: its rows, the cursor of the page after it
// ("" on the last) and how many rows the whole list holds.
type Page[T any] = paging.Page[T]

// Page sizes: the pages show PageSize rows, the API APIPageSize unless the
// client asks for another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

// requestPage reads the page pg of the requests f selects, newest first;
// the cursor is the last request's id.
func (s *Service) requestPage(ctx context.Context, f Filter, pg paging.Request) (Page[Request], error) {
	if err := paging.IDOnly(pg); err != nil {
		return Page[Request]{}, err
	}
	return paging.Read(pg, func() (int, error) { return s.store.CountRequests(ctx, f) },
		func(after paging.Cursor, n int) ([]Request, error) {
			f.Before, f.Limit = after.ID, n
			return s.store.Requests(ctx, f)
		}, func(r Request) paging.Cursor { return paging.Cursor{ID: r.ID} })
}

// MinePage is one page of the principal's own requests, newest first.
func (s *Service) MinePage(ctx context.Context, p *authz.Principal, pg paging.Request) (Page[Request], error) {
	if p == nil || p.PersonID == 0 {
		return Page[Request]{}, nil
	}
	return s.requestPage(ctx, Filter{Scope: Scope{PersonID: p.PersonID}, ApplicantID: p.PersonID}, pg)
}

// WaitingPage is one page of the requests waiting for the principal's
// decision, newest first.
func (s *Service) WaitingPage(ctx context.Context, p *authz.Principal, pg paging.Request) (Page[Request], error) {
	if p == nil || p.PersonID == 0 {
		return Page[Request]{}, nil
	}
	return s.requestPage(ctx, s.waitingFilter(p), pg)
}

func (s *Service) waitingFilter(p *authz.Principal) Filter {
	return Filter{Scope: Scope{PersonID: p.PersonID}, DeciderID: p.PersonID, Statuses: []Status{Submitted}}
}

// CountWaiting counts the requests waiting for the principal's decision.
func (s *Service) CountWaiting(ctx context.Context, p *authz.Principal) (int, error) {
	if p == nil || p.PersonID == 0 {
		return 0, nil
	}
	return s.store.CountRequests(ctx, s.waitingFilter(p))
}

// LedgerPage is one page of the ledger (see Ledger), newest first.
func (s *Service) LedgerPage(ctx context.Context, p *authz.Principal, f Filter, pg paging.Request) (Page[Request], error) {
	f, err := s.ledgerFilter(p, f)
	if err != nil {
		return Page[Request]{}, err
	}
	return s.requestPage(ctx, f, pg)
}

// InboxPage is one page of the person's notices (of every capability),
// newest first; the cursor is the last notice's id.
func (s *Service) InboxPage(ctx context.Context, personID int64, pg paging.Request) (Page[Notice], error) {
	if personID == 0 {
		return Page[Notice]{}, nil
	}
	if err := paging.IDOnly(pg); err != nil {
		return Page[Notice]{}, err
	}
	return paging.Read(pg, func() (int, error) { return s.store.CountNotices(ctx, personID) },
		func(after paging.Cursor, n int) ([]Notice, error) {
			return s.store.NoticePage(ctx, personID, after.ID, n)
		},
		func(n Notice) paging.Cursor { return paging.Cursor{ID: n.ID} })
}
