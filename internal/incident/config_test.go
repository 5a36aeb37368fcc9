package incident

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultNoticeRules(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	noticed := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	due := func(x Incident) map[string]time.Time {
		out := map[string]time.Time{}
		for _, n := range c.Notices(x) {
			out[n.RuleKey] = n.DueAt
		}
		return out
	}
	// A lost USB stick with personal data, level 2: ministry, PPC 速報 and 確報 (30 days).
	got := due(Incident{NoticedAt: noticed, Level: 2, Category: "leak", Personal: PersonalYes})
	if len(got) != 3 || !got["ppc_prompt"].Equal(noticed.Add(72*time.Hour)) || !got["ppc_final"].Equal(noticed.AddDate(0, 0, 30)) ||
		!got["ministry"].Equal(noticed.Add(24*time.Hour)) {
		t.Errorf("leak with personal data: %v", got)
	}
	// Unauthorised access with personal data: police too, and 60 days for the 確報.
	got = due(Incident{NoticedAt: noticed, Level: 1, Category: "unauthorized_access", Personal: PersonalYes})
	if _, ok := got["police"]; !ok || !got["ppc_final"].Equal(noticed.AddDate(0, 0, 60)) || len(got) != 3 {
		t.Errorf("unauthorised access: %v", got)
	}
	// Unknown personal data and level 1 misdelivery: nothing.
	if got := due(Incident{NoticedAt: noticed, Level: 1, Category: "misdelivery", Personal: PersonalUnknown}); len(got) != 0 {
		t.Errorf("level 1 misdelivery: %v", got)
	}
	bad := Defaults()
	bad.Rules = append(bad.Rules, Rule{Key: "x", Authority: "A", Kind: "K", DueHours: 1, Categories: []string{"nope"}})
	if bad.Validate() == nil {
		t.Error("a rule naming an unknown category was accepted")
	}
	if _, err := ParseConfig([]byte(`{"levels": [], "bogus": 1}`)); err == nil {
		t.Error("unknown fields were accepted")
	}
}

func TestSummarizeAndChart(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	rep := func(month time.Month, triageH, closeD int, st Status) Incident {
		at := time.Date(2026, month, 3, 9, 0, 0, 0, time.UTC)
		x := Incident{ReportedAt: at, Status: st}
		if triageH > 0 {
			x.TriagedAt, x.IsIncident = at.Add(time.Duration(triageH)*time.Hour), true
		}
		if closeD > 0 {
			x.ClosedAt = at.AddDate(0, 0, closeD)
		}
		return x
	}
	st := Summarize([]Incident{rep(6, 2, 10, Closed), rep(6, 4, 0, Handling), rep(1, 0, 0, Reported)}, now)
	if st.Count != 3 || st.Open != 2 || st.MeanTriage != 3*time.Hour || st.MeanClose != 10*24*time.Hour {
		t.Errorf("stats %+v", st)
	}
	if len(st.Months) != 12 || st.Months[11] != (MonthCount{"2026-06", 2}) || st.Months[6] != (MonthCount{"2026-01", 1}) {
		t.Errorf("months %+v", st.Months)
	}
	svg := string(MonthlyChart(st.Months, `件数 <"x">`))
	if strings.Count(svg, "<rect") != 12 || strings.Contains(svg, `<"x">`) || !strings.Contains(svg, "&lt;&#34;x&#34;&gt;") || strings.Contains(svg, "style=") {
		t.Errorf("chart: %s", svg)
	}
}
