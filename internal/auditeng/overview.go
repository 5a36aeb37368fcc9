package auditeng

import (
	"context"
	"fmt"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/i18n"
	"kitei/internal/tracker"
)

// Overview is the audits' share of the home page and the annual report:
// the auditor's engagements in fieldwork, the plans and reports waiting
// for the CISO, the findings an audited unit's officer must answer with a
// remediation plan; for organisation-wide readers (監査責任者, CISO) the
// open findings by severity; and the year's engagements and findings.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func engagementHref(id int64) string { return "/audits/engagements/" + strconv.FormatInt(id, 10) }

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 || !p.Can(PermView) {
		return nil, nil
	}
	var out []capability.Todo
	if p.Can(PermConduct) {
		es, err := s.store.Engagements(ctx, EngagementFilter{AuditorID: p.PersonID})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if _, ok := s.assigned(p, e); ok && e.Status == Fieldwork {
				out = append(out, capability.Todo{Key: "auditeng.todo.fieldwork", Args: []any{e.Title}, Href: engagementHref(e.ID), Due: e.EndsOn})
			}
		}
	}
	if !outsider(p) && p.Scope(PermApprove).All {
		plans, err := s.store.Plans(ctx)
		if err != nil {
			return nil, err
		}
		for _, pl := range plans {
			if pl.Status == PlanSubmitted {
				out = append(out, capability.Todo{Key: "auditeng.todo.approve", Args: []any{pl.FiscalYear}, Href: "/audits/plans/" + strconv.FormatInt(pl.ID, 10)})
			}
		}
		es, err := s.store.Engagements(ctx, EngagementFilter{All: true})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Status == Reported {
				out = append(out, capability.Todo{Key: "auditeng.todo.instruct", Args: []any{e.Title}, Href: engagementHref(e.ID)})
			}
		}
	}
	if p.Can(PermRespond) && !outsider(p) {
		es, err := s.store.Engagements(ctx, EngagementFilter{RespondPaths: p.Scope(PermRespond).Paths})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			acc, _, err := s.access(ctx, p, e)
			if err != nil {
				return nil, err
			}
			if !acc.Respond {
				continue
			}
			fs, err := s.findings(ctx, e)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, f := range fs {
				if f.State() == "open" {
					n++
				}
			}
			if n > 0 {
				out = append(out, capability.Todo{Key: "auditeng.todo.remediate", Args: []any{e.Title, n}, Href: engagementHref(e.ID), Count: n})
			}
		}
	}
	return out, nil
}

// closedFindings marks each finding closed when it has actions and all of
// them are closed (as findings does), from one read of the tracker; it
// returns the audit actions by finding.
func (s *Service) closedFindings(ctx context.Context, fs []Finding) (map[int64][]tracker.Action, error) {
	acts, err := s.tracker.BySource(ctx, tracker.FromAuditFinding, 0, 0)
	if err != nil {
		return nil, err
	}
	by := map[int64][]tracker.Action{}
	for _, a := range acts {
		by[a.Source.Item] = append(by[a.Source.Item], a)
	}
	for i := range fs {
		as := by[fs[i].ID]
		fs[i].Actions = as
		fs[i].Closed = len(as) > 0
		for _, a := range as {
			if a.Status != tracker.Closed {
				fs[i].Closed = false
			}
		}
	}
	return by, nil
}

// figures: the open findings by severity, for organisation-wide readers of
// the audits (監査責任者, CISO and deputy).
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if p == nil || !readsAll(p) {
		return nil, nil
	}
	fs, err := s.store.AllFindings(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.closedFindings(ctx, fs); err != nil {
		return nil, err
	}
	by := map[Severity]int{}
	open := 0
	for _, f := range fs {
		if !f.Closed {
			by[f.Severity]++
			open++
		}
	}
	bars := make([]capability.Bar, len(Severities))
	for i, sev := range Severities {
		// The home page shows bar labels as they are: Japanese, as the
		// product's pages (the annual report translates keys itself).
		bars[i] = capability.Bar{Label: i18n.T(i18n.Ja, "auditeng.severity."+string(sev)), Value: float64(by[sev])}
	}
	return []capability.Figure{
		{Key: "auditeng.fig.open_findings", Value: float64(open), Unit: "unit.count", Href: "/audits", Bars: bars},
		{Key: "auditeng.fig.open_major", Value: float64(by[Major]), Unit: "unit.count", Warn: by[Major] > 0, Href: "/audits"},
	}, nil
}

// report: the fiscal year's engagements (those of its plan and the ad-hoc
// ones starting in it) with their findings by severity, how many are
// closed, and the tracker actions filed for them.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "auditeng.report.section"}
	plans, err := s.store.Plans(ctx)
	if err != nil {
		return sec, err
	}
	inYear := map[int64]bool{}
	for _, pl := range plans {
		inYear[pl.ID] = pl.FiscalYear == fy
	}
	es, err := s.store.Engagements(ctx, EngagementFilter{All: true})
	if err != nil {
		return sec, err
	}
	from, to := fmt.Sprintf("%d-04-01", fy), fmt.Sprintf("%d-03-31", fy+1)
	year := map[int64]bool{}
	var mine []Engagement
	for _, e := range es {
		if (e.PlanID != 0 && inYear[e.PlanID]) || (e.PlanID == 0 && e.StartsOn >= from && e.StartsOn <= to) {
			year[e.ID] = true
			mine = append(mine, e)
		}
	}
	fs, err := s.store.AllFindings(ctx)
	if err != nil {
		return sec, err
	}
	if _, err := s.closedFindings(ctx, fs); err != nil {
		return sec, err
	}
	type count struct{ findings, closed, major, minor, obs int }
	per := map[int64]*count{}
	total := count{}
	actsOpen, actsClosed := 0, 0
	for _, f := range fs {
		if !year[f.EngagementID] {
			continue
		}
		c := per[f.EngagementID]
		if c == nil {
			c = &count{}
			per[f.EngagementID] = c
		}
		for _, x := range []*count{c, &total} {
			x.findings++
			if f.Closed {
				x.closed++
			}
			switch f.Severity {
			case Major:
				x.major++
			case Minor:
				x.minor++
			default:
				x.obs++
			}
		}
		for _, a := range f.Actions {
			if a.Status == tracker.Closed {
				actsClosed++
			} else {
				actsOpen++
			}
		}
	}
	rows := [][]string{}
	for _, e := range mine {
		c := per[e.ID]
		if c == nil {
			c = &count{}
		}
		rows = append(rows, []string{e.Title, e.UnitName, "auditeng.status." + string(e.Status), strconv.Itoa(c.major),
			strconv.Itoa(c.minor), strconv.Itoa(c.obs), strconv.Itoa(c.closed) + "/" + strconv.Itoa(c.findings)})
	}
	sec.Figures = []capability.Figure{
		{Key: "auditeng.report.engagements", Value: float64(len(mine)), Unit: "unit.count"},
		{Key: "auditeng.report.findings", Value: float64(total.findings), Unit: "unit.count", Bars: []capability.Bar{
			{Label: "auditeng.severity.major", Value: float64(total.major)},
			{Label: "auditeng.severity.minor", Value: float64(total.minor)},
			{Label: "auditeng.severity.observation", Value: float64(total.obs)}}},
		{Key: "auditeng.report.closed", Value: float64(total.closed), Unit: "unit.count", Warn: total.closed < total.findings},
		{Key: "auditeng.report.actions_open", Value: float64(actsOpen), Unit: "unit.count", Warn: actsOpen > 0},
		{Key: "auditeng.report.actions_closed", Value: float64(actsClosed), Unit: "unit.count"},
	}
	sec.Tables = []capability.Table{{Key: "auditeng.report.table", Header: []string{"auditeng.report.col.title", "auditeng.report.col.unit",
		"auditeng.report.col.status", "auditeng.severity.major", "auditeng.severity.minor", "auditeng.severity.observation",
		"auditeng.report.col.closed"}, Rows: rows}}
	return sec, nil
}
