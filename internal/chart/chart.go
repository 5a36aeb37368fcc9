// Package chart draws the small charts of kitei's pages as inline SVG
// rendered on the server: horizontal bars (a rate or a count per unit, per
// course …) and columns over time (incidents per month). No script, no
// style attribute: colours come from classes in app.css, so the strict
// Content-Security-Policy holds.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Bar is one labelled value.
type Bar struct {
	Label string
	Value float64
	Warn  bool // drawn in the warning colour
}

// Bars draws one horizontal bar per value, longest = max (max <= 0: the
// largest value; 100 for rates), with the value printed after the bar.
// title names the chart for screen readers.
func Bars(title string, bars []Bar, max float64, unit string) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	if max <= 0 {
		for _, b := range bars {
			max = math.Max(max, b.Value)
		}
		if max <= 0 {
			max = 1
		}
	}
	const labelW, barW, row, valueW = 150.0, 260.0, 22.0, 70.0
	h := row*float64(len(bars)) + 4
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><title>%s</title>`,
		labelW+barW+valueW, h, esc(title), esc(title))
	for i, b := range bars {
		y := float64(i)*row + 2
		w := barW * math.Max(0, math.Min(b.Value, max)) / max
		cls := "bar"
		if b.Warn {
			cls = "bar warn"
		}
		fmt.Fprintf(&sb, `<text class="label" x="%.0f" y="%.1f" text-anchor="end">%s</text>`, labelW-6, y+row*0.65, esc(clip(b.Label, 12)))
		fmt.Fprintf(&sb, `<rect class="track" x="%.0f" y="%.1f" width="%.0f" height="%.1f"/>`, labelW, y+3, barW, row-8)
		fmt.Fprintf(&sb, `<rect class="%s" x="%.0f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s%s</title></rect>`,
			cls, labelW, y+3, w, row-8, esc(b.Label), num(b.Value), esc(unit))
		fmt.Fprintf(&sb, `<text class="value" x="%.0f" y="%.1f">%s%s</text>`, labelW+barW+6, y+row*0.65, num(b.Value), esc(unit))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// Columns draws vertical columns over a sequence (months), each labelled
// below; values printed above non-empty columns.
func Columns(title string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	max := 0.0
	for _, b := range bars {
		max = math.Max(max, b.Value)
	}
	if max <= 0 {
		max = 1
	}
	const colW, plotH, top, bottom = 34.0, 120.0, 16.0, 22.0
	w := colW * float64(len(bars))
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><title>%s</title>`,
		w, top+plotH+bottom, esc(title), esc(title))
	fmt.Fprintf(&sb, `<line class="axis" x1="0" y1="%.0f" x2="%.0f" y2="%.0f"/>`, top+plotH, w, top+plotH)
	for i, b := range bars {
		x := float64(i) * colW
		hgt := plotH * b.Value / max
		cls := "bar"
		if b.Warn {
			cls = "bar warn"
		}
		fmt.Fprintf(&sb, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			cls, x+5, top+plotH-hgt, colW-10, hgt, esc(b.Label), num(b.Value))
		if b.Value > 0 {
			fmt.Fprintf(&sb, `<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+colW/2, top+plotH-hgt-3, num(b.Value))
		}
		fmt.Fprintf(&sb, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+colW/2, top+plotH+15, esc(clip(b.Label, 5)))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func esc(s string) string { return template.HTMLEscapeString(s) }
