package crosswalk

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteGapsXLSX writes a gap report as a workbook with two sheets: a
// summary per section (requirements, covered, gaps, coverage) and the
// uncovered requirements with the closest candidate of the child catalog.
// Headings are in Japanese, the language of the rulebooks.
func WriteGapsXLSX(w io.Writer, r GapReport) error {
	f := excelize.NewFile()
	defer f.Close()
	const summary, gaps = "節ごとの集計", "未対応の要求事項"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return err
	}
	if _, err := f.NewSheet(gaps); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}

	// Summary sheet.
	sw, err := f.NewStreamWriter(summary)
	if err != nil {
		return err
	}
	for col, width := range []float64{14, 40, 12, 12, 12, 12} {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	title := fmt.Sprintf("%s（第%d版）に対する %s（第%d版）の対応状況", r.Parent.CatalogName, r.Parent.Number, r.Child.CatalogName, r.Child.Number)
	if err := sw.SetRow("A1", []any{excelize.Cell{Value: title, StyleID: bold}}); err != nil {
		return err
	}
	basis := "確認済みの対応付けのみ"
	if r.Suggested > 0 {
		basis = fmt.Sprintf("確認済みの対応付け、及びスコア %.2f 以上の候補", r.Suggested)
	}
	if err := sw.SetRow("A2", []any{"対応の根拠", basis}); err != nil {
		return err
	}
	head := []any{}
	for _, h := range []string{"節", "見出し", "要求事項", "対応あり", "未対応", "対応率"} {
		head = append(head, excelize.Cell{Value: h, StyleID: bold})
	}
	if err := sw.SetRow("A4", head); err != nil {
		return err
	}
	row := 5
	ratio := func(c, t int) float64 {
		if t == 0 {
			return 0
		}
		return float64(c) / float64(t)
	}
	for _, s := range r.Sections {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, []any{s.Ref, s.Title, s.Total, s.Covered, s.Total - s.Covered,
			excelize.Cell{Value: ratio(s.Covered, s.Total), StyleID: pct}}); err != nil {
			return err
		}
		row++
	}
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(cell, []any{excelize.Cell{Value: "合計", StyleID: bold}, "", r.Total, r.Covered, r.Total - r.Covered,
		excelize.Cell{Value: ratio(r.Covered, r.Total), StyleID: pct}}); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	// Gaps sheet.
	sw, err = f.NewStreamWriter(gaps)
	if err != nil {
		return err
	}
	for col, width := range []float64{14, 30, 18, 70, 24, 16, 10} {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	head = head[:0]
	for _, h := range []string{"節", "見出し", "項番", "要求事項", "主体", "最も近い候補", "スコア"} {
		head = append(head, excelize.Cell{Value: h, StyleID: bold})
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row = 2
	for _, s := range r.Sections {
		for _, g := range s.Gaps {
			var score any
			if g.Best != "" {
				score = g.BestScore
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, []any{s.Ref, s.Title, g.Ref,
				excelize.Cell{Value: g.Text, StyleID: wrap}, g.Subject, g.Best, score}); err != nil {
				return err
			}
			row++
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
