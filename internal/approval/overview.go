package approval

import (
	"context"
	"fmt"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is the requests' share of the home page and the annual report:
// requests waiting for the reader's decision, the reader's requests sent
// back or waiting for an end report, open exceptions and overdue requests
// for the office, and the year's requests by type.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 {
		return nil, nil
	}
	var out []capability.Todo
	if p.Can(authz.RequestDecide) || p.Can(authz.RequestFile) {
		waiting, err := s.CountWaiting(ctx, p)
		if err != nil {
			return nil, err
		}
		if waiting > 0 {
			out = append(out, capability.Todo{Key: "req.todo.decide", Args: []any{waiting}, Href: "/requests#waiting", Count: waiting})
		}
	}
	if !p.Can(authz.RequestFile) {
		return out, nil
	}
	// Only the requests that can need the applicant: sent back, expired or
	// in effect past their period.
	mine, err := s.store.Requests(ctx, Filter{Scope: Scope{PersonID: p.PersonID}, ApplicantID: p.PersonID,
		Statuses: []Status{Returned, Expired, InEffect}})
	if err != nil {
		return nil, err
	}
	today := s.Today()
	for _, r := range mine {
		href := "/requests/" + strconv.FormatInt(r.ID, 10)
		switch {
		case r.Status == Returned:
			out = append(out, capability.Todo{Key: "req.todo.returned", Args: []any{r.Title}, Href: href})
		case r.Status == Expired || (r.Status == InEffect && r.EndsOn != "" && r.EndsOn < today):
			out = append(out, capability.Todo{Key: "req.todo.end_report", Args: []any{r.Title}, Href: href, Due: r.EndsOn})
		}
	}
	return out, nil
}

// figures: exceptions in effect and overdue requests, for those who may
// read every ledger.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if !p.Can(authz.RequestReport) {
		return nil, nil
	}
	in, err := s.Ledger(ctx, p, Filter{TypeKey: TypeException, Statuses: []Status{InEffect, Approved}})
	if err != nil {
		return nil, err
	}
	soon := s.now().AddDate(0, 0, 30).Format(DateLayout)
	expiring := 0
	for _, r := range in {
		if r.EndsOn != "" && r.EndsOn <= soon {
			expiring++
		}
	}
	over, err := s.CountOverdue(ctx, p)
	if err != nil {
		return nil, err
	}
	return []capability.Figure{
		{Key: "req.fig.exceptions", Value: float64(len(in)), Unit: "unit.count", Href: "/requests/ledger?type=" + TypeException},
		{Key: "req.fig.expiring", Value: float64(expiring), Unit: "unit.count", Warn: expiring > 0, Href: "/requests/ledger?type=" + TypeException},
		{Key: "req.fig.overdue", Value: float64(over), Unit: "unit.count", Warn: over > 0, Href: "/requests/overdue"},
	}, nil
}

// report: the fiscal year's requests by type and status.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "req.report.section"}
	rep, err := s.Report(ctx, authz.System, fmt.Sprintf("%d-04-01", fy), fmt.Sprintf("%d-03-31", fy+1))
	if err != nil {
		return sec, err
	}
	total, permits := 0, 0
	rows := [][]string{}
	var bars []capability.Bar
	for _, t := range rep.Types {
		total += t.Total
		permits += t.Permits
		if t.Total == 0 {
			continue
		}
		rows = append(rows, []string{t.TypeName, strconv.Itoa(t.Total), strconv.Itoa(t.Permits), strconv.Itoa(t.Notices),
			strconv.Itoa(t.ByStatus[InEffect] + t.ByStatus[Approved]), strconv.Itoa(t.ByStatus[Rejected])})
		bars = append(bars, capability.Bar{Label: t.TypeName, Value: float64(t.Total)})
	}
	sec.Figures = []capability.Figure{
		{Key: "req.report.total", Value: float64(total), Unit: "unit.count", Bars: bars},
		{Key: "req.report.permits", Value: float64(permits), Unit: "unit.count"},
		{Key: "req.report.fig_exceptions", Value: float64(len(rep.Exceptions)), Unit: "unit.count"},
		{Key: "req.report.overdue", Value: float64(len(rep.Overdue)), Unit: "unit.count", Warn: len(rep.Overdue) > 0},
	}
	sec.Tables = []capability.Table{{Key: "req.report.table",
		Header: []string{"req.report.col.type", "req.report.col.total", "req.report.col.permits", "req.report.col.notices",
			"req.report.col.in_effect", "req.report.col.rejected"}, Rows: rows}}
	return sec, nil
}
