package training

import (
	"context"
	"io"
	"strings"
	"time"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/tabular"
)

// CourseResult is one course's completion in a fiscal year.
type CourseResult struct {
	Course Course     `json:"course"`
	Totals UnitRate   `json:"totals"`
	Units  []UnitRate `json:"units"`
	// Histogram counts completion scores in ten bands (0–9 … 90–100).
	Histogram [10]int `json:"histogram"`
}

// UnitTotal is one unit's completion over every course of the year.
type UnitTotal struct {
	UnitID   int64    `json:"unit_id"`
	UnitName string   `json:"unit_name"`
	Rate     UnitRate `json:"rate"`
}

// Results are the year's figures: per course and per unit.
type Results struct {
	FiscalYear int            `json:"fiscal_year"`
	Courses    []CourseResult `json:"courses"`
	Units      []UnitTotal    `json:"units"`
	Totals     UnitRate       `json:"totals"`
	Plans      []Plan         `json:"plans"`
	Today      string         `json:"today"`
}

// CourseYear is the fiscal year a course belongs to.
func CourseYear(c Course) int {
	if c.OpensOn != "" {
		return FiscalYear(c.OpensOn)
	}
	return FiscalYear(c.CreatedAt.Format(DateLayout))
}

// CurrentYear is the fiscal year of today.
func (s *Service) CurrentYear() int { return FiscalYear(s.today()) }

// Results gathers the fiscal year's completion per course and unit and
// the score distribution of each course with a test.
func (s *Service) Results(ctx context.Context, p *authz.Principal, year int) (Results, error) {
	r := Results{FiscalYear: year, Today: s.today()}
	if err := authz.RequireIn(p, Report, ""); err != nil {
		return r, err
	}
	if year == 0 {
		r.FiscalYear = s.CurrentYear()
	}
	cs, err := s.store.Courses(ctx)
	if err != nil {
		return r, err
	}
	var ids []int64
	idx := map[int64]int{}
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c.Status == CourseDraft || CourseYear(c) != r.FiscalYear {
			continue
		}
		idx[c.ID] = len(r.Courses)
		ids = append(ids, c.ID)
		r.Courses = append(r.Courses, CourseResult{Course: c})
	}
	if len(ids) > 0 {
		rates, err := s.store.Rates(ctx, ids, authz.Everywhere, r.Today)
		if err != nil {
			return r, err
		}
		units := map[int64]int{}
		for _, x := range rates {
			cr := &r.Courses[idx[x.CourseID]]
			cr.Units = append(cr.Units, x)
			i, ok := units[x.UnitID]
			if !ok {
				i = len(r.Units)
				units[x.UnitID] = i
				r.Units = append(r.Units, UnitTotal{UnitID: x.UnitID, UnitName: x.UnitName, Rate: UnitRate{UnitID: x.UnitID, UnitName: x.UnitName, UnitPath: x.UnitPath}})
			}
			u := &r.Units[i].Rate
			u.Assigned += x.Assigned
			u.Completed += x.Completed
			u.Excused += x.Excused
			u.Overdue += x.Overdue
		}
		for i := range r.Courses {
			cr := &r.Courses[i]
			cr.Totals = total(cr.Units)
			if cr.Course.HasTest() {
				if cr.Histogram, err = s.store.Scores(ctx, cr.Course.ID); err != nil {
					return r, err
				}
			}
		}
		var all []UnitRate
		for _, u := range r.Units {
			all = append(all, u.Rate)
		}
		r.Totals = total(all)
	}
	plans, err := s.store.Plans(ctx)
	if err != nil {
		return r, err
	}
	for _, pl := range plans {
		if pl.FiscalYear == r.FiscalYear {
			r.Plans = append(r.Plans, pl)
		}
	}
	return r, nil
}

// WriteXLSX writes the results as a workbook: per course, per unit and
// course, and the score distribution.
func (r Results) WriteXLSX(w io.Writer, lang i18n.Lang) error {
	T := func(k string) string { return i18n.T(lang, k) }
	courses := tabular.Table{Name: T("training.xlsx.courses"), Widths: []float64{8, 40, 12, 12, 10, 10, 10, 10, 10},
		Header: []string{"ID", T("training.col.course"), T("training.col.kind"), T("training.col.closes"), T("training.col.assigned"),
			T("training.col.completed"), T("training.col.excused"), T("training.col.overdue"), T("training.col.rate")}}
	units := tabular.Table{Name: T("training.xlsx.units"), Widths: []float64{40, 30, 10, 10, 10, 10, 10, 10, 10},
		Header: []string{T("training.col.course"), T("training.col.unit"), T("training.col.assigned"), T("training.col.completed"),
			T("training.col.excused"), T("training.col.overdue"), T("training.col.rate"), T("training.col.opened"), T("training.col.reported")}}
	hist := tabular.Table{Name: T("training.xlsx.scores"), Widths: []float64{40, 12, 10},
		Header: []string{T("training.col.course"), T("training.col.band"), T("training.col.people")}}
	for _, c := range r.Courses {
		var closes any = ""
		if t, err := time.Parse(DateLayout, c.Course.ClosesOn); err == nil {
			closes = t
		}
		courses.Rows = append(courses.Rows, []any{c.Course.ID, c.Course.Title, T("training.kind." + c.Course.Kind), closes,
			c.Totals.Assigned, c.Totals.Completed, c.Totals.Excused, c.Totals.Overdue, round1(c.Totals.Rate())})
		for _, u := range c.Units {
			units.Rows = append(units.Rows, []any{c.Course.Title, u.UnitName, u.Assigned, u.Completed, u.Excused, u.Overdue,
				round1(u.Rate()), u.Opened, u.Reported})
		}
		if c.Course.HasTest() {
			for i, n := range c.Histogram {
				hist.Rows = append(hist.Rows, []any{c.Course.Title, Band(i), n})
			}
		}
	}
	return tabular.WriteXLSX(w, courses, units, hist)
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// Band names score band i ("0–9" … "90–100").
func Band(i int) string {
	lo := i * 10
	hi := lo + 9
	if i == 9 {
		hi = 100
	}
	return strings.Join([]string{itoa(lo), itoa(hi)}, "–")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
