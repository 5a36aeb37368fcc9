package selfcheck

import (
	"context"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is self-inspection's share of the home page and the annual
// report: the reader's open checklists, the submission rate of the open
// campaigns in the units the reader follows, and each campaign of the
// year with its results.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 || !p.Can(authz.SelfcheckAnswer) {
		return nil, nil
	}
	lists, camps, err := s.MyChecklists(ctx, p.PersonID)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	var out []capability.Todo
	for _, cl := range lists {
		c := camps[cl.CampaignID]
		if cl.Status == Submitted || c.Status != Published || today < c.OpensOn || today > c.ClosesOn {
			continue
		}
		out = append(out, capability.Todo{Key: "sc.todo.answer", Args: []any{c.Name, cl.Answered, cl.Total},
			Href: "/selfcheck/campaigns/" + strconv.FormatInt(c.ID, 10) + "/my", Due: c.ClosesOn})
	}
	return out, nil
}

// figures: for each published campaign, the share of submitted
// checklists in the reader's scope, per unit at the top of that scope.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if !p.Can(authz.SelfcheckFollow) {
		return nil, nil
	}
	camps, err := s.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var out []capability.Figure
	for _, c := range camps {
		if c.Status != Published {
			continue
		}
		rows, total, err := s.Progress(ctx, p, c.ID)
		if err != nil {
			return nil, err
		}
		f := capability.Figure{Key: "sc.fig.submitted", Args: []any{c.Name}, Unit: "%",
			Href: "/selfcheck/campaigns/" + strconv.FormatInt(c.ID, 10) + "/progress"}
		if n := total.NotStarted + total.InProgress + total.Submitted; n > 0 {
			f.Value = float64(total.Submitted*1000/n) / 10
		}
		f.Warn = f.Value < 100 && s.Today() > c.ClosesOn
		f.Bars = topUnitBars(rows)
		out = append(out, f)
	}
	return out, nil
}

// topUnitBars are the submission rates of the shallowest units of a
// progress table (the reader's own top units), twelve at most.
func topUnitBars(rows []ProgressRow) []capability.Bar {
	min := -1
	for _, r := range rows {
		if r.Total() > 0 && (min < 0 || r.Depth < min) {
			min = r.Depth
		}
	}
	var bars []capability.Bar
	for _, r := range rows {
		if r.Total() == 0 || (r.Depth != min+1 && !(r.Depth == min && len(rows) == 1)) {
			continue
		}
		bars = append(bars, capability.Bar{Label: r.Unit.Name, Value: float64(r.SubmittedPercent())})
		if len(bars) == 12 {
			break
		}
	}
	return bars
}

// report: every campaign of the fiscal year with its submission rate and
// the distribution of answers.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "sc.report.section"}
	camps, err := s.Campaigns(ctx)
	if err != nil {
		return sec, err
	}
	var lists, submitted int
	var overall Cell
	rows := [][]string{}
	for _, c := range camps {
		if c.FiscalYear != fy || c.Status == Draft {
			continue
		}
		sum, err := s.Summarise(ctx, authz.System, c.ID)
		if err != nil {
			return sec, err
		}
		lists += sum.Checklists
		submitted += sum.Progress.Submitted
		overall.add(sum.Overall)
		rate := 0
		if sum.Checklists > 0 {
			rate = sum.Progress.Submitted * 100 / sum.Checklists
		}
		rows = append(rows, []string{c.Name, c.OpensOn + " – " + c.ClosesOn, strconv.Itoa(sum.Checklists), strconv.Itoa(rate) + "%",
			strconv.Itoa(sum.Overall.Yes), strconv.Itoa(sum.Overall.Partial), strconv.Itoa(sum.Overall.No), strconv.Itoa(sum.Overall.NA)})
	}
	rate, yes := 0.0, 0.0
	if lists > 0 {
		rate = float64(submitted*1000/lists) / 10
	}
	if n := overall.Yes + overall.Partial + overall.No; n > 0 {
		yes = float64(overall.Yes*1000/n) / 10
	}
	sec.Figures = []capability.Figure{
		{Key: "sc.report.campaigns", Value: float64(len(rows))},
		{Key: "sc.report.checklists", Value: float64(lists)},
		{Key: "sc.report.submitted", Value: rate, Unit: "%", Warn: lists > 0 && rate < 100},
		{Key: "sc.report.yes_rate", Value: yes, Unit: "%"},
	}
	sec.Tables = []capability.Table{{Key: "sc.report.table", Header: []string{"sc.report.col.name", "sc.col.period", "sc.report.col.lists",
		"sc.report.col.rate", "sc.report.col.yes", "sc.report.col.partial", "sc.report.col.no", "sc.report.col.na"}, Rows: rows}}
	return sec, nil
}
