package chart

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestBarsAreWellFormedAndEscaped(t *testing.T) {
	out := string(Bars("完了率", []Bar{{Label: "総務課", Value: 80}, {Label: `<script>"x"`, Value: 20, Warn: true}}, 100, "%"))
	if strings.Contains(out, "<script>") || !strings.Contains(out, "&lt;script&gt;") {
		t.Fatalf("label not escaped: %s", out)
	}
	if strings.Contains(out, "style=") {
		t.Error("style attribute breaks the CSP")
	}
	if err := xml.Unmarshal([]byte(out), new(any)); err != nil {
		t.Errorf("not well-formed XML: %v", err)
	}
	if !strings.Contains(out, `width="208.0"`) { // 80 % of 260
		t.Errorf("bar length wrong: %s", out)
	}
	if Bars("x", nil, 0, "") != "" {
		t.Error("empty chart drawn")
	}
}

func TestColumns(t *testing.T) {
	out := string(Columns("月別", []Bar{{Label: "4月", Value: 0}, {Label: "5月", Value: 3}}))
	if err := xml.Unmarshal([]byte(out), new(any)); err != nil {
		t.Errorf("not well-formed XML: %v", err)
	}
	if strings.Count(out, "<rect") != 2 {
		t.Errorf("want 2 columns: %s", out)
	}
}
