package wareki

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{day(2025, 4, 1), "令和7年4月1日"},
		{day(2019, 5, 1), "令和元年5月1日"},
		{day(2019, 4, 30), "平成31年4月30日"},
		{day(1989, 1, 7), "昭和64年1月7日"},
		{day(1989, 1, 8), "平成元年1月8日"},
		{day(1926, 12, 25), "昭和元年12月25日"},
	} {
		if got := Date(c.in); got != c.want {
			t.Errorf("Date(%s) = %s, want %s", c.in.Format("2006-01-02"), got, c.want)
		}
	}
}

func TestFiscalYear(t *testing.T) {
	for fy, want := range map[int]string{2025: "令和7年度", 2019: "令和元年度", 2018: "平成30年度", 2020: "令和2年度"} {
		if got := FiscalYear(fy); got != want {
			t.Errorf("FiscalYear(%d) = %s, want %s", fy, got, want)
		}
	}
	if FiscalYearOf(day(2026, 3, 31)) != 2025 || FiscalYearOf(day(2026, 4, 1)) != 2026 {
		t.Error("FiscalYearOf wrong at the April boundary")
	}
}

func TestFormat(t *testing.T) {
	if got := Format(Japanese, "2025-04-01"); got != "令和7年4月1日" {
		t.Errorf("got %s", got)
	}
	if got := Format(Western, "2025-04-01"); got != "2025-04-01" {
		t.Errorf("got %s", got)
	}
	at := time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC)
	if got := Format(Japanese, at); got != "令和7年4月1日 09:30" {
		t.Errorf("got %s", got)
	}
	if Format(Japanese, "") != "" || Format(Japanese, time.Time{}) != "" || Format(Western, "n/a") != "n/a" {
		t.Error("empty or odd values not passed through")
	}
}
