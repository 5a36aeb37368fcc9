package incident

import (
	"html/template"
	"time"

	"kitei/internal/i18n"
)

func funcs() template.FuncMap {
	return template.FuncMap{
		// incWhen shows a time in local time to the minute ("" for none).
		"incWhen": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Local().Format("2006-01-02 15:04")
		},
		// incLeft is the time left until due (negative: overdue), in hours.
		"incLeft": func(due, now time.Time) int { return int(due.Sub(now).Hours()) },
		"incCat":  func(c Config, key string, lang i18n.Lang) string { return c.CategoryName(key, lang) },
		"incLvl":  func(c Config, level int, lang i18n.Lang) string { return c.LevelName(level, lang) },
		"incNeg":  func(n int) int { return -n },
		// incDur is a mean duration in the reader's language: minutes under
		// an hour, hours under two days, else days.
		"incDur": func(d time.Duration, n int, lang i18n.Lang) string {
			switch {
			case n == 0:
				return "—"
			case d < time.Hour:
				return i18n.T(lang, "incident.minutes", int(d.Minutes()))
			case d < 48*time.Hour:
				return i18n.T(lang, "incident.hours", float64(int(d.Hours()*10))/10)
			}
			return i18n.T(lang, "incident.days", float64(int(d.Hours()/24*10))/10)
		},
	}
}
