package capability

import (
	"context"
	"strconv"

	"kitei/internal/authz"
	"kitei/internal/i18n"
)

// Overview is what a capability contributes to the home page and to the
// annual report. Every hook is optional; each is called with the reader
// and must show only what that reader may see.
type Overview struct {
	// Todos are the reader's own things to do (a checklist to answer, a
	// course due, a request waiting for them …).
	Todos func(ctx context.Context, p *authz.Principal) ([]Todo, error)
	// Figures are the rates and counts the reader follows: a unit
	// officer's units, the whole organisation for the office and the CISO.
	Figures func(ctx context.Context, p *authz.Principal) ([]Figure, error)
	// Report is the capability's section of the annual report for the
	// fiscal year fy (April fy to March fy+1), organisation-wide.
	Report func(ctx context.Context, fy int) (Section, error)
}

// Todo is one thing the reader has to do.
type Todo struct {
	Key   string // message key of the text, with Args
	Args  []any
	Href  string
	Due   string // YYYY-MM-DD, "" when none
	Count int    // how many, when the to-do stands for several
}

// Figure is one number on a dashboard or in a report: a count or a rate
// (0–100 with Unit "%"). Bars, when set, draw it as a bar chart (a label
// and a value each, e.g. per unit or per month).
type Figure struct {
	Key   string // message key of the label, with Args
	Args  []any
	Value float64
	Unit  string // "%", "件", "人" … ("" for a plain count)
	Href  string
	Warn  bool // needs attention (overdue, below target)
	Bars  []Bar
}

// Bar is one bar of a figure's chart.
type Bar struct {
	Label string
	Value float64
}

// Section is one capability's part of the annual report: headline figures
// (compared with the previous year's section when there is one) and
// tables.
type Section struct {
	Key     string // message key of the section title
	Figures []Figure
	Tables  []Table
}

// Table is a table of a report section; Header holds message keys.
type Table struct {
	Key    string // message key of the caption
	Header []string
	Rows   [][]string
}

// UnitText is a figure's unit in lang: "%" as it is, a message key
// ("unit.count") translated.
func UnitText(lang i18n.Lang, unit string) string {
	if unit != "" && unit != "%" && i18n.Has(lang, unit) {
		return i18n.T(lang, unit)
	}
	return unit
}

// FormatValue writes a figure's value with its unit: 85.5%, 12件.
func FormatValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if v == float64(int64(v)) {
		s = strconv.FormatInt(int64(v), 10)
	}
	return s + unit
}
