package yearly

import (
	"io"
	"strings"

	"github.com/signintech/gopdf"

	"kitei/internal/apperr"
	"kitei/internal/capability"
	"kitei/internal/i18n"
	"kitei/internal/pdffont"
	"kitei/internal/wareki"
	"kitei/internal/webui"
)

// pdfDoc lays text out top to bottom on A4 pages.
type pdfDoc struct {
	pdf  *gopdf.GoPdf
	y    float64
	page int
	lang i18n.Lang
	foot string
}

const (
	pageW, pageH = 595.28, 841.89
	marginX      = 50.0
	marginTop    = 56.0
	marginBottom = 60.0
	contentW     = pageW - 2*marginX
)

func (d *pdfDoc) newPage() {
	d.pdf.AddPage()
	d.page++
	d.y = marginTop
	d.font(8)
	d.pdf.SetTextColor(110, 110, 110)
	d.pdf.SetXY(marginX, pageH-36)
	d.pdf.Cell(nil, d.foot)
	num := "- " + itoa(d.page) + " -"
	w, _ := d.pdf.MeasureTextWidth(num)
	d.pdf.SetXY(pageW-marginX-w, pageH-36)
	d.pdf.Cell(nil, num)
	d.pdf.SetTextColor(0, 0, 0)
}

func itoa(n int) string { return capability.FormatValue(float64(n), "") }

func (d *pdfDoc) font(size float64) { d.pdf.SetFont("jp", "", size) }

// need starts a new page unless h points fit on this one.
func (d *pdfDoc) need(h float64) {
	if d.y+h > pageH-marginBottom {
		d.newPage()
	}
}

// text writes wrapped text at x within width w.
func (d *pdfDoc) text(s string, size, x, w float64) {
	d.font(size)
	lh := size * 1.5
	for _, para := range strings.Split(s, "\n") {
		lines, err := d.pdf.SplitTextWithWordWrap(para, w)
		if err != nil || len(lines) == 0 {
			lines = []string{para}
		}
		for _, l := range lines {
			d.need(lh)
			d.pdf.SetXY(x, d.y)
			d.pdf.Cell(nil, l)
			d.y += lh
		}
	}
}

func (d *pdfDoc) heading(s string) {
	d.need(60)
	d.y += 10
	d.text(s, 14, marginX, contentW)
	d.pdf.SetStrokeColor(47, 111, 179)
	d.pdf.SetLineWidth(1.2)
	d.pdf.Line(marginX, d.y, pageW-marginX, d.y)
	d.y += 8
}

// table draws rows with the given column widths (fractions of the width);
// the first row is the header.
func (d *pdfDoc) table(rows [][]string, widths []float64, size float64) {
	lh := size * 1.45
	for i, row := range rows {
		cells := make([][]string, len(row))
		hmax := 1
		d.font(size)
		for j, c := range row {
			w := widths[min(j, len(widths)-1)]*contentW - 6
			lines, err := d.pdf.SplitTextWithWordWrap(c, w)
			if err != nil || len(lines) == 0 {
				lines = []string{c}
			}
			cells[j] = lines
			hmax = max(hmax, len(lines))
		}
		h := float64(hmax)*lh + 4
		d.need(h)
		if i == 0 {
			d.pdf.SetFillColor(232, 238, 247)
			d.pdf.RectFromUpperLeftWithStyle(marginX, d.y, contentW, h, "F")
		}
		x := marginX
		for j, lines := range cells {
			w := widths[min(j, len(widths)-1)] * contentW
			for k, l := range lines {
				d.pdf.SetXY(x+3, d.y+2+float64(k)*lh)
				d.pdf.Cell(nil, l)
			}
			x += w
		}
		d.y += h
		d.pdf.SetStrokeColor(200, 205, 212)
		d.pdf.SetLineWidth(0.5)
		d.pdf.Line(marginX, d.y, pageW-marginX, d.y)
	}
	d.y += 8
}

// bars draws a horizontal bar chart.
func (d *pdfDoc) bars(title string, labels []string, values []float64, max float64, unit string) {
	if len(values) == 0 {
		return
	}
	if max <= 0 {
		for _, v := range values {
			if v > max {
				max = v
			}
		}
		if max <= 0 {
			max = 1
		}
	}
	d.text(title, 9, marginX, contentW)
	const row, labelW, barW = 15.0, 130.0, 280.0
	for i, v := range values {
		d.need(row)
		d.font(8)
		d.pdf.SetXY(marginX, d.y+2)
		l := labels[i]
		if r := []rune(l); len(r) > 14 {
			l = string(r[:13]) + "…"
		}
		d.pdf.Cell(nil, l)
		d.pdf.SetFillColor(238, 241, 245)
		d.pdf.RectFromUpperLeftWithStyle(marginX+labelW, d.y+3, barW, row-6, "F")
		d.pdf.SetFillColor(47, 111, 179)
		if w := barW * minF(v, max) / max; w > 0 {
			d.pdf.RectFromUpperLeftWithStyle(marginX+labelW, d.y+3, w, row-6, "F")
		}
		d.pdf.SetXY(marginX+labelW+barW+6, d.y+2)
		d.pdf.Cell(nil, capability.FormatValue(v, unit))
		d.y += row
	}
	d.y += 6
}

func minF(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// WritePDF writes the annual report as an A4 PDF with the Japanese font
// embedded: a title page, a section per capability (figures beside last
// year's, charts, tables) and the review decisions.
func WritePDF(w io.Writer, lang i18n.Lang, a *Annual, style wareki.Style) error {
	fontFile := pdffont.Find("")
	if fontFile == "" {
		return apperr.E(apperr.Conflict, "yearly.err.font")
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	if err := pdf.AddTTFFont("jp", fontFile); err != nil {
		return err
	}
	fy := fyName(lang, style, a.Report.FiscalYear)
	title := i18n.T(lang, "yearly.report.title", fy)
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Author: a.Report.GeneratedBy, Creator: "kitei"})
	d := &pdfDoc{pdf: pdf, lang: lang, foot: title}
	d.newPage()

	// Title block.
	d.y = 180
	d.text(title, 24, marginX, contentW)
	d.y += 20
	d.text(i18n.T(lang, "yearly.report.to"), 12, marginX, contentW)
	d.text(i18n.T(lang, "yearly.report.from"), 12, marginX, contentW)
	d.y += 10
	d.text(i18n.T(lang, "yearly.report.generated", wareki.Format(style, a.Report.GeneratedAt.In(webui.Zone)), a.Report.GeneratedBy), 10, marginX, contentW)
	d.y += 30
	d.text(i18n.T(lang, "yearly.report.contents"), 12, marginX, contentW)
	views := present(lang, a)
	for i, s := range views {
		d.text(itoa(i+1)+". "+s.Title, 11, marginX+14, contentW-14)
	}
	d.text(itoa(len(views)+1)+". "+i18n.T(lang, "yearly.decisions"), 11, marginX+14, contentW-14)

	for i, s := range views {
		d.newPage()
		d.heading(itoa(i+1) + ". " + s.Title)
		if len(s.Figures) > 0 {
			rows := [][]string{{i18n.T(lang, "yearly.report.figure"), i18n.T(lang, "yearly.report.value"),
				i18n.T(lang, "yearly.report.previous"), i18n.T(lang, "yearly.report.change")}}
			for _, f := range s.Figures {
				rows = append(rows, []string{f.Label, f.Value, f.Previous, f.Change})
			}
			d.table(rows, []float64{0.55, 0.15, 0.15, 0.15}, 10)
		}
		for _, f := range a.Report.Sections[i].Figures {
			if len(f.Bars) == 0 {
				continue
			}
			labels := make([]string, len(f.Bars))
			values := make([]float64, len(f.Bars))
			for j, b := range f.Bars {
				labels[j], values[j] = cellText(lang, b.Label), b.Value
			}
			max := 0.0
			if f.Unit == "%" {
				max = 100
			}
			d.bars(i18n.T(lang, f.Key, jsonArgs(f.Args)...), labels, values, max, capability.UnitText(lang, f.Unit))
		}
		for _, t := range s.Tables {
			d.need(40)
			d.text(t.Caption, 10, marginX, contentW)
			rows := append([][]string{t.Header}, t.Rows...)
			widths := make([]float64, len(t.Header))
			for j := range widths {
				widths[j] = 1 / float64(len(widths))
			}
			d.table(rows, widths, 8.5)
		}
	}
	d.newPage()
	d.heading(itoa(len(views)+1) + ". " + i18n.T(lang, "yearly.decisions"))
	if len(a.Decisions) == 0 {
		d.text(i18n.T(lang, "yearly.decisions.none"), 10, marginX, contentW)
	}
	for i, dc := range a.Decisions {
		d.text(itoa(i+1)+". ["+i18n.T(lang, "yearly.decision.kind."+dc.Kind)+"] "+dc.Text, 11, marginX, contentW)
		d.text(i18n.T(lang, "yearly.decision.by", dc.DecidedByName, wareki.Format(style, dc.DecidedAt.In(webui.Zone))), 8.5, marginX+14, contentW-14)
		d.y += 4
	}
	return pdf.Write(w)
}

func fyName(lang i18n.Lang, style wareki.Style, fy int) string {
	if style == wareki.Japanese {
		return wareki.FiscalYear(fy)
	}
	return i18n.T(lang, "yearly.fy.value", fy)
}
