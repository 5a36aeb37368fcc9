// Package xlsxfmt reads and writes catalogs as Excel workbooks: one row per
// node with its ref, parent ref, kind, title, text, requirement flag,
// subject, category and references, so an office can author a rulebook in
// Excel and load it. Header cells may be Japanese or English.
package xlsxfmt

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

// Sheet names written by Export.
const (
	NodesSheet = "規程"
	AboutSheet = "情報"
)

// column is one field of a node row.
type column struct {
	key      string   // English header, also the field name
	ja       string   // Japanese header written by Export
	aliases  []string // other accepted headers
	required bool
}

var columns = []column{
	{key: "ref", ja: "番号", aliases: []string{"id", "ref_id", "項番"}, required: true},
	{key: "parent", ja: "親番号", aliases: []string{"parent ref", "parent_ref", "parent id"}, required: true},
	{key: "kind", ja: "種別", aliases: []string{"type"}},
	{key: "title", ja: "見出し", aliases: []string{"name", "表題", "名称"}, required: true},
	{key: "text", ja: "本文", aliases: []string{"description", "内容"}, required: true},
	{key: "requirement", ja: "要求事項", aliases: []string{"requirement flag", "assessable", "遵守事項"}, required: true},
	{key: "subject", ja: "主体", aliases: []string{"subject role", "role", "担当"}},
	{key: "category", ja: "区分", aliases: []string{"分類"}},
	{key: "references", ja: "参照", aliases: []string{"reference", "参照先"}},
}

// ExcelCellLimit is the most characters an Excel cell holds.
const ExcelCellLimit = 32767

// Exporter registers Export with a catalog.Service.
var Exporter = catalog.Exporter{Write: Export,
	ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Ext: ".xlsx"}

// Export writes nodes as a workbook: the node rows on sheet 規程 (streamed,
// so memory stays small), the catalog's name, edition and title on 情報.
func Export(w io.Writer, meta catalog.ExportMeta, nodes []catalog.Node) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", NodesSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(NodesSheet)
	if err != nil {
		return err
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = c.ja
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err := sw.SetRow("A1", header, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	for _, width := range []struct {
		col   int
		width float64
	}{{1, 18}, {2, 18}, {3, 10}, {4, 30}, {5, 80}, {6, 8}, {7, 24}, {8, 12}, {9, 24}} {
		sw.SetColWidth(width.col, width.col, width.width)
	}
	row := make([]any, len(columns))
	for i, n := range nodes {
		req := ""
		if n.Requirement {
			req = "○"
		}
		vals := []string{n.Ref, n.Parent, n.Kind, n.Title, n.Text, req, n.Subject, n.Category, strings.Join(n.References, "\n")}
		for j, v := range vals {
			if utf8.RuneCountInString(v) > ExcelCellLimit {
				return apperr.E(apperr.Invalid, "catalog.err.node_longer_than_excel_cell", n.Ref, columns[j].key, ExcelCellLimit)
			}
			row[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet(AboutSheet); err != nil {
		return err
	}
	about := [][2]any{{"name", meta.Name}, {"title", meta.Title}, {"edition", meta.Edition}, {"source format", meta.SourceFormat}}
	for i, kv := range about {
		f.SetSheetRow(AboutSheet, fmt.Sprintf("A%d", i+1), &[]any{kv[0], kv[1]})
	}
	_, err = f.WriteTo(w)
	return err
}

// maxRowErrors bounds the row errors reported at once.
const maxRowErrors = 20

// Parse reads a workbook: the sheet named 規程 (or "catalog", or the
// first sheet), its first non-empty row the header. Missing columns or bad
// rows fail the whole file with row-numbered messages.
func Parse(data []byte) (*catalog.Parsed, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.excel_workbook_xlsx", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.workbook_has_sheets")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s == NodesSheet || strings.EqualFold(s, "catalog") {
			sheet = s
			break
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.sheet", sheet, err)
	}
	defer rows.Close()
	p := &catalog.Parsed{Format: "xlsx", Style: "table", Encoding: "utf-8"}
	var idx map[string]int // column key → cell index
	seen := map[string]int{}
	var errs []string
	fail := func(format string, args ...any) {
		if len(errs) < maxRowErrors {
			errs = append(errs, fmt.Sprintf(format, args...))
		} else if len(errs) == maxRowErrors {
			errs = append(errs, "… more errors not shown")
		}
	}
	for r := 1; rows.Next(); r++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, apperr.E(apperr.Invalid, "catalog.err.sheet_row", sheet, r, err)
		}
		if blank(cells) {
			continue
		}
		if idx == nil {
			idx, err = headerIndex(cells)
			if err != nil {
				return nil, apperr.WrapE(apperr.Invalid, err, "catalog.err.sheet_row2", sheet, r)
			}
			continue
		}
		get := func(key string) string {
			i, ok := idx[key]
			if !ok || i >= len(cells) {
				return ""
			}
			return cells[i]
		}
		n := catalog.Node{
			Ref: strings.TrimSpace(get("ref")), Parent: strings.TrimSpace(get("parent")),
			Kind: strings.TrimSpace(get("kind")), Title: get("title"), Text: get("text"),
			Subject: get("subject"), Category: get("category"),
		}
		for _, ref := range strings.Split(get("references"), "\n") {
			if ref = strings.TrimSpace(ref); ref != "" {
				n.References = append(n.References, ref)
			}
		}
		req, ok := flag(get("requirement"))
		if !ok {
			fail("row %d: requirement must be ○ (or 1, yes, true) or empty, not %q", r, get("requirement"))
		}
		n.Requirement = req
		if _, has := idx["kind"]; !has {
			n.Kind = catalog.KindSection
			if req {
				n.Kind = catalog.KindItem
			}
		}
		switch {
		case n.Ref == "":
			fail("row %d: the ref (番号) is empty", r)
			continue
		case seen[n.Ref] != 0:
			fail("row %d: ref %q is already used on row %d", r, n.Ref, seen[n.Ref])
			continue
		case n.Parent != "" && seen[n.Parent] == 0:
			fail("row %d: parent %q is not the ref of an earlier row", r, n.Parent)
		}
		seen[n.Ref] = r
		p.Nodes = append(p.Nodes, n)
	}
	if err := rows.Error(); err != nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.sheet", sheet, err)
	}
	if idx == nil {
		return nil, apperr.E(apperr.Invalid, "catalog.err.sheet_empty_expected_header_row", sheet, headerList(false))
	}
	if len(errs) > 0 {
		return nil, apperr.E(apperr.Invalid, "catalog.err.sheet2", sheet, strings.Join(errs, "; "))
	}
	p.Title = aboutTitle(f)
	return p, nil
}

func aboutTitle(f *excelize.File) string {
	rows, err := f.GetRows(AboutSheet)
	if err != nil {
		return ""
	}
	for _, r := range rows {
		if len(r) >= 2 && r[0] == "title" {
			return r[1]
		}
	}
	return ""
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// headerIndex maps header cells to columns, naming every missing one.
func headerIndex(cells []string) (map[string]int, error) {
	idx := map[string]int{}
	for i, cell := range cells {
		h := normHeader(cell)
		for _, c := range columns {
			if h == c.key || h == normHeader(c.ja) || containsNorm(c.aliases, h) {
				if _, dup := idx[c.key]; dup {
					return nil, fmt.Errorf("column %s (%s) appears twice in the header", c.key, c.ja)
				}
				idx[c.key] = i
			}
		}
	}
	var missing []string
	for _, c := range columns {
		if _, ok := idx[c.key]; !ok && c.required {
			missing = append(missing, c.key+" ("+c.ja+")")
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing columns: %s; the header row needs %s", strings.Join(missing, ", "), headerList(true))
	}
	return idx, nil
}

func headerList(requiredOnly bool) string {
	var out []string
	for _, c := range columns {
		if !requiredOnly || c.required {
			out = append(out, c.key+" ("+c.ja+")")
		}
	}
	return strings.Join(out, ", ")
}

func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("_", " ", "　", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func containsNorm(xs []string, h string) bool {
	for _, x := range xs {
		if normHeader(x) == h {
			return true
		}
	}
	return false
}

// flag reads a requirement cell.
func flag(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "n", "-", "×", "いいえ", "否":
		return false, true
	case "○", "〇", "◯", "●", "1", "true", "yes", "y", "x", "はい", "要", "要求":
		return true, true
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
		return b, true
	}
	return false, false
}
