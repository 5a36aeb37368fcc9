package training

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/tabular"
)

type tabularReport = tabular.Report

func apperrStatus(err error) int { return apperr.HTTPStatus(err) }

const minuteInterval = time.Minute

func esc(s string) string { return template.HTMLEscapeString(s) }

func rateColour(rate float64) string {
	switch {
	case rate >= 90:
		return "#2e7d32"
	case rate >= 70:
		return "#f9a825"
	}
	return "#c62828"
}

// rateBars draws one horizontal bar per row: the completion rate, with
// the 80 % line. Rendered in Go as SVG (no scripts, no styles).
func rateBars(rows []UnitRate, _ int) template.HTML {
	const w, rowH, label = 640.0, 24.0, 220.0
	if len(rows) > 80 {
		rows = rows[:80]
	}
	if len(rows) == 0 {
		return ""
	}
	h := rowH*float64(len(rows)) + 24
	span := w - label - 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="completion">`, w, h)
	for i, r := range rows {
		y := float64(i) * rowH
		rate := r.Rate()
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12" text-anchor="end">%s</text>`, label-6, y+16, esc(shortName(r.UnitName)))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="#eeeeee"/>`, label, y+4, span, rowH-8)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="%s"><title>%s %.1f%% (%d/%d)</title></rect>`,
			label, y+4, span*rate/100, rowH-8, rateColour(rate), esc(r.UnitName), rate, r.Completed, r.Assigned-r.Excused)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12">%.1f%%</text>`, label+span+6, y+16, rate)
	}
	x80 := label + span*0.8
	fmt.Fprintf(&b, `<line x1="%.1f" y1="0" x2="%.1f" y2="%.0f" stroke="#555555" stroke-dasharray="4 3"/>`, x80, x80, h-20)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" text-anchor="middle">80%%</text>`, x80, h-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func shortName(s string) string {
	r := []rune(s)
	if len(r) > 18 {
		return string(r[:17]) + "…"
	}
	return s
}

// histogram draws the score distribution in ten bands, the pass mark's
// band outlined.
func histogram(h [10]int, passMark int) template.HTML {
	const w, ht, left, bottom = 640.0, 220.0, 40.0, 30.0
	top := 1
	for _, n := range h {
		top = max(top, n)
	}
	bw := (w - left - 10) / 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="scores">`, w, ht)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#555555"/>`, left, ht-bottom, w-10, ht-bottom)
	for i, n := range h {
		bh := (ht - bottom - 20) * float64(n) / float64(top)
		x := left + float64(i)*bw
		fill := "#90a4ae"
		if i*10+9 >= passMark {
			fill = "#1565c0"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
			x+3, ht-bottom-bh, bw-6, bh, fill, Band(i), n)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%d</text>`, x+bw/2, ht-bottom-bh-4, n)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle">%s</text>`, x+bw/2, ht-bottom+14, Band(i))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
