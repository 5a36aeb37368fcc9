package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

// Table is a sheet to write: cells may be strings, numbers, bools or
// time.Time (written as real dates, so Excel can sort and filter them).
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
	// Widths are column widths in characters (optional).
	Widths []float64
}

// WriteXLSX writes the tables as one workbook, a sheet each, with a bold
// frozen header row and an auto filter.
func WriteXLSX(w io.Writer, tables ...Table) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"E8EEF7"}, Pattern: 1}})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	dateTimeStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	for i, t := range tables {
		name := t.Name
		if name == "" {
			name = fmt.Sprintf("Sheet%d", i+1)
		}
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		for c, wd := range t.Widths {
			if wd > 0 {
				if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
					return err
				}
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		hdr := make([]any, len(t.Header))
		for c, h := range t.Header {
			hdr[c] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return err
		}
		for r, row := range t.Rows {
			cells := make([]any, len(row))
			for c, v := range row {
				switch x := v.(type) {
				case time.Time:
					if x.IsZero() {
						cells[c] = ""
						continue
					}
					st := dateTimeStyle
					if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
						st = dateStyle
					}
					cells[c] = excelize.Cell{Value: x, StyleID: st}
				default:
					cells[c] = v
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		if len(t.Header) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(t.Header), len(t.Rows)+1)
			if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
				return err
			}
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// Encoding of a CSV file written.
type Encoding string

const (
	UTF8BOM  Encoding = "utf-8"     // UTF-8 with a byte-order mark (Excel opens it right)
	ShiftJIS Encoding = "shift_jis" // CP932, for older tools
)

// WriteCSV writes one table as CSV in enc. Dates are written as
// 2006-01-02 (or with the time when there is one).
func WriteCSV(w io.Writer, t Table, enc Encoding) error {
	if enc == ShiftJIS {
		w = japanese.ShiftJIS.NewEncoder().Writer(w)
	} else if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cellText(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if x.IsZero() {
			return ""
		}
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(v)
}
