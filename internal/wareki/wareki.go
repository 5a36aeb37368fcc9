// Package wareki writes dates in the Japanese era calendar (和暦) as well as
// the Western one (西暦): 2025-04-01 as 令和7年4月1日, the fiscal year 2025
// (April to March) as 令和7年度. Pages show dates in the style each person
// chooses; exports and the API always keep real ISO dates.
package wareki

import (
	"fmt"
	"time"
)

// era is one era with its first day.
type era struct {
	name  string
	start time.Time
}

var eras = []era{
	{"令和", day(2019, 5, 1)},
	{"平成", day(1989, 1, 8)},
	{"昭和", day(1926, 12, 25)},
	{"大正", day(1912, 7, 30)},
	{"明治", day(1873, 1, 1)}, // the solar calendar starts in 明治6年
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Era returns the era name and the year in it for a calendar day; ok is
// false before 1873 (no solar-calendar era date).
func Era(t time.Time) (name string, year int, ok bool) {
	d := day(t.Year(), t.Month(), t.Day())
	for _, e := range eras {
		if !d.Before(e.start) {
			return e.name, t.Year() - e.start.Year() + 1, true
		}
	}
	return "", 0, false
}

func yearText(y int) string {
	if y == 1 {
		return "元"
	}
	return fmt.Sprint(y)
}

// Date is t as 令和7年4月1日 (元年 for the first year of an era); before
// 1873 it falls back to the Western date.
func Date(t time.Time) string {
	name, y, ok := Era(t)
	if !ok {
		return t.Format("2006-01-02")
	}
	return fmt.Sprintf("%s%s年%d月%d日", name, yearText(y), int(t.Month()), t.Day())
}

// FiscalYear is the fiscal year starting in April of year fy, named by the
// era of its last day as offices do (2019 → 令和元年度).
func FiscalYear(fy int) string {
	name, y, ok := Era(day(fy+1, 3, 31))
	if !ok {
		return fmt.Sprintf("%d年度", fy)
	}
	// The era's year that contains April of fy (令和元年度 for 2019).
	y -= 1
	if fy+1 == eraStartYear(name) {
		y = 1
	}
	return fmt.Sprintf("%s%s年度", name, yearText(y))
}

func eraStartYear(name string) int {
	for _, e := range eras {
		if e.name == name {
			return e.start.Year()
		}
	}
	return 0
}

// FiscalYearOf is the fiscal year (April to March) a day falls in.
func FiscalYearOf(t time.Time) int {
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// Style is how a person wants dates shown on pages.
type Style string

const (
	Western  Style = "seireki" // 2025-04-01 (default)
	Japanese Style = "wareki"  // 令和7年4月1日
)

// ParseStyle returns the style named s, Western for anything unknown.
func ParseStyle(s string) Style {
	if Style(s) == Japanese {
		return Japanese
	}
	return Western
}

// Format writes a day (time.Time, or a "2006-01-02" string; "" stays "")
// in style; times of day other than midnight keep their hh:mm.
func Format(style Style, v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		t = x
	case *time.Time:
		if x == nil || x.IsZero() {
			return ""
		}
		t = *x
	case string:
		if x == "" {
			return ""
		}
		p, err := time.Parse("2006-01-02", x)
		if err != nil {
			return x
		}
		t = p
	default:
		return fmt.Sprint(v)
	}
	withTime := t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0
	if style != Japanese {
		if withTime {
			return t.Format("2006-01-02 15:04")
		}
		return t.Format("2006-01-02")
	}
	s := Date(t)
	if withTime {
		s += t.Format(" 15:04")
	}
	return s
}
