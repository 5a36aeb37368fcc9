package incident

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Stats are the ledger's figures for a list of incidents.
type Stats struct {
	Count       int           `json:"count"`
	Open        int           `json:"open"`
	Incidents   int           `json:"incidents"` // triaged as incidents
	MeanTriage  time.Duration `json:"mean_triage_ns"`
	MeanClose   time.Duration `json:"mean_close_ns"`
	TriageHours float64       `json:"mean_triage_hours"`
	CloseDays   float64       `json:"mean_close_days"`
	Months      []MonthCount  `json:"months"`
	Triaged     int           `json:"triaged"` // reports with a triage time
	ClosedCount int           `json:"closed"`  // incidents closed
}

// MonthCount is the number of reports in one month.
type MonthCount struct {
	Month string `json:"month"` // 2006-01
	Count int    `json:"count"`
}

// Summarize computes the mean time to triage (report → triage) and to
// close (report → closure) and the monthly counts of the twelve months up
// to now.
func Summarize(xs []Incident, now time.Time) Stats {
	var st Stats
	var triage, close time.Duration
	byMonth := map[string]int{}
	for _, x := range xs {
		st.Count++
		if x.Status.Open() {
			st.Open++
		}
		if x.IsIncident {
			st.Incidents++
		}
		if !x.TriagedAt.IsZero() {
			triage += x.TriagedAt.Sub(x.ReportedAt)
			st.Triaged++
		}
		if !x.ClosedAt.IsZero() && x.Status == Closed {
			close += x.ClosedAt.Sub(x.ReportedAt)
			st.ClosedCount++
		}
		byMonth[x.ReportedAt.In(now.Location()).Format("2006-01")]++
	}
	if st.Triaged > 0 {
		st.MeanTriage = triage / time.Duration(st.Triaged)
		st.TriageHours = float64(int(st.MeanTriage.Hours()*10)) / 10
	}
	if st.ClosedCount > 0 {
		st.MeanClose = close / time.Duration(st.ClosedCount)
		st.CloseDays = float64(int(st.MeanClose.Hours()/24*10)) / 10
	}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()).AddDate(0, -11, 0)
	for i := 0; i < 12; i++ {
		m := first.AddDate(0, i, 0).Format("2006-01")
		st.Months = append(st.Months, MonthCount{Month: m, Count: byMonth[m]})
	}
	return st
}

// MonthlyChart draws the monthly counts as an SVG bar chart (no script,
// no inline style, so it passes the strict CSP). title is its accessible
// name.
func MonthlyChart(months []MonthCount, title string) template.HTML {
	const w, h, left, bottom, top = 640, 220, 32, 28, 12
	peak := 1
	for _, m := range months {
		peak = max(peak, m.Count)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart incident-chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(title))
	plotH := float64(h - bottom - top)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a96a3"/>`, left, h-bottom, w-4, h-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#5b6570" text-anchor="end">%d</text>`, left-4, top+8, peak)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#5b6570" text-anchor="end">0</text>`, left-4, h-bottom)
	n := max(len(months), 1)
	slot := float64(w-left-8) / float64(n)
	for i, m := range months {
		bh := plotH * float64(m.Count) / float64(peak)
		x := float64(left) + slot*float64(i) + slot*0.15
		y := float64(h-bottom) - bh
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2f6fb0"><title>%s: %d</title></rect>`, x, y, slot*0.7, bh, m.Month, m.Count)
		if m.Count > 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#16324f" text-anchor="middle">%d</text>`, x+slot*0.35, y-3, m.Count)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" fill="#5b6570" text-anchor="middle">%s</text>`, x+slot*0.35, h-bottom+14, m.Month[2:])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
