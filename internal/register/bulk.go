package register

// Import and export of the registers, one register per file.
//
// Layout. A CSV file (UTF-8 with or without BOM, or Shift_JIS) or the
// first matching sheet of an xlsx workbook. Row 1 is the header; a column
// is titled by its key or its Japanese title, in any order. A column that
// is not in the layout is refused, as is a missing required column (*).
// Lists are separated by ";". Levels are written as their names (機密性2),
// their numbers (2) or the axis letter and number (C2).
//
//	assets (情報資産):
//	  code 資産ID*, name 情報資産名*, kind 種別, unit_code 管理部署コード*,
//	  decider 決定者職員番号*, decided_on 決定日, c 機密性*, i 完全性, a 可用性,
//	  paper 書面 (○/はい/yes), restrictions 取扱制限, location 媒体・保存先,
//	  retention 保存期間, users_scope 利用者範囲, named 指名者職員番号,
//	  source 複製元資産ID, likelihood 発生可能性, note 備考, retired 廃止
//	systems (情報システム):
//	  code システムID*, name システム名*, purpose 目的, unit_code 所管部署コード*,
//	  isso ISSO職員番号*, stage ライフサイクル段階*, c 機密性, i 完全性, a 可用性,
//	  components 構成要素, connections 接続先, services 利用サービスID,
//	  requirements セキュリティ要件 (catalog id:ref), note 備考, retired 廃止
//	services (クラウド・委託):
//	  code サービスID*, name サービス名*, kind 区分* (cloud/outsourcing, クラウド/業務委託),
//	  provider 事業者*, unit_code 所管部署コード*, ismap ISMAP登録, ismap_no ISMAP登録番号,
//	  data_location データ保存場所, contract_from 契約開始日, contract_to 契約終了日,
//	  manager 管理者職員番号, c 取扱可能な機密性, subcontracting 再委託承認
//	  (name|approved on|approved by; …), exit 終了時確認済み (exit steps done), note 備考,
//	  retired 廃止
//
// 廃止 (○/はい/yes) marks a retired record; a file without the column
// leaves the flag of existing records as it is (new records are in use).
// Rows are matched to records by id (code): a match is updated, anything
// else is added, nothing is deleted (a record is retired with 廃止). Every row is checked first; when any
// row is wrong nothing is stored and every error is reported with its row
// and column. Export writes the same layout, so importing an export changes
// nothing.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
)

// MaxImportSize bounds an import file.
const MaxImportSize = 32 << 20

type column struct {
	key      string
	required bool
	title    string // the Japanese title, written on export
	aliases  []string
}

// Layouts are the columns of each register's import and export.
var Layouts = map[string][]column{
	KindAssets: {
		{"code", true, "資産ID", []string{"資産番号", "管理番号"}},
		{"name", true, "情報資産名", []string{"情報資産名称", "名称"}},
		{"kind", false, "種別", []string{"業務分類", "分類"}},
		{"unit_code", true, "管理部署コード", []string{"管理部署", "所管部署コード"}},
		{"decider", true, "決定者職員番号", []string{"決定者"}},
		{"decided_on", false, "決定日", []string{"格付日"}},
		{"c", true, "機密性", []string{"機密性評価値"}},
		{"i", false, "完全性", []string{"完全性評価値"}},
		{"a", false, "可用性", []string{"可用性評価値"}},
		{"paper", false, "書面", []string{"紙"}},
		{"restrictions", false, "取扱制限", nil},
		{"location", false, "媒体・保存先", []string{"保存先", "媒体"}},
		{"retention", false, "保存期間", []string{"保存期限"}},
		{"users_scope", false, "利用者範囲", nil},
		{"named", false, "指名者職員番号", []string{"指名者"}},
		{"source", false, "複製元資産ID", []string{"複製元"}},
		{"likelihood", false, "発生可能性", []string{"被害発生可能性"}},
		{"note", false, "備考", nil},
		{"retired", false, "廃止", []string{"廃止済み", "廃止フラグ"}},
	},
	KindSystems: {
		{"code", true, "システムID", []string{"システム番号"}},
		{"name", true, "システム名", []string{"情報システム名", "名称"}},
		{"purpose", false, "目的", []string{"用途"}},
		{"unit_code", true, "所管部署コード", []string{"所管部署", "管理部署コード"}},
		{"isso", true, "ISSO職員番号", []string{"情報システムセキュリティ責任者", "ISSO"}},
		{"stage", true, "ライフサイクル段階", []string{"段階"}},
		{"c", false, "機密性", nil},
		{"i", false, "完全性", nil},
		{"a", false, "可用性", nil},
		{"components", false, "構成要素", nil},
		{"connections", false, "接続先", []string{"接続"}},
		{"services", false, "利用サービスID", []string{"利用サービス"}},
		{"requirements", false, "セキュリティ要件", []string{"要件"}},
		{"note", false, "備考", nil},
		{"retired", false, "廃止", []string{"廃止済み", "廃止フラグ"}},
	},
	KindServices: {
		{"code", true, "サービスID", []string{"サービス番号"}},
		{"name", true, "サービス名", []string{"名称"}},
		{"kind", true, "区分", []string{"種別"}},
		{"provider", true, "事業者", []string{"提供者", "委託先"}},
		{"unit_code", true, "所管部署コード", []string{"所管部署"}},
		{"ismap", false, "ISMAP登録", []string{"ISMAP"}},
		{"ismap_no", false, "ISMAP登録番号", nil},
		{"data_location", false, "データ保存場所", []string{"データ所在地"}},
		{"contract_from", false, "契約開始日", nil},
		{"contract_to", false, "契約終了日", nil},
		{"manager", false, "管理者職員番号", []string{"サービス管理者"}},
		{"c", false, "取扱可能な機密性", []string{"機密性"}},
		{"subcontracting", false, "再委託承認", []string{"再委託"}},
		{"exit", false, "終了時確認済み", []string{"終了時確認"}},
		{"note", false, "備考", nil},
		{"retired", false, "廃止", []string{"廃止済み", "廃止フラグ"}},
	},
}

var sheetTitles = map[string]string{KindAssets: "情報資産", KindSystems: "情報システム", KindServices: "クラウド・委託"}

// ParseKind accepts a register kind in English or Japanese.
func ParseKind(k string) (string, bool) {
	k = strings.TrimSpace(k)
	for kind, t := range sheetTitles {
		if k == kind || k == t || k == strings.TrimSuffix(kind, "s") {
			return kind, true
		}
	}
	return "", false
}

// Table is one register read from or written to a file.
type Table struct {
	Kind       string
	Header     []string
	Rows       [][]string
	RowNumbers []int // each row's number in the file (the header is 1)
}

// ImportReport is the outcome of an import.
type ImportReport struct {
	Kind    string         `json:"kind"`
	Errors  []org.RowError `json:"errors,omitempty"`
	Rows    int            `json:"rows"`
	Result  ImportResult   `json:"result"`
	Applied bool           `json:"applied"`
}

// Localize fills each error's Message in lang.
func (r *ImportReport) Localize(lang i18n.Lang) {
	for i := range r.Errors {
		r.Errors[i].Message = r.Errors[i].Text(lang)
	}
}

// String summarises a report in English.
func (r ImportReport) String() string {
	if len(r.Errors) > 0 {
		return fmt.Sprintf("%d errors, nothing imported", len(r.Errors))
	}
	return fmt.Sprintf("%s: %d rows, +%d added, %d updated", r.Kind, r.Rows, r.Result.Added, r.Result.Updated)
}

// ---- reading ----

// ReadFile reads the table of kind from an xlsx workbook or a CSV file.
func ReadFile(kind, name string, data []byte) (Table, error) {
	if len(data) > MaxImportSize {
		return Table{}, apperr.E(apperr.TooLarge, "register.err.too_large_limit_mb", name, MaxImportSize>>20)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(kind, data)
	}
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".xlsx" || ext == ".xlsm" {
		return Table{}, apperr.E(apperr.Invalid, "register.err.xlsx_workbook", name)
	}
	return readCSV(kind, name, data)
}

func readXLSX(kind string, data []byte) (Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return Table{}, apperr.WrapE(apperr.Invalid, err, "register.err.readable_xlsx_workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	// The sheet named after the register, else the first sheet.
	pick := ""
	for _, s := range sheets {
		if k, ok := ParseKind(s); ok && k == kind {
			pick = s
			break
		}
	}
	if pick == "" && len(sheets) > 0 {
		pick = sheets[0]
	}
	rows, err := f.GetRows(pick, excelize.Options{RawCellValue: true})
	if err != nil {
		return Table{}, apperr.WrapE(apperr.Invalid, err, "register.err.sheet", pick)
	}
	return newTable(kind, rows), nil
}

func readCSV(kind, name string, data []byte) (Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil {
			return Table{}, apperr.E(apperr.Invalid, "register.err.neither_utf_nor_shift_jis", name)
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
			return Table{}, apperr.WrapE(apperr.Invalid, err, "register.err.error", name)
		}
		rows = append(rows, rec)
	}
	return newTable(kind, rows), nil
}

func newTable(kind string, rows [][]string) Table {
	t := Table{Kind: kind}
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
	return t
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
	return strings.NewReplacer(" ", "", "　", "", "-", "_").Replace(s)
}

// ---- checking ----

type importer struct {
	kind  string
	w     *authz.Principal
	s     Scheme
	errs  []org.RowError
	units map[string]org.Unit
	byNo  map[string]org.Person
	seen  map[string]int // code → first row
}

func (im *importer) fail(row int, col, value, key string, args ...any) {
	im.errs = append(im.errs, org.RowError{Sheet: im.kind, Row: row, Column: col, Value: value, Key: key, Args: args})
}

// Import checks a table against the registers and, when every row is
// right, applies it in one transaction. With errors it returns the report
// and an apperr Invalid error, and nothing is stored. w must hold the
// admin permission (or be trusted); each row must also be a record w may
// change, and a change of an asset's levels needs the authority to
// reclassify it.
func (r *Registry) Import(ctx context.Context, w *authz.Principal, t Table) (ImportReport, error) {
	rep := ImportReport{Kind: t.Kind, Rows: len(t.Rows)}
	if _, ok := Layouts[t.Kind]; !ok {
		return rep, invalid("register.err.unknown_register_use_assets_systems", t.Kind)
	}
	s, err := r.Scheme(ctx)
	if err != nil {
		return rep, err
	}
	im := &importer{kind: t.Kind, w: w, s: s, units: map[string]org.Unit{}, byNo: map[string]org.Person{}, seen: map[string]int{}}
	snap, err := r.orgSnapshot(ctx)
	if err != nil {
		return rep, err
	}
	for _, u := range snap.Units {
		im.units[u.Code] = u
	}
	for _, p := range snap.People {
		im.byNo[p.EmployeeNo] = p
	}
	recs := im.records(t)
	var plan Plan
	if len(im.errs) == 0 {
		switch t.Kind {
		case KindAssets:
			plan.Assets = r.checkAssets(ctx, im, recs, t.RowNumbers)
		case KindSystems:
			plan.Systems = r.checkSystems(ctx, im, recs, t.RowNumbers)
		case KindServices:
			plan.Services = r.checkServices(ctx, im, recs, t.RowNumbers)
		}
	}
	if len(t.Rows) == 0 && len(im.errs) == 0 {
		return rep, invalid("register.err.nothing_import")
	}
	if len(im.errs) > 0 {
		sort.SliceStable(im.errs, func(i, j int) bool { return im.errs[i].Row < im.errs[j].Row })
		rep.Errors = im.errs
		return rep, apperr.E(apperr.Invalid, "register.err.errors_nothing_was_imported", len(im.errs))
	}
	if len(plan.Assets)+len(plan.Systems)+len(plan.Services) > 0 {
		if rep.Result, err = r.store.ApplyImport(ctx, t.Kind, &plan); err != nil {
			return rep, err
		}
		for _, y := range plan.Systems {
			if err := r.appointISSO(ctx, y); err != nil {
				return rep, err
			}
		}
	}
	rep.Applied = true
	return rep, nil
}

func (r *Registry) orgSnapshot(ctx context.Context) (org.Snapshot, error) {
	var snap org.Snapshot
	units, err := r.org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere, IncludeRetired: true})
	if err != nil {
		return snap, err
	}
	people, _, err := r.org.People(ctx, org.PersonFilter{Scope: authz.Everywhere})
	snap.Units, snap.People = units, people
	return snap, err
}

// records maps rows to column key → value and reports header problems at
// row 1: unknown, duplicate and missing columns.
func (im *importer) records(t Table) []map[string]string {
	names := map[string]string{}
	for _, c := range Layouts[t.Kind] {
		names[normHeader(c.key)] = c.key
		names[normHeader(c.title)] = c.key
		for _, a := range c.aliases {
			names[normHeader(a)] = c.key
		}
	}
	idx := map[string]int{}
	for i, h := range t.Header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		k, ok := names[normHeader(h)]
		if !ok {
			im.fail(1, h, "", "register.import.err.unknowncolumn")
			continue
		}
		if _, dup := idx[k]; dup {
			im.fail(1, h, "", "org.import.err.dupcolumn")
			continue
		}
		idx[k] = i
	}
	for _, c := range Layouts[t.Kind] {
		if _, ok := idx[c.key]; !ok && c.required {
			im.fail(1, c.title, "", "org.import.err.nocolumn")
		}
	}
	out := make([]map[string]string, len(t.Rows))
	for i, row := range t.Rows {
		m := map[string]string{}
		for k, j := range idx {
			if j < len(row) {
				m[k] = strings.TrimSpace(row[j])
			}
		}
		out[i] = m
	}
	return out
}

func (im *importer) text(row int, rec map[string]string, col string, required bool, max int) string {
	v := rec[col]
	switch {
	case required && v == "":
		im.fail(row, col, "", "org.import.err.required")
	case utf8.RuneCountInString(v) > max:
		im.fail(row, col, v, "org.import.err.toolong", max)
	case strings.ContainsAny(v, "\x00\r\n\t"):
		im.fail(row, col, v, "org.import.err.control")
	}
	return v
}

func numberText(v string) string {
	if strings.ContainsAny(v, ".Ee") {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) {
			return strconv.FormatInt(int64(f), 10)
		}
	}
	return v
}

// code reads the record's own id and refuses a second row with it.
func (im *importer) code(row int, rec map[string]string) string {
	v := numberText(rec["code"])
	if v == "" {
		im.fail(row, "code", "", "org.import.err.required")
		return ""
	}
	if !codeRe.MatchString(v) {
		im.fail(row, "code", v, "org.import.err.code")
		return ""
	}
	if first, dup := im.seen[v]; dup {
		im.fail(row, "code", v, "org.import.err.duprow", first)
		return ""
	}
	im.seen[v] = row
	return v
}

func (im *importer) unit(row int, rec map[string]string) (org.Unit, bool) {
	v := numberText(rec["unit_code"])
	if v == "" {
		im.fail(row, "unit_code", "", "org.import.err.required")
		return org.Unit{}, false
	}
	u, ok := im.units[v]
	if !ok {
		im.fail(row, "unit_code", v, "org.import.err.nounit")
		return u, false
	}
	if !canIn(im.w, u.Path) && !im.w.CanIn(authz.RegisterAdmin, u.Path) {
		im.fail(row, "unit_code", v, "register.import.err.notyours")
		return u, false
	}
	return u, true
}

func (im *importer) person(row int, col, no string, required bool) int64 {
	no = numberText(strings.TrimSpace(no))
	if no == "" {
		if required {
			im.fail(row, col, "", "org.import.err.required")
		}
		return 0
	}
	p, ok := im.byNo[no]
	if !ok {
		im.fail(row, col, no, "org.import.err.noperson")
		return 0
	}
	if p.Status == org.StatusLeft {
		im.fail(row, col, no, "register.import.err.left")
		return 0
	}
	return p.ID
}

func (im *importer) level(row int, rec map[string]string, col, axis string, required bool) int {
	v, ok := im.s.ParseLevel(axis, rec[col])
	switch {
	case !ok:
		im.fail(row, col, rec[col], "register.import.err.level", im.levelNames(axis))
	case required && v == 0:
		im.fail(row, col, "", "org.import.err.required")
	}
	return v
}

func (im *importer) levelNames(axis string) string {
	var names []string
	for _, l := range im.s.Axis(axis).Levels {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

func (im *importer) date(row int, rec map[string]string, col string) string {
	d, ok := org.NormalizeDate(rec[col])
	if !ok {
		im.fail(row, col, rec[col], "org.import.err.date")
	}
	return d
}

func yes(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(norm.NFKC.String(v))) {
	case "", "no", "false", "0", "いいえ", "無", "なし", "-", "×":
		return false, true
	case "yes", "true", "1", "はい", "有", "あり", "○", "〇", "済":
		return true, true
	}
	return false, false
}

// retired reads the 廃止 column: has is false when the file lacks it.
func (im *importer) retired(row int, rec map[string]string) (retired, has bool) {
	v, has := rec["retired"]
	if !has {
		return false, false
	}
	b, ok := yes(v)
	if !ok {
		im.fail(row, "retired", v, "register.import.err.yesno")
	}
	return b, true
}

func split(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// entity validates a record through its domain rules once the row-level
// checks passed, reporting the message against the row.
func (im *importer) entity(row int, err error) bool {
	if err != nil {
		im.fail(row, "", "", "register.import.err.invalid", err.Error())
		return false
	}
	return true
}

func (r *Registry) checkAssets(ctx context.Context, im *importer, recs []map[string]string, rowNo []int) []PlanAsset {
	var out []PlanAsset
	inFile := map[string]bool{}
	for _, rec := range recs {
		inFile[numberText(rec["code"])] = true
	}
	for i, rec := range recs {
		row := rowNo[i]
		before := len(im.errs)
		a := Asset{
			Code:       im.code(row, rec),
			Name:       im.text(row, rec, "name", true, 200),
			Kind:       im.text(row, rec, "kind", false, 60),
			DeciderID:  im.person(row, "decider", rec["decider"], true),
			DecidedOn:  im.date(row, rec, "decided_on"),
			C:          im.level(row, rec, "c", AxisC, true),
			I:          im.level(row, rec, "i", AxisI, false),
			A:          im.level(row, rec, "a", AxisA, false),
			Location:   im.text(row, rec, "location", false, 200),
			Retention:  im.text(row, rec, "retention", false, 100),
			UsersScope: im.text(row, rec, "users_scope", false, 300),
			Note:       im.text(row, rec, "note", false, 1000),
		}
		u, _ := im.unit(row, rec)
		a.UnitID = u.ID
		retired, hasRetired := im.retired(row, rec)
		a.Retired = retired
		var ok bool
		if a.Paper, ok = yes(rec["paper"]); !ok {
			im.fail(row, "paper", rec["paper"], "register.import.err.yesno")
		}
		for _, x := range split(rec["restrictions"]) {
			k, ok := im.s.ParseRestriction(x)
			if !ok {
				im.fail(row, "restrictions", x, "register.import.err.restriction")
				continue
			}
			a.Restrictions = append(a.Restrictions, k)
		}
		for _, no := range split(rec["named"]) {
			if id := im.person(row, "named", no, false); id != 0 {
				a.Named = append(a.Named, id)
			}
		}
		if a.Likelihood, ok = im.s.ParseLikelihood(rec["likelihood"]); !ok {
			im.fail(row, "likelihood", rec["likelihood"], "register.import.err.level", "")
		}
		src := numberText(rec["source"])
		if src != "" && !inFile[src] {
			if _, err := r.store.AssetByCode(ctx, src, Everyone); err != nil {
				im.fail(row, "source", src, "register.import.err.nosource")
			}
		}
		if src != "" && src == a.Code {
			im.fail(row, "source", src, "register.import.err.nosource")
		}
		if len(im.errs) > before || a.Code == "" {
			continue
		}
		old, err := r.store.AssetByCode(ctx, a.Code, Everyone)
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			im.entity(row, err)
			continue
		default:
			if _, err := r.store.Asset(ctx, old.ID, viewer(im.w, authz.RegisterAdmin)); err != nil || (!canIn(im.w, old.UnitPath) && !im.w.CanIn(authz.RegisterAdmin, old.UnitPath)) {
				im.fail(row, "code", a.Code, "register.import.err.notyours")
				continue
			}
			a.ID = old.ID
			if !hasRetired {
				a.Retired = old.Retired
			}
			if old.C != a.C || old.I != a.I || old.A != a.A || strings.Join(old.Restrictions, ";") != strings.Join(a.Restrictions, ";") {
				if ok, _, err := r.mayReclassify(ctx, im.w, old); err != nil || !ok {
					im.fail(row, "c", rec["c"], "register.import.err.reclassify")
					continue
				}
			}
		}
		if a.DecidedOn == "" {
			a.DecidedOn = r.today()
			if old.ID != 0 {
				a.DecidedOn = old.DecidedOn
			}
		}
		if !im.entity(row, a.Validate(&im.s)) {
			continue
		}
		if a.ID != 0 && old.ID != 0 && sameAsset(old, a, src) {
			continue // unchanged
		}
		out = append(out, PlanAsset{Asset: a, SourceCode: src})
	}
	return out
}

func sameAsset(old, a Asset, src string) bool {
	return old.Code == a.Code && old.Name == a.Name && old.Kind == a.Kind && old.UnitID == a.UnitID && old.DeciderID == a.DeciderID &&
		(a.DecidedOn == "" || old.DecidedOn == a.DecidedOn) && old.C == a.C && old.I == a.I && old.A == a.A && old.Paper == a.Paper &&
		strings.Join(old.Restrictions, ";") == strings.Join(a.Restrictions, ";") && old.Location == a.Location &&
		old.Retention == a.Retention && old.UsersScope == a.UsersScope && fmt.Sprint(sortedIDs(old.Named)) == fmt.Sprint(sortedIDs(a.Named)) &&
		old.SourceCode == src && old.Likelihood == a.Likelihood && old.Note == a.Note && old.Retired == a.Retired
}

func sortedIDs(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (r *Registry) checkSystems(ctx context.Context, im *importer, recs []map[string]string, rowNo []int) []System {
	var out []System
	services, err := r.store.Services(ctx, ServiceFilter{Viewer: Everyone, Retired: true})
	if err != nil {
		im.entity(0, err)
		return nil
	}
	known := map[string]bool{}
	for _, v := range services {
		known[v.Code] = true
	}
	for i, rec := range recs {
		row := rowNo[i]
		before := len(im.errs)
		y := System{
			Code:    im.code(row, rec),
			Name:    im.text(row, rec, "name", true, 200),
			Purpose: im.text(row, rec, "purpose", false, 1000),
			ISSOID:  im.person(row, "isso", rec["isso"], true),
			C:       im.level(row, rec, "c", AxisC, false),
			I:       im.level(row, rec, "i", AxisI, false),
			A:       im.level(row, rec, "a", AxisA, false),
			Note:    im.text(row, rec, "note", false, 1000),
		}
		u, _ := im.unit(row, rec)
		y.UnitID = u.ID
		retired, hasRetired := im.retired(row, rec)
		y.Retired = retired
		stage, ok := ParseStage(rec["stage"])
		if !ok {
			im.fail(row, "stage", rec["stage"], "register.import.err.stage")
		}
		y.Stage = stage
		y.Components = split(rec["components"])
		y.Connections = split(rec["connections"])
		for _, c := range split(rec["services"]) {
			if !known[c] {
				im.fail(row, "services", c, "register.import.err.noservice")
			}
			y.Services = append(y.Services, c)
		}
		for _, q := range split(rec["requirements"]) {
			cat, ref, ok := strings.Cut(q, ":")
			id, err := strconv.ParseInt(strings.TrimSpace(cat), 10, 64)
			if !ok || err != nil || strings.TrimSpace(ref) == "" {
				im.fail(row, "requirements", q, "register.import.err.requirement")
				continue
			}
			req := Requirement{CatalogID: id, Ref: strings.TrimSpace(ref)}
			if r.catalogs != nil {
				if err := r.checkRequirement(ctx, req); err != nil {
					im.fail(row, "requirements", q, "register.import.err.requirement")
					continue
				}
			}
			y.Requirements = append(y.Requirements, req)
		}
		if len(im.errs) > before || y.Code == "" {
			continue
		}
		vs, err := r.store.Systems(ctx, SystemFilter{Viewer: Everyone, Query: y.Code, Retired: true})
		if err != nil {
			im.entity(row, err)
			continue
		}
		for _, old := range vs {
			if old.Code != y.Code {
				continue
			}
			if !canIn(im.w, old.UnitPath) && !im.w.CanIn(authz.RegisterAdmin, old.UnitPath) {
				im.fail(row, "code", y.Code, "register.import.err.notyours")
			}
			y.ID = old.ID
			if !hasRetired {
				y.Retired = old.Retired
			}
			if diff := diffSystem(old, y); len(diff) == 0 {
				y.ID = -1 // unchanged
			}
		}
		if y.ID == -1 || len(im.errs) > before {
			continue
		}
		if !im.entity(row, y.Validate(&im.s)) {
			continue
		}
		out = append(out, y)
	}
	return out
}

func (r *Registry) checkServices(ctx context.Context, im *importer, recs []map[string]string, rowNo []int) []Service {
	var out []Service
	for i, rec := range recs {
		row := rowNo[i]
		before := len(im.errs)
		v := Service{
			Code:         im.code(row, rec),
			Name:         im.text(row, rec, "name", true, 200),
			Provider:     im.text(row, rec, "provider", true, 200),
			ISMAPNo:      im.text(row, rec, "ismap_no", false, 40),
			DataLocation: im.text(row, rec, "data_location", false, 200),
			ContractFrom: im.date(row, rec, "contract_from"),
			ContractTo:   im.date(row, rec, "contract_to"),
			ManagerID:    im.person(row, "manager", rec["manager"], false),
			C:            im.level(row, rec, "c", AxisC, false),
			Note:         im.text(row, rec, "note", false, 1000),
		}
		switch strings.TrimSpace(rec["kind"]) {
		case ServiceCloud, "クラウド", "クラウドサービス":
			v.Kind = ServiceCloud
		case ServiceOutsourcing, "業務委託", "委託", "外部委託":
			v.Kind = ServiceOutsourcing
		default:
			im.fail(row, "kind", rec["kind"], "register.import.err.servicekind")
		}
		u, _ := im.unit(row, rec)
		v.UnitID, v.UnitCode = u.ID, u.Code
		retired, hasRetired := im.retired(row, rec)
		v.Retired = retired
		v.Manager.EmployeeNo = numberText(rec["manager"])
		var ok bool
		if v.ISMAP, ok = yes(rec["ismap"]); !ok {
			im.fail(row, "ismap", rec["ismap"], "register.import.err.yesno")
		}
		for _, x := range split(rec["subcontracting"]) {
			parts := strings.Split(x, "|")
			sc := Subcontract{Name: strings.TrimSpace(parts[0])}
			if len(parts) > 1 {
				d, ok := org.NormalizeDate(parts[1])
				if !ok {
					im.fail(row, "subcontracting", x, "org.import.err.date")
				}
				sc.ApprovedOn = d
			}
			if len(parts) > 2 {
				sc.ApprovedBy = strings.TrimSpace(parts[2])
			}
			if len(parts) > 3 {
				im.fail(row, "subcontracting", x, "register.import.err.subcontract")
			}
			v.Subcontracting = append(v.Subcontracting, sc)
		}
		for _, x := range split(rec["exit"]) {
			key := ""
			for _, k := range ExitSteps {
				if x == k || x == exitNames[k] {
					key = k
				}
			}
			if key == "" {
				im.fail(row, "exit", x, "register.import.err.exit")
				continue
			}
			v.Exit = append(v.Exit, ExitItem{Key: key, Done: true})
		}
		if len(im.errs) > before || v.Code == "" {
			continue
		}
		vs, err := r.store.Services(ctx, ServiceFilter{Viewer: Everyone, Query: v.Code, Retired: true})
		if err != nil {
			im.entity(row, err)
			continue
		}
		if !im.entity(row, v.Validate(&im.s)) {
			continue
		}
		unchanged := false
		for _, old := range vs {
			if old.Code != v.Code {
				continue
			}
			if !canIn(im.w, old.UnitPath) && !im.w.CanIn(authz.RegisterAdmin, old.UnitPath) {
				im.fail(row, "code", v.Code, "register.import.err.notyours")
			}
			v.ID = old.ID
			if !hasRetired {
				v.Retired = old.Retired
			}
			unchanged = serviceRow(im.s, old) == serviceRow(im.s, v)
		}
		if unchanged || len(im.errs) > before {
			continue
		}
		out = append(out, v)
	}
	return out
}

// ---- export ----

// Export returns the records of kind that w may read, in the import
// layout (Japanese titles in the header).
func (r *Registry) Export(ctx context.Context, w *authz.Principal, kind string) (Table, error) {
	t := Table{Kind: kind}
	cols, ok := Layouts[kind]
	if !ok {
		return t, invalid("register.err.unknown_register_use_assets_systems", kind)
	}
	for _, c := range cols {
		t.Header = append(t.Header, c.title)
	}
	s, err := r.Scheme(ctx)
	if err != nil {
		return t, err
	}
	switch kind {
	case KindAssets:
		as, err := r.Assets(ctx, w, AssetFilter{Retired: true})
		if err != nil {
			return t, err
		}
		for _, a := range as {
			t.Rows = append(t.Rows, assetRow(s, a))
		}
	case KindSystems:
		ys, err := r.Systems(ctx, w, SystemFilter{Retired: true})
		if err != nil {
			return t, err
		}
		for _, y := range ys {
			t.Rows = append(t.Rows, systemRow(s, y))
		}
	case KindServices:
		vs, err := r.Services(ctx, w, ServiceFilter{Retired: true})
		if err != nil {
			return t, err
		}
		for _, v := range vs {
			t.Rows = append(t.Rows, strings.Split(serviceRow(s, v), "\x00"))
		}
	}
	return t, nil
}

func yesText(b bool) string {
	if b {
		return "○"
	}
	return ""
}

func assetRow(s Scheme, a Asset) []string {
	var restr, named []string
	for _, x := range a.Restrictions {
		restr = append(restr, s.RestrictionName(x))
	}
	for _, p := range a.NamedPeople {
		named = append(named, p.EmployeeNo)
	}
	return []string{a.Code, a.Name, a.Kind, a.UnitCode, a.Decider.EmployeeNo, a.DecidedOn, s.LevelName(AxisC, a.C),
		s.LevelName(AxisI, a.I), s.LevelName(AxisA, a.A), yesText(a.Paper), strings.Join(restr, "; "), a.Location, a.Retention,
		a.UsersScope, strings.Join(named, "; "), a.SourceCode, s.LikelihoodName(a.Likelihood), a.Note, yesText(a.Retired)}
}

func systemRow(s Scheme, y System) []string {
	return []string{y.Code, y.Name, y.Purpose, y.UnitCode, y.ISSO.EmployeeNo, StageName(y.Stage), s.LevelName(AxisC, y.C),
		s.LevelName(AxisI, y.I), s.LevelName(AxisA, y.A), strings.Join(y.Components, "; "), strings.Join(y.Connections, "; "),
		strings.Join(y.Services, "; "), strings.ReplaceAll(joinReqs(y.Requirements), ";", "; "), y.Note, yesText(y.Retired)}
}

// serviceRow is a service's export row joined by NUL (comparable).
func serviceRow(s Scheme, v Service) string {
	var subs, done []string
	for _, sc := range v.Subcontracting {
		subs = append(subs, strings.TrimRight(sc.Name+"|"+sc.ApprovedOn+"|"+sc.ApprovedBy, "|"))
	}
	for _, k := range ExitSteps {
		if v.ExitDone(k) {
			done = append(done, exitNames[k])
		}
	}
	kind := map[string]string{ServiceCloud: "クラウド", ServiceOutsourcing: "業務委託"}[v.Kind]
	return strings.Join([]string{v.Code, v.Name, kind, v.Provider, v.UnitCode, yesText(v.ISMAP), v.ISMAPNo, v.DataLocation,
		v.ContractFrom, v.ContractTo, v.Manager.EmployeeNo, s.LevelName(AxisC, v.C), strings.Join(subs, "; "),
		strings.Join(done, "; "), v.Note, yesText(v.Retired)}, "\x00")
}

// SheetTitle is the sheet name of a register in an xlsx export.
func SheetTitle(kind string) string { return sheetTitles[kind] }

// WriteXLSX writes t as a one-sheet workbook, every cell as text.
func WriteXLSX(w io.Writer, t Table) error {
	return org.WriteXLSX(w, []org.Table{{Sheet: sheetTitles[t.Kind], Header: t.Header, Rows: t.Rows}})
}

// WriteCSV writes t as UTF-8 CSV with a byte-order mark.
func WriteCSV(w io.Writer, t Table) error {
	return org.WriteCSV(w, org.Table{Header: t.Header, Rows: t.Rows})
}
