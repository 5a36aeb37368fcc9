package org

// Bulk import and export of the organisation.
//
// Layout. An xlsx workbook holds up to three sheets; a CSV file holds one
// of them (several CSV files can be imported together). Row 1 is the
// header; each column may be titled by its key or by a Japanese title, in
// any order; extra columns are ignored; blank rows are skipped.
//
//	sheet units (組織):
//	  code 組織コード*, name 組織名*, name_en 英語名, kind 種別, parent_code 上位組織コード
//	sheet people (職員):
//	  employee_no 職員番号*, name 氏名*, name_kana 氏名カナ, email メールアドレス,
//	  unit_code 所属コード*, status 在籍状況 (active/leave/left or 在籍/休職/退職),
//	  joined_on 入職日, transferred_on 異動日
//	sheet assignments (任命):
//	  employee_no 職員番号*, role_key 役割キー*, unit_code 組織コード, system_ref 情報システム,
//	  starts_on 開始日*, ends_on 終了日
//
// (* required.) Dates are YYYY-MM-DD (YYYY/MM/DD and Excel date cells are
// accepted). A CSV file is UTF-8 with or without a byte-order mark, or
// Shift_JIS (CP932); its sheet is recognised by its header.
//
// Import matches units by code, people by employee number and appointments
// by (employee number, role, unit, system, start date): a match is updated,
// anything else is added, nothing is deleted. Every row is checked first;
// when any row is wrong nothing is stored and every error is reported with
// its sheet, row and column. Otherwise everything is stored in one
// transaction. Export writes the same layout, so importing an export
// changes nothing.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
)

// Sheet names (keys).
const (
	SheetUnits       = "units"
	SheetPeople      = "people"
	SheetAssignments = "assignments"
)

// MaxImportSize bounds an import file.
const MaxImportSize = 64 << 20

type column struct {
	key      string
	required bool
	titles   []string // Japanese titles accepted in the header
}

var layout = map[string][]column{
	SheetUnits: {
		{"code", true, []string{"組織コード", "部署コード", "コード"}},
		{"name", true, []string{"組織名", "部署名", "名称"}},
		{"name_en", false, []string{"英語名", "英語名称", "英名"}},
		{"kind", false, []string{"種別", "区分"}},
		{"parent_code", false, []string{"上位組織コード", "上位部署コード", "親組織コード"}},
	},
	SheetPeople: {
		{"employee_no", true, []string{"職員番号", "社員番号", "従業員番号"}},
		{"name", true, []string{"氏名", "名前"}},
		{"name_kana", false, []string{"氏名カナ", "フリガナ", "ふりがな", "カナ"}},
		{"email", false, []string{"メールアドレス", "メール", "電子メール"}},
		{"unit_code", true, []string{"所属コード", "所属組織コード", "組織コード"}},
		{"status", false, []string{"在籍状況", "状態", "在籍区分"}},
		{"joined_on", false, []string{"入職日", "入社日", "採用日"}},
		{"transferred_on", false, []string{"異動日", "着任日"}},
	},
	SheetAssignments: {
		{"employee_no", true, []string{"職員番号", "社員番号", "従業員番号"}},
		{"role_key", true, []string{"役割キー", "役割"}},
		{"unit_code", false, []string{"組織コード", "対象組織コード", "所属コード"}},
		{"system_ref", false, []string{"情報システム", "システム", "対象システム"}},
		{"starts_on", true, []string{"開始日", "任命日", "発令日"}},
		{"ends_on", false, []string{"終了日", "解任日"}},
	},
}

// sheetOrder is the order sheets are exported and applied in.
var sheetOrder = []string{SheetUnits, SheetPeople, SheetAssignments}

var sheetAliases = map[string]string{
	"units": SheetUnits, "unit": SheetUnits, "組織": SheetUnits, "部署": SheetUnits,
	"people": SheetPeople, "person": SheetPeople, "職員": SheetPeople, "人員": SheetPeople,
	"assignments": SheetAssignments, "assignment": SheetAssignments, "任命": SheetAssignments, "役割": SheetAssignments,
}

// Table is one sheet read from a file: its kind, header and data rows.
type Table struct {
	Sheet  string // units, people or assignments
	Source string // sheet or file name as the user knows it
	Header []string
	Rows   [][]string
	// RowNumbers gives each row's number in the file (the header is 1).
	RowNumbers []int
}

// RowError is one problem found in an import, addressed by sheet, row and
// column. Key and Args form the message in any language (i18n); Message
// is filled by Localize.
type RowError struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Value   string `json:"value,omitempty"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
	Message string `json:"message"`
}

// Text is the message in lang.
func (e RowError) Text(lang i18n.Lang) string { return i18n.T(lang, e.Key, e.Args...) }

// ImportReport is the outcome of an import.
type ImportReport struct {
	Errors  []RowError     `json:"errors,omitempty"`
	Result  BulkResult     `json:"result"`
	Rows    map[string]int `json:"rows"` // data rows read per sheet
	Applied bool           `json:"applied"`
}

// Localize fills each error's Message in lang.
func (r *ImportReport) Localize(lang i18n.Lang) {
	for i := range r.Errors {
		r.Errors[i].Message = r.Errors[i].Text(lang)
	}
}

// BulkResult counts what an import changed.
type BulkResult struct {
	UnitsAdded         int `json:"units_added"`
	UnitsUpdated       int `json:"units_updated"`
	PeopleAdded        int `json:"people_added"`
	PeopleUpdated      int `json:"people_updated"`
	AssignmentsAdded   int `json:"assignments_added"`
	AssignmentsUpdated int `json:"assignments_updated"`
}

// Changed reports whether anything was written.
func (b BulkResult) Changed() bool { return b != BulkResult{} }

// Plan is a checked import reduced to its changes, for Store.ApplyBulk.
// Entries with ID 0 are added; the others are updated. References are by
// code so that new units and people can be referred to before they have ids.
type Plan struct {
	Day         string
	Units       []PlanUnit
	People      []Person     // UnitCode names the unit
	Assignments []Assignment // EmployeeNo, RoleID and UnitCode name the rest
}

// PlanUnit is a unit to add or update, with its parent by code.
type PlanUnit struct {
	Unit
	ParentCode string
}

// ---- reading ----

// ReadFile splits an import file into tables. format is auto, xlsx or csv;
// auto looks at the content (an xlsx file is a zip archive).
func ReadFile(name string, data []byte, format string) ([]Table, error) {
	if len(data) > MaxImportSize {
		return nil, apperr.E(apperr.TooLarge, "org.err.too_large_limit_mb", name, MaxImportSize>>20)
	}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "auto":
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return ReadXLSX(data)
		}
		if ext := strings.ToLower(filepath.Ext(name)); ext == ".xlsx" || ext == ".xlsm" {
			return nil, apperr.E(apperr.Invalid, "org.err.xlsx_workbook", name)
		}
		t, err := ReadCSV(name, data)
		if err != nil {
			return nil, err
		}
		return []Table{t}, nil
	case "xlsx":
		return ReadXLSX(data)
	case "csv":
		t, err := ReadCSV(name, data)
		if err != nil {
			return nil, err
		}
		return []Table{t}, nil
	}
	return nil, apperr.E(apperr.Invalid, "org.err.unknown_format_use_auto_xlsx", format)
}

// ReadXLSX reads every sheet of a workbook that is recognised by its name
// or header.
func ReadXLSX(data []byte) ([]Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, apperr.WrapE(apperr.Invalid, err, "org.err.readable_xlsx_workbook")
	}
	defer f.Close()
	var out []Table
	seen := map[string]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, apperr.WrapE(apperr.Invalid, err, "org.err.sheet", name)
		}
		t := newTable(name, rows)
		if t.Sheet == "" {
			t.Sheet = sheetAliases[normHeader(name)]
		}
		if t.Sheet == "" {
			continue // a sheet of notes or something else: not ours
		}
		if prev, dup := seen[t.Sheet]; dup {
			return nil, apperr.E(apperr.Invalid, "org.err.sheets_both_hold", prev, name, t.Sheet)
		}
		seen[t.Sheet] = name
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, apperr.E(apperr.Invalid, "org.err.workbook_has_units_people_assignments")
	}
	return out, nil
}

// ReadCSV reads one CSV table (UTF-8 with or without BOM, or Shift_JIS).
func ReadCSV(name string, data []byte) (Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil {
			return Table{}, apperr.E(apperr.Invalid, "org.err.neither_utf_nor_shift_jis", name)
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Table{}, apperr.WrapE(apperr.Invalid, err, "org.err.error", name)
		}
		rows = append(rows, rec)
	}
	t := newTable(name, rows)
	if t.Sheet == "" {
		return t, apperr.E(apperr.Invalid, "org.err.header_does_look_like_units", name)
	}
	return t, nil
}

// newTable finds the header (the first non-blank row) and recognises the
// sheet by it.
func newTable(source string, rows [][]string) Table {
	t := Table{Source: source}
	hdr := -1
	for i, r := range rows {
		if !blank(r) {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		return t
	}
	t.Header = rows[hdr]
	for i := hdr + 1; i < len(rows); i++ {
		if blank(rows[i]) {
			continue
		}
		t.Rows = append(t.Rows, rows[i])
		t.RowNumbers = append(t.RowNumbers, i+1)
	}
	t.Sheet = recognise(t.Header)
	return t
}

// recognise picks the sheet whose required columns the header has.
func recognise(header []string) string {
	best, bestScore := "", 0
	for _, sheet := range sheetOrder {
		idx, _ := mapHeader(sheet, header)
		ok, score := true, 0
		for _, c := range layout[sheet] {
			if _, has := idx[c.key]; has {
				score++
			} else if c.required {
				ok = false
			}
		}
		if ok && score > bestScore {
			best, bestScore = sheet, score
		}
	}
	return best
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func normHeader(s string) string {
	s = norm.NFKC.String(s)
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "*"), "※")
	s = strings.NewReplacer(" ", "", "　", "", "-", "_").Replace(s)
	return s
}

// mapHeader returns column key → index, and the names of duplicate columns.
func mapHeader(sheet string, header []string) (map[string]int, []string) {
	names := map[string]string{}
	for _, c := range layout[sheet] {
		names[c.key] = c.key
		for _, t := range c.titles {
			names[normHeader(t)] = c.key
		}
	}
	idx := map[string]int{}
	var dups []string
	for i, h := range header {
		k, ok := names[normHeader(h)]
		if !ok {
			continue
		}
		if _, dup := idx[k]; dup {
			dups = append(dups, h)
			continue
		}
		idx[k] = i
	}
	return idx, dups
}

// ---- checking ----

type importer struct {
	snap Snapshot
	day  string
	errs []RowError

	unitByCode   map[string]*Unit
	personByNo   map[string]*Person
	roleByKey    map[string]*Role
	assignByKey  map[string]*Assignment
	unitCodeByID map[int64]string

	fileUnits  map[string]int // code → row
	filePeople map[string]int
	fileAssign map[string]int
	unitParent map[string]string // code → parent code, after the import

	plan Plan
}

func (im *importer) fail(sheet string, row int, col, value, key string, args ...any) {
	im.errs = append(im.errs, RowError{Sheet: sheet, Row: row, Column: col, Value: value, Key: key, Args: args})
}

func assignKey(no, role, unit, system, starts string) string {
	return no + "\x00" + role + "\x00" + unit + "\x00" + system + "\x00" + starts
}

// Import checks tables against the organisation and, when every row is
// right, applies them in one transaction. With errors it returns the report
// and an apperr Invalid error, and nothing is stored.
func (s *Service) Import(ctx context.Context, actor *authz.Principal, tables []Table) (ImportReport, error) {
	rep := ImportReport{Rows: map[string]int{}}
	if err := authz.RequireIn(actor, authz.OrgWrite, ""); err != nil {
		return rep, err
	}
	snap, err := s.store.Snapshot(ctx)
	if err != nil {
		return rep, err
	}
	im := newImporter(snap, s.today())
	bySheet := map[string]Table{}
	for _, t := range tables {
		if _, dup := bySheet[t.Sheet]; dup {
			im.fail(t.Sheet, 1, "", t.Source, "org.import.err.dupsheet")
			continue
		}
		bySheet[t.Sheet] = t
		rep.Rows[t.Sheet] = len(t.Rows)
	}
	if len(bySheet) == 0 && len(im.errs) == 0 {
		return rep, apperr.E(apperr.Invalid, "org.err.nothing_import")
	}
	// Collect the codes each file defines first, so rows may refer to
	// units and people defined further down or in another sheet.
	rows := map[string][]map[string]string{}
	for _, sheet := range sheetOrder {
		t, ok := bySheet[sheet]
		if !ok {
			continue
		}
		rows[sheet] = im.records(t)
	}
	im.checkUnits(rows[SheetUnits], bySheet[SheetUnits].RowNumbers)
	im.checkPeople(rows[SheetPeople], bySheet[SheetPeople].RowNumbers)
	im.checkAssignments(rows[SheetAssignments], bySheet[SheetAssignments].RowNumbers)
	if len(im.errs) > 0 {
		sort.SliceStable(im.errs, func(i, j int) bool {
			a, b := im.errs[i], im.errs[j]
			if a.Sheet != b.Sheet {
				return sheetRank(a.Sheet) < sheetRank(b.Sheet)
			}
			return a.Row < b.Row
		})
		rep.Errors = im.errs
		return rep, apperr.E(apperr.Invalid, "org.err.errors_nothing_was_imported", len(im.errs))
	}
	if len(im.plan.Units)+len(im.plan.People)+len(im.plan.Assignments) == 0 {
		rep.Applied = true
		return rep, nil
	}
	res, err := s.store.ApplyBulk(ctx, &im.plan)
	if err != nil {
		return rep, err
	}
	rep.Result, rep.Applied = res, true
	return rep, nil
}

func sheetRank(s string) int {
	for i, x := range sheetOrder {
		if x == s {
			return i
		}
	}
	return len(sheetOrder)
}

func newImporter(snap Snapshot, day string) *importer {
	im := &importer{snap: snap, day: day,
		unitByCode: map[string]*Unit{}, personByNo: map[string]*Person{}, roleByKey: map[string]*Role{},
		assignByKey: map[string]*Assignment{}, unitCodeByID: map[int64]string{},
		fileUnits: map[string]int{}, filePeople: map[string]int{}, fileAssign: map[string]int{}, unitParent: map[string]string{},
		plan: Plan{Day: day}}
	for i := range snap.Units {
		u := &snap.Units[i]
		im.unitByCode[u.Code] = u
		im.unitCodeByID[u.ID] = u.Code
	}
	for _, u := range snap.Units {
		im.unitParent[u.Code] = im.unitCodeByID[u.ParentID]
	}
	for i := range snap.People {
		im.personByNo[snap.People[i].EmployeeNo] = &snap.People[i]
	}
	for i := range snap.Roles {
		im.roleByKey[snap.Roles[i].Key] = &snap.Roles[i]
	}
	noByID := make(map[int64]string, len(snap.People))
	for _, p := range snap.People {
		noByID[p.ID] = p.EmployeeNo
	}
	for i := range snap.Assignments {
		a := &snap.Assignments[i]
		im.assignByKey[assignKey(noByID[a.PersonID], a.RoleKey, im.unitCodeByID[a.UnitID], a.SystemRef, a.StartsOn)] = a
	}
	return im
}

// records maps each row to column key → trimmed value, reporting header
// problems once at row 1.
func (im *importer) records(t Table) []map[string]string {
	idx, dups := mapHeader(t.Sheet, t.Header)
	for _, d := range dups {
		im.fail(t.Sheet, 1, d, "", "org.import.err.dupcolumn")
	}
	for _, c := range layout[t.Sheet] {
		if _, ok := idx[c.key]; !ok && c.required {
			im.fail(t.Sheet, 1, c.key, "", "org.import.err.nocolumn")
		}
	}
	out := make([]map[string]string, len(t.Rows))
	for i, r := range t.Rows {
		m := make(map[string]string, len(idx))
		for k, j := range idx {
			if j < len(r) {
				m[k] = strings.TrimSpace(r[j])
			}
		}
		out[i] = m
	}
	return out
}

func (im *importer) text(sheet string, row int, rec map[string]string, col string, required bool, max int) string {
	v := rec[col]
	switch {
	case required && v == "":
		im.fail(sheet, row, col, "", "org.import.err.required")
	case utf8.RuneCountInString(v) > max:
		im.fail(sheet, row, col, v, "org.import.err.toolong", max)
	case strings.ContainsAny(v, "\x00\r\n\t"):
		im.fail(sheet, row, col, v, "org.import.err.control")
	}
	return v
}

func (im *importer) code(sheet string, row int, rec map[string]string, col string, required bool) string {
	v := numberText(rec[col])
	if v == "" {
		if required {
			im.fail(sheet, row, col, "", "org.import.err.required")
		}
		return ""
	}
	if !codeRe.MatchString(v) {
		im.fail(sheet, row, col, v, "org.import.err.code")
	}
	return v
}

// numberText turns a number cell read raw ("1234.0", "1.234E+3") into
// its integer spelling; other text is returned as is.
func numberText(v string) string {
	if strings.ContainsAny(v, ".Ee") {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
	}
	return v
}

var slashDate = regexp.MustCompile(`^(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?$`)

// NormalizeDate accepts 2025-04-01, 2025/4/1, 2025年4月1日 and Excel date
// serial numbers, and returns YYYY-MM-DD; ok is false for anything else.
func NormalizeDate(v string) (string, bool) {
	v = strings.TrimSpace(norm.NFKC.String(v))
	if v == "" {
		return "", true
	}
	if m := slashDate.FindStringSubmatch(v); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
			return "", false
		}
		return t.Format(DateLayout), true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 2958466 && f == math.Trunc(f) {
		// Excel serial date (1900 system; serial 60 is the phantom 1900-02-29).
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		return base.AddDate(0, 0, int(f)).Format(DateLayout), true
	}
	if t, err := time.Parse(DateLayout+"T15:04:05", v); err == nil {
		return t.Format(DateLayout), true
	}
	return "", false
}

func (im *importer) date(sheet string, row int, rec map[string]string, col string, required bool) string {
	v := rec[col]
	if v == "" {
		if required {
			im.fail(sheet, row, col, "", "org.import.err.required")
		}
		return ""
	}
	d, ok := NormalizeDate(v)
	if !ok {
		im.fail(sheet, row, col, v, "org.import.err.date")
	}
	return d
}

func (im *importer) checkUnits(recs []map[string]string, rowNo []int) {
	type pending struct {
		u      Unit
		parent string
		row    int
	}
	var list []pending
	for i, rec := range recs {
		row := rowNo[i]
		u := Unit{
			Code:   im.code(SheetUnits, row, rec, "code", true),
			Name:   im.text(SheetUnits, row, rec, "name", true, 200),
			NameEn: im.text(SheetUnits, row, rec, "name_en", false, 200),
			Kind:   im.text(SheetUnits, row, rec, "kind", false, 40),
		}
		parent := im.code(SheetUnits, row, rec, "parent_code", false)
		if u.Code == "" {
			continue
		}
		if first, dup := im.fileUnits[u.Code]; dup {
			im.fail(SheetUnits, row, "code", u.Code, "org.import.err.duprow", first)
			continue
		}
		im.fileUnits[u.Code] = row
		if parent == u.Code {
			im.fail(SheetUnits, row, "parent_code", parent, "org.import.err.selfparent")
			parent = ""
		}
		im.unitParent[u.Code] = parent
		list = append(list, pending{u, parent, row})
	}
	for _, p := range list {
		if p.parent != "" {
			_, inFile := im.fileUnits[p.parent]
			if _, inDB := im.unitByCode[p.parent]; !inFile && !inDB {
				im.fail(SheetUnits, p.row, "parent_code", p.parent, "org.import.err.nounit")
				continue
			}
		}
		// A cycle: walking up from the unit comes back to it.
		seen := map[string]bool{p.u.Code: true}
		cyc := false
		for c := im.unitParent[p.u.Code]; c != ""; c = im.unitParent[c] {
			if seen[c] {
				cyc = true
				break
			}
			seen[c] = true
		}
		if cyc {
			im.fail(SheetUnits, p.row, "parent_code", p.parent, "org.import.err.cycle")
			continue
		}
		old := im.unitByCode[p.u.Code]
		if old == nil {
			im.plan.Units = append(im.plan.Units, PlanUnit{Unit: p.u, ParentCode: p.parent})
			continue
		}
		if old.Name != p.u.Name || old.NameEn != p.u.NameEn || old.Kind != p.u.Kind || im.unitCodeByID[old.ParentID] != p.parent {
			u := p.u
			u.ID = old.ID
			im.plan.Units = append(im.plan.Units, PlanUnit{Unit: u, ParentCode: p.parent})
		}
	}
}

// unitKnown reports whether code names a unit in the file or the store,
// and whether that unit is retired.
func (im *importer) unitKnown(code string) (known, retired bool) {
	if _, ok := im.fileUnits[code]; ok {
		u := im.unitByCode[code]
		return true, u != nil && u.Retired
	}
	u, ok := im.unitByCode[code]
	return ok, ok && u.Retired
}

func (im *importer) checkPeople(recs []map[string]string, rowNo []int) {
	for i, rec := range recs {
		row := rowNo[i]
		p := Person{
			EmployeeNo:    im.code(SheetPeople, row, rec, "employee_no", true),
			Name:          im.text(SheetPeople, row, rec, "name", true, 100),
			NameKana:      im.text(SheetPeople, row, rec, "name_kana", false, 100),
			Email:         im.text(SheetPeople, row, rec, "email", false, 254),
			UnitCode:      im.code(SheetPeople, row, rec, "unit_code", true),
			Status:        NormalizeStatus(rec["status"]),
			JoinedOn:      im.date(SheetPeople, row, rec, "joined_on", false),
			TransferredOn: im.date(SheetPeople, row, rec, "transferred_on", false),
		}
		if p.Email != "" && CheckEmail(p.Email) != nil {
			im.fail(SheetPeople, row, "email", p.Email, "org.import.err.email")
		}
		switch p.Status {
		case StatusActive, StatusLeave, StatusLeft:
		default:
			im.fail(SheetPeople, row, "status", rec["status"], "org.import.err.status")
		}
		if p.EmployeeNo == "" {
			continue
		}
		if first, dup := im.filePeople[p.EmployeeNo]; dup {
			im.fail(SheetPeople, row, "employee_no", p.EmployeeNo, "org.import.err.duprow", first)
			continue
		}
		im.filePeople[p.EmployeeNo] = row
		old := im.personByNo[p.EmployeeNo]
		if p.UnitCode != "" {
			known, retired := im.unitKnown(p.UnitCode)
			switch {
			case !known:
				im.fail(SheetPeople, row, "unit_code", p.UnitCode, "org.import.err.nounit")
			case retired && (old == nil || old.UnitCode != p.UnitCode):
				im.fail(SheetPeople, row, "unit_code", p.UnitCode, "org.import.err.retiredunit")
			}
		}
		if old == nil {
			if p.Status == StatusLeft {
				p.LeftOn = im.day
			}
			im.plan.People = append(im.plan.People, p)
			continue
		}
		p.ID = old.ID
		switch {
		case p.Status == StatusLeft && old.Status == StatusLeft:
			p.LeftOn = old.LeftOn
		case p.Status == StatusLeft:
			p.LeftOn = im.day
		}
		if p.Name != old.Name || p.NameKana != old.NameKana || p.Email != old.Email || p.UnitCode != old.UnitCode ||
			p.Status != old.Status || p.JoinedOn != old.JoinedOn || p.TransferredOn != old.TransferredOn || p.LeftOn != old.LeftOn {
			im.plan.People = append(im.plan.People, p)
		}
	}
}

func (im *importer) checkAssignments(recs []map[string]string, rowNo []int) {
	const sh = SheetAssignments
	for i, rec := range recs {
		row := rowNo[i]
		a := Assignment{
			EmployeeNo: im.code(sh, row, rec, "employee_no", true),
			RoleKey:    im.text(sh, row, rec, "role_key", true, 40),
			UnitCode:   im.code(sh, row, rec, "unit_code", false),
			SystemRef:  im.text(sh, row, rec, "system_ref", false, 100),
			StartsOn:   im.date(sh, row, rec, "starts_on", true),
			EndsOn:     im.date(sh, row, rec, "ends_on", false),
		}
		if a.StartsOn != "" && a.EndsOn != "" && a.EndsOn < a.StartsOn {
			im.fail(sh, row, "ends_on", a.EndsOn, "org.import.err.endsbefore")
		}
		if a.EmployeeNo != "" {
			_, inFile := im.filePeople[a.EmployeeNo]
			if _, inDB := im.personByNo[a.EmployeeNo]; !inFile && !inDB {
				im.fail(sh, row, "employee_no", a.EmployeeNo, "org.import.err.noperson")
			}
		}
		if a.UnitCode != "" {
			if known, _ := im.unitKnown(a.UnitCode); !known {
				im.fail(sh, row, "unit_code", a.UnitCode, "org.import.err.nounit")
			}
		}
		if a.RoleKey == "" {
			continue
		}
		role := im.roleByKey[a.RoleKey]
		if role == nil {
			im.fail(sh, row, "role_key", a.RoleKey, "org.import.err.norole")
			continue
		}
		a.RoleID = role.ID
		switch role.Scope {
		case ScopeUnit:
			if a.UnitCode == "" {
				im.fail(sh, row, "unit_code", "", "org.import.err.needunit", a.RoleKey)
			}
		case ScopeSystem:
			if a.SystemRef == "" {
				im.fail(sh, row, "system_ref", "", "org.import.err.needsystem", a.RoleKey)
			}
		case ScopeOrganisation:
			if a.UnitCode != "" || a.SystemRef != "" {
				im.fail(sh, row, "unit_code", a.UnitCode, "org.import.err.orgwide", a.RoleKey)
			}
		}
		key := assignKey(a.EmployeeNo, a.RoleKey, a.UnitCode, a.SystemRef, a.StartsOn)
		if first, dup := im.fileAssign[key]; dup {
			im.fail(sh, row, "starts_on", a.StartsOn, "org.import.err.duprow", first)
			continue
		}
		im.fileAssign[key] = row
		old := im.assignByKey[key]
		if old == nil {
			if role.Retired {
				im.fail(sh, row, "role_key", a.RoleKey, "org.import.err.retiredrole")
				continue
			}
			im.plan.Assignments = append(im.plan.Assignments, a)
			continue
		}
		if old.EndsOn != a.EndsOn {
			a.ID, a.Note = old.ID, old.Note
			im.plan.Assignments = append(im.plan.Assignments, a)
		}
	}
}

// ---- export ----

// ExportTables returns the whole organisation in the import layout; actor
// needs organisation-wide org.read.
func (s *Service) ExportTables(ctx context.Context, actor *authz.Principal) ([]Table, error) {
	if err := authz.RequireIn(actor, authz.OrgRead, ""); err != nil {
		return nil, err
	}
	snap, err := s.store.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	codeByID := make(map[int64]string, len(snap.Units))
	for _, u := range snap.Units {
		codeByID[u.ID] = u.Code
	}
	noByID := make(map[int64]string, len(snap.People))
	for _, p := range snap.People {
		noByID[p.ID] = p.EmployeeNo
	}
	header := func(sheet string) []string {
		var h []string
		for _, c := range layout[sheet] {
			h = append(h, c.key)
		}
		return h
	}
	units := Table{Sheet: SheetUnits, Source: SheetUnits, Header: header(SheetUnits)}
	for _, u := range snap.Units {
		units.Rows = append(units.Rows, []string{u.Code, u.Name, u.NameEn, u.Kind, codeByID[u.ParentID]})
	}
	people := Table{Sheet: SheetPeople, Source: SheetPeople, Header: header(SheetPeople)}
	for _, p := range snap.People {
		people.Rows = append(people.Rows, []string{p.EmployeeNo, p.Name, p.NameKana, p.Email, codeByID[p.UnitID], p.Status, p.JoinedOn, p.TransferredOn})
	}
	as := Table{Sheet: SheetAssignments, Source: SheetAssignments, Header: header(SheetAssignments)}
	for _, a := range snap.Assignments {
		as.Rows = append(as.Rows, []string{noByID[a.PersonID], a.RoleKey, codeByID[a.UnitID], a.SystemRef, a.StartsOn, a.EndsOn})
	}
	return []Table{units, people, as}, nil
}

// WriteXLSX writes tables as one workbook, a sheet per table, every cell as
// text (so codes like 00123 keep their zeros).
func WriteXLSX(w io.Writer, tables []Table) error {
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for _, t := range tables {
		if first {
			if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(t.Sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(t.Sheet)
		if err != nil {
			return err
		}
		if err := sw.SetColWidth(1, len(t.Header), 18); err != nil {
			return err
		}
		row := make([]any, len(t.Header))
		for i, h := range t.Header {
			row[i] = h
		}
		if err := sw.SetRow("A1", row); err != nil {
			return err
		}
		for i, r := range t.Rows {
			row = row[:0]
			for _, v := range r {
				row = append(row, v)
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// WriteCSV writes one table as UTF-8 CSV with a byte-order mark (so Excel
// opens it as UTF-8).
func WriteCSV(w io.Writer, t Table) error {
	if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// String summarises a report in English for logs and the CLI.
func (r ImportReport) String() string {
	if len(r.Errors) > 0 {
		return fmt.Sprintf("%d errors, nothing imported", len(r.Errors))
	}
	b := r.Result
	return fmt.Sprintf("units +%d ~%d, people +%d ~%d, assignments +%d ~%d",
		b.UnitsAdded, b.UnitsUpdated, b.PeopleAdded, b.PeopleUpdated, b.AssignmentsAdded, b.AssignmentsUpdated)
}
