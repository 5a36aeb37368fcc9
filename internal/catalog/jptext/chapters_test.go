package jptext

import (
	"strconv"
	"strings"
	"testing"

	"kitei/internal/catalog"
)

func TestParseChaptersSeed003(t *testing.T) {
	nodes, warnings := parseChapters(structSeedLines(t, "003"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	byRef := checkTree(t, nodes)

	// 11 chapters 1…11, in order, with their names.
	var chapters []catalog.Node
	for _, n := range nodes {
		if n.Kind == catalog.KindChapter {
			chapters = append(chapters, n)
		}
	}
	if len(chapters) != 11 {
		t.Fatalf("got %d chapters, want 11: %v", len(chapters), refsOf(chapters))
	}
	for i, c := range chapters {
		if c.Ref != strconv.Itoa(i+1) || c.Title == "" || c.Parent != "" || c.Requirement {
			t.Errorf("chapter %d: %+v", i+1, c)
		}
		if !strings.Contains(c.Text, "改訂日") || !strings.Contains(c.Text, "適用範囲") {
			t.Errorf("chapter %s text lacks revision date or scope: %q", c.Ref, c.Text)
		}
	}
	// The heading of chapter 10 is split over three lines.
	if got := byRef["10"].Title; got != "情報セキュリティインシデント対応及び事業継続管理" {
		t.Errorf("chapter 10 title %q", got)
	}
	// Chapter 11's first section precedes its heading in the extraction.
	for _, ref := range []string{"11.1", "11.1.1", "11.1.2", "11.6"} {
		if n, ok := byRef[ref]; !ok || !strings.HasPrefix(n.Parent, "11") {
			t.Errorf("%s missing or misplaced: %+v", ref, n)
		}
	}

	// Sections and subsections nest by their numbers.
	want := map[string]string{
		"1.1":     "1",
		"1.3":     "1",
		"2.5":     "2",
		"3.1.1":   "3.1",
		"3.4.3":   "3.4",
		"4.9.4":   "4.9",
		"6.1.4":   "6.1",
		"6.1.4.1": "6.1.4",
		"6.1.4.3": "6.1.4",
		"7.7.2":   "7.7",
		"8.5":     "8",
		"9.5":     "9",
		"10.7":    "10",
		"11.4.4":  "11.4",
	}
	for ref, parent := range want {
		n, ok := byRef[ref]
		if !ok {
			t.Errorf("missing section %s", ref)
			continue
		}
		if n.Parent != parent || n.Kind != catalog.KindSection {
			t.Errorf("%s: parent %q kind %q, want parent %q", ref, n.Parent, n.Kind, parent)
		}
	}
	if n := byRef["3.1.1"]; n.Title != "情報資産の特定と機密性・完全性・可用性の評価" {
		t.Errorf("3.1.1 title %q", n.Title)
	}
	sections := countKind(nodes, catalog.KindSection)
	if sections < 100 {
		t.Errorf("only %d sections", sections)
	}

	// Requirements: rule-bearing sections, never chapters or empty headings.
	reqs := 0
	for _, n := range nodes {
		if !n.Requirement {
			continue
		}
		reqs++
		if n.Kind != catalog.KindSection || n.Text == "" {
			t.Errorf("%s (%s) flagged as requirement", n.Ref, n.Kind)
		}
	}
	if reqs < 60 {
		t.Errorf("only %d requirements", reqs)
	}
	if n := byRef["3.1"]; n.Requirement {
		t.Errorf("3.1 has no text of its own but is a requirement")
	}
	if n := byRef["2.1"]; !n.Requirement || n.Text != "従業員を雇用する際には秘密保持契約を締結する。" {
		t.Errorf("2.1 = %+v", n)
	}

	// Text joined across wraps, without the numbering and without the
	// blank-line damage.
	for _, n := range nodes {
		if strings.Contains(n.Text, "\n\n") || strings.HasPrefix(n.Text, " ") {
			t.Errorf("%s: badly joined text %q", n.Ref, n.Text)
		}
	}
	if s := byRef["1.1"].Text; !strings.Contains(s, "情報セキュリティ委員会を設置する。") {
		t.Errorf("1.1 text not joined across the wrap: %q", s)
	}
	// Subjects come from rule texts that name a role.
	if n := byRef["2.2"]; n.Subject != "従業員" {
		t.Errorf("2.2 subject %q", n.Subject)
	}
	// The trailing NIST CSF table is not part of chapter 11's last section.
	if s := byRef["11.6"].Text; strings.Contains(s, "NIST") {
		t.Errorf("appendix leaked into 11.6: %q", s)
	}
}

func TestScoreChapters(t *testing.T) {
	own := scoreChapters(structSeedLines(t, "003"))
	if own < 1000 {
		t.Errorf("score on 003 = %d, want high", own)
	}
	for _, other := range []string{"000", "001", "002", "004"} {
		if sc := scoreChapters(structSeedLines(t, other)); sc*10 > own {
			t.Errorf("score on %s = %d, too close to 003's %d", other, sc, own)
		}
	}
}

func TestParseChaptersSmall(t *testing.T) {
	src := strings.Join([]string{
		"前書き",
		" 1 総則 改訂日 2024.04.01 ",
		"",
		"適用範囲 全社",
		"1.目的",
		"",
		"この規程は、情報資産を守るための規則を定める",
		"",
		"ものである。",
		"1.1 定義",
		"用語を定義する。",
		"2.体制",
		"1.次章の節",
		"２",
		"運用",
		"管理 改訂日 2024.04.01",
		"適用範囲 全部署",
		"2.続き",
		"管理者は、点検すること。",
	}, "\n")
	nodes, _ := parseChapters(splitLines(src))
	byRef := checkTree(t, nodes)
	for ref, parent := range map[string]string{"1": "", "1.1": "1", "1.1.1": "1.1", "1.2": "1", "2": "", "2.1": "2", "2.2": "2"} {
		n, ok := byRef[ref]
		if !ok || n.Parent != parent {
			t.Errorf("%s: %+v (have %v)", ref, n, refsOf(nodes))
		}
	}
	if n := byRef["1.1"]; n.Text != "この規程は、情報資産を守るための規則を定めるものである。" || n.Title != "目的" {
		t.Errorf("1.1 = %+v", n)
	}
	if n := byRef["2"]; n.Title != "運用管理" || !strings.Contains(n.Text, "適用範囲 全部署") {
		t.Errorf("2 = %+v", n)
	}
	if n := byRef["2.2"]; !n.Requirement || n.Subject != "管理者" {
		t.Errorf("2.2 = %+v", n)
	}
}

func TestParseDetectsChapters(t *testing.T) {
	p, err := Parse(structSeedData(t, "003"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Style != "chapters" {
		t.Fatalf("style %q, want chapters", p.Style)
	}
	checkTree(t, p.Nodes)
	if got := countKind(p.Nodes, catalog.KindChapter); got != 11 {
		t.Errorf("got %d chapters, want 11", got)
	}
}
