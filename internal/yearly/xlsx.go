package yearly

import (
	"io"
	"strconv"

	"kitei/internal/i18n"
	"kitei/internal/tabular"
	"kitei/internal/webui"
)

// WriteXLSX writes the annual report as a workbook: one sheet of every
// figure beside last year's, one sheet per report table, one of the
// review decisions (dates as real dates).
func WriteXLSX(w io.Writer, lang i18n.Lang, a *Annual) error {
	views := present(lang, a)
	figures := tabular.Table{Name: i18n.T(lang, "yearly.report.figure"),
		Header: []string{i18n.T(lang, "yearly.reports"), i18n.T(lang, "yearly.report.figure"), i18n.T(lang, "yearly.report.value"),
			i18n.T(lang, "yearly.report.previous")},
		Widths: []float64{30, 40, 14, 14}}
	prev := map[string]map[string]float64{}
	if a.Previous != nil {
		for _, s := range a.Previous.Sections {
			prev[s.Key] = map[string]float64{}
			for _, f := range s.Figures {
				prev[s.Key][figKey(f)] = f.Value
			}
		}
	}
	tables := []tabular.Table{}
	for i, s := range a.Report.Sections {
		for _, f := range s.Figures {
			var p any = ""
			if v, ok := prev[s.Key][figKey(f)]; ok {
				p = v
			}
			figures.Rows = append(figures.Rows, []any{views[i].Title, i18n.T(lang, f.Key, jsonArgs(f.Args)...), f.Value, p})
		}
		for j, t := range views[i].Tables {
			rows := make([][]any, len(t.Rows))
			for k, r := range t.Rows {
				cells := make([]any, len(r))
				for c, v := range r {
					cells[c] = v
				}
				rows[k] = cells
			}
			name := sheetName(strconv.Itoa(i+1) + "-" + strconv.Itoa(j+1) + " " + t.Caption)
			tables = append(tables, tabular.Table{Name: name, Header: t.Header, Rows: rows})
		}
	}
	decisions := tabular.Table{Name: sheetName(i18n.T(lang, "yearly.decisions")),
		Header: []string{i18n.T(lang, "yearly.decision.kind"), i18n.T(lang, "yearly.decision.text"), i18n.T(lang, "yearly.col.decided_by"), i18n.T(lang, "yearly.col.decided_at")},
		Widths: []float64{20, 60, 20, 20}}
	for _, d := range a.Decisions {
		decisions.Rows = append(decisions.Rows, []any{i18n.T(lang, "yearly.decision.kind."+d.Kind), d.Text, d.DecidedByName, d.DecidedAt.In(webui.Zone)})
	}
	all := append([]tabular.Table{figures}, tables...)
	all = append(all, decisions)
	return tabular.WriteXLSX(w, all...)
}

// sheetName fits a sheet name to Excel's rules (31 characters, no []:*?/\).
func sheetName(s string) string {
	r := []rune(s)
	out := make([]rune, 0, len(r))
	for _, c := range r {
		switch c {
		case '[', ']', ':', '*', '?', '/', '\\':
			c = ' '
		}
		out = append(out, c)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	return string(out)
}
