package training

import (
	"context"
	"strconv"
	"strings"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is training's share of the home page and the annual report:
// the reader's own courses still to take, the completion rate of each
// published course in the units the reader follows, and the courses of
// the year with their completion and scores.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 || !p.Can(Take) {
		return nil, nil
	}
	as, err := s.store.Assignments(ctx, AssignmentFilter{PersonID: p.PersonID, Scope: authz.Everywhere, Pending: true})
	if err != nil {
		return nil, err
	}
	var out []capability.Todo
	for _, a := range as {
		if a.PersonID != p.PersonID || a.Status != StatusAssigned {
			continue
		}
		href := "/training"
		if a.CourseKind != KindDrill {
			href = "/training/courses/" + strconv.FormatInt(a.CourseID, 10)
		}
		out = append(out, capability.Todo{Key: "training.todo.take", Args: []any{a.CourseTitle}, Href: href, Due: a.DueOn})
	}
	return out, nil
}

// figures: for each published course, the completion in the units the
// reader follows (one aggregate query), per top unit of that scope.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if !p.Can(Follow) {
		return nil, nil
	}
	cs, err := s.store.Courses(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	var courses []Course
	for _, c := range cs {
		if c.Status == CoursePublished {
			ids = append(ids, c.ID)
			courses = append(courses, c)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	today := s.today()
	rates, err := s.store.Rates(ctx, ids, p.Scope(Follow), today)
	if err != nil {
		return nil, err
	}
	byCourse := map[int64][]UnitRate{}
	for _, r := range rates {
		byCourse[r.CourseID] = append(byCourse[r.CourseID], r)
	}
	var out []capability.Figure
	for _, c := range courses {
		rows := byCourse[c.ID]
		t := total(rows)
		if t.Assigned == 0 {
			continue
		}
		v := round1(t.Rate())
		out = append(out, capability.Figure{Key: "training.fig.completed", Args: []any{c.Title}, Value: v, Unit: "%",
			Href: "/training/follow?course=" + strconv.FormatInt(c.ID, 10),
			Warn: v < 100 && (t.Overdue > 0 || (c.ClosesOn != "" && today > c.ClosesOn)),
			Bars: s.topUnitBars(ctx, rows)})
	}
	return out, nil
}

// topUnitBars groups a course's per-unit rows under the units just below
// their common ancestor (the reader's own top units), twelve at most.
func (s *Service) topUnitBars(ctx context.Context, rows []UnitRate) []capability.Bar {
	if len(rows) == 0 {
		return nil
	}
	prefix := rows[0].UnitPath
	for _, r := range rows[1:] {
		for prefix != "" && !strings.HasPrefix(r.UnitPath, prefix) {
			prefix = prefix[:strings.LastIndex(strings.TrimSuffix(prefix, "/"), "/")+1]
		}
	}
	var keys []string
	groups := map[string]*UnitRate{}
	for _, r := range rows {
		key := prefix
		if rest := strings.TrimPrefix(r.UnitPath, prefix); rest != "" {
			key = prefix + strings.SplitN(rest, "/", 2)[0] + "/"
		}
		g, ok := groups[key]
		if !ok {
			if len(keys) == 12 {
				continue
			}
			g = &UnitRate{}
			groups[key] = g
			keys = append(keys, key)
		}
		if key == r.UnitPath {
			g.UnitName = r.UnitName
		}
		g.Assigned += r.Assigned
		g.Completed += r.Completed
		g.Excused += r.Excused
	}
	var bars []capability.Bar
	for _, k := range keys {
		g := groups[k]
		if g.UnitName == "" {
			trim := strings.TrimSuffix(k, "/")
			id, _ := strconv.ParseInt(trim[strings.LastIndex(trim, "/")+1:], 10, 64)
			if u, err := s.units.Unit(ctx, id); err == nil {
				g.UnitName = u.Name
			}
		}
		bars = append(bars, capability.Bar{Label: g.UnitName, Value: round1(g.Rate())})
	}
	return bars
}

// report: every course of the fiscal year (April fy to March fy+1) with
// how many were assigned and completed, the completion rate and the
// average score of those who completed it.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "training.report.section"}
	res, err := s.Results(ctx, authz.System, fy)
	if err != nil {
		return sec, err
	}
	rows := [][]string{}
	var bars []capability.Bar
	var scoreSum, scored int
	for _, cr := range res.Courses {
		t := cr.Totals
		avg := ""
		if cr.Course.HasTest() {
			sum, n, err := s.store.ScoreSum(ctx, cr.Course.ID)
			if err != nil {
				return sec, err
			}
			if n > 0 {
				avg = strconv.FormatFloat(round1(float64(sum)/float64(n)), 'f', 1, 64)
				scoreSum += sum
				scored += n
			}
		}
		rate := round1(t.Rate())
		if t.Assigned == 0 {
			rate = 0
		}
		rows = append(rows, []string{cr.Course.Title, cr.Course.OpensOn + " – " + cr.Course.ClosesOn, strconv.Itoa(t.Assigned),
			strconv.Itoa(t.Completed), strconv.FormatFloat(rate, 'f', 1, 64) + "%", avg})
		bars = append(bars, capability.Bar{Label: cr.Course.Title, Value: rate})
	}
	rate := 0.0
	if res.Totals.Assigned > 0 {
		rate = round1(res.Totals.Rate())
	}
	avg := 0.0
	if scored > 0 {
		avg = round1(float64(scoreSum) / float64(scored))
	}
	sec.Figures = []capability.Figure{
		{Key: "training.report.courses", Value: float64(len(rows)), Unit: "unit.count"},
		{Key: "training.report.assigned", Value: float64(res.Totals.Assigned), Unit: "unit.people"},
		{Key: "training.report.completed", Value: rate, Unit: "%", Warn: res.Totals.Assigned > 0 && rate < 100, Bars: bars},
		{Key: "training.report.score", Value: avg},
	}
	sec.Tables = []capability.Table{{Key: "training.report.table", Header: []string{"training.report.col.title", "training.report.col.period",
		"training.report.col.assigned", "training.report.col.completed", "training.report.col.rate", "training.report.col.score"}, Rows: rows}}
	return sec, nil
}
