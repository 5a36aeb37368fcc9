package inventory

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/tabular"
)

// Column labels: the sheets carry the Japanese labels; imports also take
// the English ones and the field keys.

func label(lang i18n.Lang, key string) string { return i18n.T(lang, "inv.f."+key) }

const colRetired = "retired"

// peopleCols are the columns of an area workbook's second sheet.
var peopleCols = []string{"area", "employee_no", "person_name", "from", "until", "reason", "revoked"}

func day(v string) any {
	if v == "" {
		return ""
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return v
	}
	return t
}

// Export writes the register of kind as p may read it: one sheet, and for
// areas a second with the authorised people.
func (s *Service) Export(ctx context.Context, p *authz.Principal, kind string) ([]tabular.Table, error) {
	items, err := s.List(ctx, p, Filter{Kind: kind, Retired: true})
	if err != nil {
		return nil, err
	}
	main := tabular.Table{Name: i18n.T(i18n.Ja, "inv.kind."+kind)}
	for _, f := range Fields[kind] {
		main.Header = append(main.Header, label(i18n.Ja, f.Key))
		main.Widths = append(main.Widths, 16)
	}
	main.Header = append(main.Header, label(i18n.Ja, colRetired))
	people := tabular.Table{Name: i18n.T(i18n.Ja, "inv.people")}
	for _, c := range peopleCols {
		people.Header = append(people.Header, label(i18n.Ja, c))
	}
	for _, it := range items {
		row := make([]any, 0, len(main.Header))
		for _, f := range Fields[kind] {
			v := it.Value(f.Key)
			switch {
			case f.Type == TDate:
				row = append(row, day(v))
			case f.Type == TSelect && v != "":
				row = append(row, i18n.T(i18n.Ja, "inv.opt."+f.Key+"."+v))
			default:
				row = append(row, v)
			}
		}
		ret := ""
		if it.Retired {
			ret = label(i18n.Ja, "retired.yes")
		}
		main.Rows = append(main.Rows, append(row, ret))
		for _, a := range it.People {
			people.Rows = append(people.Rows, []any{it.Code, a.EmployeeNo, a.Name, day(a.From), day(a.Until), a.Reason, a.Revoked})
		}
	}
	if kind == KindArea {
		return []tabular.Table{main, people}, nil
	}
	return []tabular.Table{main}, nil
}

// ImportResult is what an import did, or why it did nothing.
type ImportResult struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	tabular.Report
}

// column finds the column of key in a sheet by its label (either
// language) or the key itself.
func column(sh tabular.Sheet, key string) int {
	return sh.Column(label(i18n.Ja, key), label(i18n.En, key), key)
}

func isYes(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && (v == label(i18n.Ja, "retired.yes") || strings.EqualFold(v, label(i18n.En, "retired.yes")) || v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes"))
}

// Import reads an xlsx or CSV file of kind and adds or updates the entries
// by code, all or nothing: any bad row leaves everything as it was, and
// the report says which rows and why.
func (s *Service) Import(ctx context.Context, p *authz.Principal, kind, name string, data []byte) (ImportResult, error) {
	var res ImportResult
	if err := authz.Require(p, Write); err != nil {
		return res, err
	}
	if err := kindOK(kind); err != nil {
		return res, err
	}
	sheets, err := tabular.Read(name, data, "auto")
	if err != nil {
		return res, err
	}
	if len(sheets) == 0 {
		return res, apperr.E(apperr.Invalid, "inv.err.empty")
	}
	sh := sheets[0]
	cols := map[string]int{}
	for _, f := range Fields[kind] {
		cols[f.Key] = column(sh, f.Key)
		if cols[f.Key] < 0 && f.Required {
			res.Add(sh.Name, 1, label(i18n.Ja, f.Key), "", "inv.err.column", label(i18n.Ja, f.Key))
		}
	}
	if !res.OK() {
		return res, nil
	}
	retCol := column(sh, colRetired)
	lk := s.lookups()
	now := s.now().UTC()
	var items []Item
	byCode := map[string]int{}
	for i, row := range sh.Rows {
		line := sh.RowNumbers[i]
		values := map[string]string{}
		for _, f := range Fields[kind] {
			if c := cols[f.Key]; c >= 0 {
				values[f.Key] = tabular.Cell(row, c)
			}
		}
		code := strings.TrimSpace(values[FCode])
		if _, dup := byCode[code]; dup && code != "" {
			res.Add(sh.Name, line, label(i18n.Ja, FCode), code, "inv.err.duplicate", code)
			continue
		}
		it := Item{Kind: kind}
		if code != "" {
			if o, err := s.store.ItemByCode(ctx, kind, code); err == nil {
				if !may(p, Write, o) {
					res.Add(sh.Name, line, label(i18n.Ja, FCode), code, "inv.err.row_forbidden")
					continue
				}
				it = o
				it.Fields = cloneMap(o.Fields)
			} else if !apperr.Is(err, apperr.NotFound) {
				return res, err
			}
		}
		if err := s.apply(ctx, &it, values, lk); err != nil {
			var ae *apperr.Error
			if e, ok := err.(*apperr.Error); ok {
				ae = e
			}
			if ae != nil {
				res.Report.Errors = append(res.Report.Errors, tabular.RowError{Sheet: sh.Name, Row: line, Key: ae.Key, Args: ae.Args})
			} else {
				return res, err
			}
			continue
		}
		if err := s.check(&it); err != nil {
			res.Add(sh.Name, line, "", "", apperr.KeyOf(err))
			continue
		}
		if !may(p, Write, it) {
			res.Add(sh.Name, line, label(i18n.Ja, FUnit), it.UnitCode, "inv.err.row_forbidden")
			continue
		}
		if retCol >= 0 {
			it.Retired = isYes(tabular.Cell(row, retCol))
		}
		it.UpdatedAt = now
		if it.ID == 0 {
			it.CreatedAt = now
		}
		byCode[code] = len(items)
		items = append(items, it)
	}
	if kind == KindArea && len(sheets) > 1 {
		s.importPeople(ctx, sheets[1], items, byCode, lk, &res)
	}
	if !res.OK() {
		return res, nil
	}
	res.Added, res.Updated, err = s.store.ApplyImport(ctx, items, now)
	return res, err
}

// importPeople replaces the authorised people of the areas in the file
// with the second sheet's rows.
func (s *Service) importPeople(ctx context.Context, sh tabular.Sheet, items []Item, byCode map[string]int, lk *lookups, res *ImportResult) {
	cols := map[string]int{}
	for _, c := range peopleCols {
		cols[c] = column(sh, c)
	}
	fresh := map[int]bool{}
	for i, row := range sh.Rows {
		line := sh.RowNumbers[i]
		code := strings.TrimSpace(tabular.Cell(row, cols["area"]))
		n, ok := byCode[code]
		if !ok {
			res.Add(sh.Name, line, label(i18n.Ja, "area"), code, "inv.err.area_unknown", code)
			continue
		}
		no := strings.TrimSpace(tabular.Cell(row, cols["employee_no"]))
		who, err := lk.person(ctx, no)
		if err != nil {
			res.Add(sh.Name, line, label(i18n.Ja, "employee_no"), no, "inv.err.field", apperr.Msg("inv.f.employee_no"), no)
			continue
		}
		a := Authorised{EmployeeNo: who.EmployeeNo, Name: who.Name, Reason: strings.TrimSpace(tabular.Cell(row, cols["reason"])),
			Revoked: strings.TrimSpace(tabular.Cell(row, cols["revoked"]))}
		bad := false
		for _, d := range []struct {
			key string
			dst *string
		}{{"from", &a.From}, {"until", &a.Until}} {
			v := strings.TrimSpace(tabular.Cell(row, cols[d.key]))
			if v == "" {
				continue
			}
			x, ok := ParseDay(v)
			if !ok {
				res.Add(sh.Name, line, label(i18n.Ja, d.key), v, "inv.err.field", apperr.Msg("inv.f."+d.key), v)
				bad = true
			}
			*d.dst = x
		}
		if a.From == "" || a.Reason == "" {
			res.Add(sh.Name, line, "", "", "inv.err.required", apperr.Msg("inv.people.reason"))
			bad = true
		}
		if bad {
			continue
		}
		if !fresh[n] {
			items[n].People, fresh[n] = nil, true
		}
		items[n].People = append(items[n].People, a)
	}
}

// ImportLog reads an area's entry record or visitor log from xlsx or CSV:
// columns 入室日時, 退室日時, 氏名, 所属, 目的, 同行者.
func (s *Service) ImportLog(ctx context.Context, p *authz.Principal, id int64, kind, name string, data []byte) (int, tabular.Report, error) {
	var rep tabular.Report
	it, _, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, rep, err
	}
	if it.Kind != KindArea || !may(p, Write, it) {
		return 0, rep, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	if kind != "entry" && kind != "visitor" {
		return 0, rep, apperr.E(apperr.Invalid, "inv.err.log_kind")
	}
	sheets, err := tabular.Read(name, data, "auto")
	if err != nil {
		return 0, rep, err
	}
	if len(sheets) == 0 {
		return 0, rep, apperr.E(apperr.Invalid, "inv.err.empty")
	}
	sh := sheets[0]
	col := func(k string) int { return column(sh, k) }
	in, out, nm, af, pu, es := col("entered_at"), col("left_at"), col("person_name"), col("affiliation"), col("purpose"), col("escort")
	if in < 0 || nm < 0 {
		rep.Add(sh.Name, 1, "", "", "inv.err.column", label(i18n.Ja, "entered_at")+" / "+label(i18n.Ja, "person_name"))
		return 0, rep, nil
	}
	var es2 []LogEntry
	for i, row := range sh.Rows {
		line := sh.RowNumbers[i]
		e := LogEntry{ItemID: id, Kind: kind, Name: strings.TrimSpace(tabular.Cell(row, nm)), Affiliation: strings.TrimSpace(tabular.Cell(row, af)),
			Purpose: strings.TrimSpace(tabular.Cell(row, pu)), Escort: strings.TrimSpace(tabular.Cell(row, es))}
		t, ok := ParseTime(tabular.Cell(row, in))
		if !ok || e.Name == "" {
			rep.Add(sh.Name, line, label(i18n.Ja, "entered_at"), tabular.Cell(row, in), "inv.err.log_row")
			continue
		}
		e.EnteredAt = t
		if v := strings.TrimSpace(tabular.Cell(row, out)); v != "" {
			if e.LeftAt, ok = ParseTime(v); !ok {
				rep.Add(sh.Name, line, label(i18n.Ja, "left_at"), v, "inv.err.log_row")
				continue
			}
		}
		es2 = append(es2, e)
	}
	if !rep.OK() {
		return 0, rep, nil
	}
	if err := s.store.AddLog(ctx, id, es2, s.now().UTC()); err != nil {
		return 0, rep, err
	}
	return len(es2), rep, nil
}

// ParseTime reads a date and time written 2025-04-01 09:30, 2025/4/1 9:30
// or as an Excel serial (in local time as written; stored as given).
func ParseTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04", "2006/01/02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 2958466 {
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		return base.Add(time.Duration(f * 24 * float64(time.Hour))).Round(time.Minute), true
	}
	if d, ok := ParseDay(v); ok {
		t, _ := time.Parse("2006-01-02", d)
		return t, true
	}
	return time.Time{}, false
}

// Kind checks a kind name from a URL.
func Kind(k string) (string, bool) { return k, slices.Contains(Kinds, k) }
