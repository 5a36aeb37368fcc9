package incident

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/i18n"
)

// Overview is the incidents' share of the home page and the annual report:
// the reader's tasks and measures on incidents and, for the CSIRT, reports
// waiting for triage; for the CSIRT, the CISO and the 統括 the open
// incidents by level, the fiscal year's incidents per month and the overdue
// authority notices; and the year's incidents by level and category. No
// description, title or name leaves the capability: incident details are
// confidential.
func (s *Service) Overview() capability.Overview {
	return capability.Overview{Todos: s.todos, Figures: s.figures, Report: s.report}
}

func incidentHref(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

func (s *Service) todos(ctx context.Context, p *authz.Principal) ([]capability.Todo, error) {
	if p == nil || p.PersonID == 0 {
		return nil, nil
	}
	var out []capability.Todo
	if p.Can(Report) {
		tasks, err := s.store.TasksOf(ctx, p.PersonID)
		if err != nil {
			return nil, err
		}
		recurrence := map[int64]bool{}
		for _, t := range tasks {
			if t.AnsweredAt.IsZero() {
				out = append(out, capability.Todo{Key: "incident.todo.task." + taskKind(t.Kind), Args: []any{t.IncidentID}, Href: incidentHref(t.IncidentID)})
			}
			if t.Kind == TaskContainment && !recurrence[t.IncidentID] {
				recurrence[t.IncidentID] = true
				in, err := s.store.Incident(ctx, t.IncidentID)
				if err != nil {
					return nil, err
				}
				if in.Status == Handling && in.Cause == "" {
					out = append(out, capability.Todo{Key: "incident.todo.recurrence", Args: []any{in.ID}, Href: incidentHref(in.ID)})
				}
			}
		}
		ms, err := s.store.MeasuresOf(ctx, p.PersonID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Status != MeasureDone {
				out = append(out, capability.Todo{Key: "incident.todo.measure", Args: []any{m.IncidentID}, Href: incidentHref(m.IncidentID), Due: m.DueOn})
			}
		}
	}
	if p.Can(Handle) {
		n, err := s.store.CountIncidents(ctx, Filter{Level: -2, Status: Reported})
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, capability.Todo{Key: "incident.todo.triage", Args: []any{n}, Href: "/incidents", Count: n})
		}
	}
	return out, nil
}

func taskKind(k string) string {
	switch k {
	case TaskContainment, TaskCheckSame:
		return k
	}
	return TaskOther
}

// fiscalYear is the fiscal year (April to March) of t in JST.
func fiscalYear(t time.Time) int {
	t = t.In(jst)
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

var jst = time.FixedZone("JST", 9*3600)

// figures: only for those who keep the ledger (CSIRT, CISO, 統括); anyone
// else sees no incident figure at all.
func (s *Service) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if p == nil || !p.Can(Ledger) {
		return nil, nil
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	open, err := s.store.IncidentTimes(ctx, Filter{Level: -2, Open: "open"})
	if err != nil {
		return nil, err
	}
	now := s.now()
	byLevel := map[int]int{}
	for _, x := range open {
		byLevel[x.Level]++
	}
	ns, err := s.store.OpenAuthorityNotices(ctx)
	if err != nil {
		return nil, err
	}
	overdue := 0
	for _, n := range ns {
		if n.Overdue(now) {
			overdue++
		}
	}
	fy := fiscalYear(now)
	xs, err := s.store.IncidentTimes(ctx, Filter{Level: -2, From: fmt.Sprintf("%d-04-01", fy), To: fmt.Sprintf("%d-03-31", fy+1)})
	if err != nil {
		return nil, err
	}
	return []capability.Figure{
		{Key: "incident.fig.open", Value: float64(len(open)), Unit: "unit.count", Href: "/incidents/ledger?state=open", Bars: levelBars(cfg, byLevel)},
		{Key: "incident.fig.year", Args: []any{fy}, Value: float64(len(xs)), Unit: "unit.count", Href: "/incidents/ledger", Bars: monthBars(xs, fy)},
		{Key: "incident.fig.overdue_notices", Value: float64(overdue), Unit: "unit.count", Warn: overdue > 0, Href: "/incidents/ledger?state=open"},
	}, nil
}

// levelBars are the counts per level, untriaged reports first.
func levelBars(cfg Config, by map[int]int) []capability.Bar {
	var bars []capability.Bar
	if n := by[-1]; n > 0 {
		bars = append(bars, capability.Bar{Label: i18n.T(i18n.Ja, "incident.fig.untriaged"), Value: float64(n)})
	}
	for _, l := range cfg.Levels {
		bars = append(bars, capability.Bar{Label: levelName(cfg, l.Level), Value: float64(by[l.Level])})
	}
	return bars
}

func levelName(cfg Config, level int) string {
	if level < 0 {
		return i18n.T(i18n.Ja, "incident.fig.untriaged")
	}
	for _, l := range cfg.Levels {
		if l.Level == level && l.Name != "" {
			return l.Name
		}
	}
	return i18n.T(i18n.Ja, "incident.fig.level", level)
}

func categoryName(cfg Config, key string) string {
	for _, c := range cfg.Categories {
		if c.Key == key && c.Name != "" {
			return c.Name
		}
	}
	return key
}

// monthBars are the reports of each month of fiscal year fy, April first.
func monthBars(xs []Incident, fy int) []capability.Bar {
	counts := make([]float64, 12)
	for _, x := range xs {
		t := x.ReportedAt.In(jst)
		i := (int(t.Month()) + 8) % 12 // April → 0
		if fiscalYear(t) == fy {
			counts[i]++
		}
	}
	bars := make([]capability.Bar, 12)
	for i := range bars {
		bars[i] = capability.Bar{Label: i18n.T(i18n.Ja, "incident.fig.month", (i+3)%12+1), Value: counts[i]}
	}
	return bars
}

// report: the fiscal year's reports and incidents by level and category,
// the mean times to triage and to close and the authority notices sent
// late. Counts only: no description, title or name.
func (s *Service) report(ctx context.Context, fy int) (capability.Section, error) {
	sec := capability.Section{Key: "incident.report.section"}
	cfg, err := s.Config(ctx)
	if err != nil {
		return sec, err
	}
	xs, err := s.store.Incidents(ctx, Filter{Level: -2, From: fmt.Sprintf("%d-04-01", fy), To: fmt.Sprintf("%d-03-31", fy+1)})
	if err != nil {
		return sec, err
	}
	st := Summarize(xs, s.now())
	byLevel, byCat := map[int]int{}, map[string]int{}
	var catOrder []string
	late, notices := 0, 0
	for _, x := range xs {
		if !x.IsIncident {
			continue
		}
		byLevel[x.Level]++
		if byCat[x.Category] == 0 {
			catOrder = append(catOrder, x.Category)
		}
		byCat[x.Category]++
		ns, err := s.store.AuthorityNotices(ctx, x.ID)
		if err != nil {
			return sec, err
		}
		for _, n := range ns {
			notices++
			if (n.Sent() && n.SentAt.After(n.DueAt)) || n.Overdue(s.now()) {
				late++
			}
		}
	}
	var levelRows [][]string
	var bars []capability.Bar
	for _, l := range cfg.Levels {
		levelRows = append(levelRows, []string{levelName(cfg, l.Level), strconv.Itoa(byLevel[l.Level])})
		bars = append(bars, capability.Bar{Label: levelName(cfg, l.Level), Value: float64(byLevel[l.Level])})
	}
	catRows := [][]string{}
	for _, c := range cfg.Categories {
		if n := byCat[c.Key]; n > 0 {
			catRows = append(catRows, []string{categoryName(cfg, c.Key), strconv.Itoa(n)})
			delete(byCat, c.Key)
		}
	}
	for _, k := range catOrder { // categories no longer configured
		if n := byCat[k]; n > 0 {
			catRows = append(catRows, []string{categoryName(cfg, k), strconv.Itoa(n)})
		}
	}
	sec.Figures = []capability.Figure{
		{Key: "incident.report.reports", Value: float64(st.Count), Unit: "unit.count", Bars: monthBars(xs, fy)},
		{Key: "incident.report.incidents", Value: float64(st.Incidents), Unit: "unit.count", Bars: bars},
		{Key: "incident.report.triage_hours", Value: st.TriageHours},
		{Key: "incident.report.close_days", Value: st.CloseDays},
		{Key: "incident.report.late_notices", Args: []any{notices}, Value: float64(late), Unit: "unit.count", Warn: late > 0},
	}
	sec.Tables = []capability.Table{
		{Key: "incident.report.by_level", Header: []string{"incident.report.col.level", "incident.report.col.count"}, Rows: levelRows},
		{Key: "incident.report.by_category", Header: []string{"incident.report.col.category", "incident.report.col.count"}, Rows: catRows},
	}
	return sec, nil
}
