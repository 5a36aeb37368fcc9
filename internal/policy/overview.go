package policy

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is the rules' share of the home page and the annual report:
// the published rules the reader has not acknowledged yet, the
// acknowledgment rate of each published document in the units the reader
// follows, and the documents published or revised in the year.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 || !p.Can(Ack) {
		return nil, nil
	}
	ds, err := s.store.Docs(ctx)
	if err != nil {
		return nil, err
	}
	acked, err := s.store.AckedBy(ctx, p.PersonID)
	if err != nil {
		return nil, err
	}
	var out []capability.Todo
	for _, d := range ds {
		if d.Published == 0 || slices.Contains(acked[d.ID], d.Published) {
			continue
		}
		out = append(out, capability.Todo{Key: "policy.todo.ack", Args: []any{d.Title},
			Href: "/policies/" + strconv.FormatInt(d.ID, 10) + "/read"})
	}
	return out, nil
}

// figures: for each published document, the share of the people in the
// reader's scope who acknowledged the version in force, per top unit.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if !p.Can(Follow) {
		return nil, nil
	}
	scope := p.Scope(Follow)
	ds, err := s.store.Docs(ctx)
	if err != nil {
		return nil, err
	}
	versions := map[int64]int{}
	for _, d := range ds {
		if d.Published > 0 {
			versions[d.ID] = d.Published
		}
	}
	if len(versions) == 0 {
		return nil, nil
	}
	rates, err := s.store.AckRates(ctx, versions, scope)
	if err != nil {
		return nil, err
	}
	var out []capability.Figure
	for _, d := range ds {
		rows := rates[d.ID]
		t := totalRate(rows)
		if d.Published == 0 || t.People == 0 {
			continue
		}
		out = append(out, capability.Figure{Key: "policy.fig.acked", Args: []any{d.Title}, Unit: "%", Value: pct(t),
			Href: "/policies/" + strconv.FormatInt(d.ID, 10) + "/acks", Bars: s.topUnitBars(ctx, rows)})
	}
	return out, nil
}

func totalRate(rows []UnitRate) UnitRate {
	var t UnitRate
	for _, r := range rows {
		t.People += r.People
		t.Acked += r.Acked
	}
	if t.People > 0 {
		t.Rate = float64(t.Acked) / float64(t.People)
	}
	return t
}

// pct is a rate in percent with one decimal.
func pct(u UnitRate) float64 {
	if u.People == 0 {
		return 0
	}
	return float64(u.Acked*1000/u.People) / 10
}

// topUnitBars groups the per-unit rows under the units just below their
// common ancestor (the reader's own top units), twelve at most.
func (s *Service) topUnitBars(ctx context.Context, rows []UnitRate) []capability.Bar {
	if len(rows) == 0 {
		return nil
	}
	prefix := commonPath(rows)
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
		g.People += r.People
		g.Acked += r.Acked
	}
	var bars []capability.Bar
	for _, k := range keys {
		g := groups[k]
		if g.UnitName == "" {
			id, _ := strconv.ParseInt(k[strings.LastIndex(strings.TrimSuffix(k, "/"), "/")+1:len(k)-1], 10, 64)
			if u, err := s.org.Unit(ctx, id); err == nil {
				g.UnitName = u.Name
			}
		}
		bars = append(bars, capability.Bar{Label: g.UnitName, Value: pct(*g)})
	}
	return bars
}

// commonPath is the longest unit path ("/1/4/") every row lies under.
func commonPath(rows []UnitRate) string {
	prefix := rows[0].UnitPath
	for _, r := range rows[1:] {
		for !strings.HasPrefix(r.UnitPath, prefix) {
			i := strings.LastIndex(strings.TrimSuffix(prefix, "/"), "/")
			if i < 0 {
				return ""
			}
			prefix = prefix[:i+1]
		}
	}
	return prefix
}

// report: the documents published or revised in the fiscal year (April
// fy to March fy+1, by the publication day in Japan) with the
// acknowledgment rate of each version across the organisation.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "policy.report.section"}
	ds, err := s.store.Docs(ctx)
	if err != nil {
		return sec, err
	}
	from, to := strconv.Itoa(fy)+"-04-01", strconv.Itoa(fy+1)+"-03-31"
	var all UnitRate
	docs := map[int64]bool{}
	rows := [][]string{}
	var bars []capability.Bar
	for _, d := range ds {
		if d.Published == 0 {
			continue
		}
		vs, err := s.store.Versions(ctx, d.ID)
		if err != nil {
			return sec, err
		}
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if v.PublishedAt.IsZero() {
				continue
			}
			day := v.PublishedAt.In(jst).Format("2006-01-02")
			if day < from || day > to {
				continue
			}
			ur, err := s.store.AckRates(ctx, map[int64]int{d.ID: v.Number}, authz.Everywhere)
			if err != nil {
				return sec, err
			}
			t := totalRate(ur[d.ID])
			all.People += t.People
			all.Acked += t.Acked
			docs[d.ID] = true
			rows = append(rows, []string{d.Title, strconv.Itoa(v.Number), day, v.EffectiveOn,
				strconv.Itoa(t.People), strconv.Itoa(t.Acked), strconv.FormatFloat(pct(t), 'f', 1, 64) + "%"})
			bars = append(bars, capability.Bar{Label: d.Title, Value: pct(t)})
		}
	}
	rate := pct(all)
	sec.Figures = []capability.Figure{
		{Key: "policy.report.docs", Value: float64(len(docs)), Unit: "unit.count"},
		{Key: "policy.report.versions", Value: float64(len(rows)), Unit: "unit.count"},
		{Key: "policy.report.acked", Value: rate, Unit: "%", Warn: all.People > 0 && rate < 100, Bars: bars},
	}
	sec.Tables = []capability.Table{{Key: "policy.report.table", Header: []string{"policy.report.col.title", "policy.report.col.version",
		"policy.report.col.published", "policy.report.col.effective", "policy.report.col.people", "policy.report.col.acked",
		"policy.report.col.rate"}, Rows: rows}}
	return sec, nil
}
